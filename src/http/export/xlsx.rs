//! The tables as Excel workbooks (rust_xlsxwriter): the data sheet with its header row frozen,
//! columns wide enough to read, codes as text so 012017 keeps its zero, numbers as numbers so
//! they sum; then a 出典 / Sources sheet and a 説明 / About sheet saying what the numbers are,
//! when and by which hub the file was made.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::table::{Cell, Table};

/// One line of the 説明 / About sheet: a label and its text.
pub type About = Vec<(&'static str, String)>;

/// Characters Excel shows in a column at most; wider cells wrap into the next column's space.
const MAX_WIDTH: f64 = 60.0;

/// About how many character widths `text` takes in Excel (full-width characters take two).
fn width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
        .sum()
}

fn data_sheet(sheet: &mut Worksheet, t: &Table) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_text_wrap();
    let text = Format::new().set_num_format("@");
    let decimal = Format::new().set_num_format("#,##0.00");
    sheet.set_name("データ Data")?;
    let mut widths: Vec<f64> = t.header.iter().map(|h| width(h).min(24.0)).collect();
    for (col, h) in t.header.iter().enumerate() {
        sheet.write_string_with_format(0, col_index(col), h, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, cell) in row.iter().enumerate() {
            let c = col_index(col);
            match cell {
                Cell::Code(s) => {
                    sheet.write_string_with_format(r, c, s, &text)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Int(i) => {
                    // Counts, years and ranks are far below 2^53, where f64 stops being exact.
                    #[allow(clippy::cast_precision_loss)]
                    sheet.write_number(r, c, *i as f64)?;
                }
                // A rate per 100,000 is shown to two places, as in the CSV; the cell keeps
                // every digit, so sums and a file sent back stay exact.
                Cell::Number(v) if v.fract() != 0.0 => {
                    sheet.write_number_with_format(r, c, *v, &decimal)?;
                }
                Cell::Number(v) => {
                    sheet.write_number(r, c, *v)?;
                }
                Cell::Empty => {}
            }
            if let Some(w) = widths.get_mut(col) {
                *w = w.max(width(&cell.to_csv()));
            }
        }
    }
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col_index(col), (w + 2.0).min(MAX_WIDTH))?;
    }
    sheet.set_row_height(0, 45)?;
    sheet.set_freeze_panes(1, 0)?;
    // Printed as a meeting handout: the table's width on one landscape page (as many pages
    // down as it needs), the header row on each.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

fn col_index(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

fn sources_sheet(sheet: &mut Worksheet, t: &Table) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    sheet.set_name("出典 Sources")?;
    let header = [
        "出典 / Source",
        "発行者 / Publisher",
        "公表日 / Published",
        "URL",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col_index(c), *h, &bold)?;
    }
    for (r, s) in t.sources.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string(r, 0, &s.title)?;
        if let Some(p) = &s.publisher {
            sheet.write_string(r, 1, p)?;
        }
        if let Some(d) = &s.published {
            sheet.write_string(r, 2, d)?;
        }
        if let Some(u) = &s.url {
            sheet.write_string(r, 3, u)?;
        }
    }
    sheet.set_column_width(0, 50)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 16)?;
    sheet.set_column_width(3, 50)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn about_sheet(sheet: &mut Worksheet, about: &About) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    sheet.set_name("説明 About")?;
    for (r, (label, text)) in about.iter().enumerate() {
        let r = u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string_with_format(r, 0, *label, &bold)?;
        sheet.write_string_with_format(r, 1, text, &wrap)?;
    }
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 90)?;
    Ok(())
}

/// The workbook's bytes: data, sources, about, in that order.
pub fn workbook(t: &Table, about: &About) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    data_sheet(book.add_worksheet(), t)?;
    sources_sheet(book.add_worksheet(), t)?;
    about_sheet(book.add_worksheet(), about)?;
    book.save_to_buffer()
}
