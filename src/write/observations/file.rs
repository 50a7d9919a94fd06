//! The files a city sends back: CSV as Japanese Excel saves it (CP932, Shift_JIS's Windows
//! form) or as other programs do (UTF-8, with or without a byte-order mark), and `.xlsx`
//! workbooks. Each is read into the same grid of text cells, every row with the number the
//! person sees in their program, so that an error names the row they can find.

use std::io::Cursor;

use calamine::{Data, Reader as _};

use crate::error::{AppError, AppResult};

/// How the file's text was read, named in every message about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Utf8,
    Utf8Bom,
    Cp932,
    Xlsx,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Utf8 => "CSV, UTF-8",
            Format::Utf8Bom => "CSV, UTF-8 with BOM",
            Format::Cp932 => "CSV, CP932 (Shift_JIS)",
            Format::Xlsx => "xlsx",
        }
    }

    /// What a row is called where the format shows numbers: CSV lines, spreadsheet rows.
    pub fn row_word(self) -> &'static str {
        match self {
            Format::Xlsx => "row",
            _ => "line",
        }
    }
}

/// A row of cells as text, with its line (CSV) or row (xlsx) number, header = 1.
pub struct Row {
    pub number: usize,
    pub cells: Result<Vec<String>, String>,
}

/// The file's header and rows.
pub struct Grid {
    pub format: Format,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// The workbook's local file header: every xlsx is a zip archive, and no CSV starts so.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Reads an uploaded file: a zip is taken for a workbook, anything else for CSV.
pub fn read(bytes: &[u8]) -> AppResult<Grid> {
    if bytes.starts_with(ZIP_MAGIC) {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

/// Decodes CSV bytes: valid UTF-8 is UTF-8 (a BOM dropped), anything else is read as CP932,
/// which is what Excel on a Japanese Windows writes for "CSV". encoding_rs's Shift_JIS is the
/// WHATWG one, i.e. Microsoft's CP932 with its NEC and IBM extensions (①, ㈱, 髙).
pub fn decode(bytes: &[u8]) -> AppResult<(String, Format)> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_owned(), Format::Utf8Bom))
            .map_err(|e| {
                AppError::BadInput(format!(
                    "file: starts with a UTF-8 byte-order mark but byte {} is not UTF-8; save it again as \"CSV UTF-8\"",
                    e.valid_up_to() + 3
                ))
            });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), Format::Utf8));
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(AppError::BadInput(
            "file: the text is neither UTF-8 nor CP932 (Shift_JIS); save it from Excel as \"CSV UTF-8\" or \"CSV\", or send the .xlsx".into(),
        ));
    }
    Ok((text.into_owned(), Format::Cp932))
}

fn read_csv(bytes: &[u8]) -> AppResult<Grid> {
    let (text, format) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| {
            AppError::BadInput(format!(
                "csv ({}): cannot read the header row: {e}",
                format.label()
            ))
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header; a quoted field may span lines, and the reader knows where
        // each record starts.
        let (number, cells) = match record {
            Ok(r) => (
                r.position()
                    .and_then(|p| usize::try_from(p.byte()).ok())
                    .map_or(i + 2, |at| line_at(&text, at)),
                Ok(r.iter().map(str::to_owned).collect()),
            ),
            Err(e) => (i + 2, Err(e.to_string())),
        };
        // Excel writes a row of bare commas for a row that was only formatted.
        if cells
            .as_ref()
            .is_ok_and(|c: &Vec<String>| c.iter().all(String::is_empty))
        {
            continue;
        }
        rows.push(Row { number, cells });
    }
    Ok(Grid {
        format,
        header,
        rows,
    })
}

/// The line on which the record at byte `at` starts. The reader's own line count puts a record
/// after a CRLF on the line before (it stops between `\r` and `\n`), so the line is counted
/// here from the first byte of the record itself.
fn line_at(text: &str, at: usize) -> usize {
    let rest = text.get(at..).unwrap_or("");
    let start = at + (rest.len() - rest.trim_start_matches(['\r', '\n']).len());
    text.get(..start).map_or(0, |t| t.matches('\n').count()) + 1
}

/// A cell as the CSV of the same sheet would say it. Numbers are written in Rust's shortest
/// form that reads back to the same `f64`, so an unedited value compares equal.
fn cell_text(d: &Data) -> Result<String, String> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => return Err(format!("the cell holds the spreadsheet error {e}")),
    })
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Grid> {
    let broken = |e: calamine::XlsxError| {
        AppError::BadInput(format!(
            "file: looks like an .xlsx workbook but cannot be read as one ({e}); save it again from Excel as .xlsx, or as CSV"
        ))
    };
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(broken)?;
    // The data are on the first sheet, as the hub's workbooks put them; the 出典 and 説明
    // sheets behind it are for people.
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(AppError::BadInput("xlsx: the workbook has no sheet".into()));
    };
    let range = book.worksheet_range(&first).map_err(broken)?;
    // The row numbers Excel shows start at 1, where the used range may not.
    let top = range.start().map_or(0, |(r, _)| r as usize);
    let mut lines = range.rows().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(AppError::BadInput(format!(
            "xlsx: sheet {first:?} is empty; the data go on the first sheet, with the header row first"
        )));
    };
    let header = header
        .iter()
        .map(|d| cell_text(d).unwrap_or_default())
        .collect();
    let rows = lines
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, cells)| Row {
            number: top + i + 1,
            cells: cells.iter().map(cell_text).collect(),
        })
        .collect();
    Ok(Grid {
        format: Format::Xlsx,
        header,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::{Format, decode};

    #[test]
    fn utf8_with_and_without_bom_and_cp932_are_told_apart() {
        let text = "自治体コード,値\n352063,52\n";
        assert_eq!(
            decode(text.as_bytes()).ok().map(|(_, f)| f),
            Some(Format::Utf8)
        );
        let bom = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        let (read, format) = decode(&bom).expect("utf-8 with bom");
        assert_eq!((read.as_str(), format), (text, Format::Utf8Bom));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let (read, format) = decode(&sjis).expect("cp932");
        assert_eq!((read.as_str(), format), (text, Format::Cp932));
        // A lone lead byte at the end is neither.
        assert!(decode(b"abc\x82").is_err());
    }

    #[test]
    fn rows_are_numbered_as_the_lines_a_text_editor_shows() {
        for text in ["h\r\na\r\n\"b\nc\"\r\nd\r\n", "h\na\n\"b\nc\"\nd\n"] {
            let grid = super::read_csv(text.as_bytes()).expect("csv");
            let numbers: Vec<usize> = grid.rows.iter().map(|r| r.number).collect();
            assert_eq!(numbers, [2, 3, 5], "{text:?}");
        }
        let grid = super::read_csv(b"h,i\r\na,1\r\n,\r\n").expect("csv");
        assert_eq!(grid.rows.len(), 1, "a row of bare commas is no row");
    }
}
