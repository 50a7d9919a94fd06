//! The dataset files (`data/`, described in `data/FORMAT.md`) as Rust types, and their
//! validation. Reading is strict: an unknown key, a count written as `約130`, a year that is no
//! year or a reference to a source that does not exist is refused with the file, the record and
//! the field, so that a hand edit cannot put a wrong number into the hub unnoticed.

pub mod fields;
pub mod generate;
pub mod import;
pub mod records;
mod validate;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use self::records::{MetricsFile, MunicipalityFile, RegionsFile};

/// A problem in a dataset file, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetError {
    pub file: String,
    /// e.g. `programs[3].activities[2]`; empty for the whole file
    pub record: String,
    /// e.g. `participants`; empty when the record as a whole is wrong
    pub field: String,
    pub message: String,
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.record.is_empty() {
            write!(f, ": {}", self.record)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DatasetError {}

// ---------------------------------------------------------------------------------------------
// Reading.

/// Every file of a dataset, parsed and validated, ready for one import transaction.
#[derive(Debug, Default)]
pub struct Dataset {
    pub metrics: Option<MetricsFile>,
    pub regions: Option<RegionsFile>,
    pub municipalities: Vec<(String, MunicipalityFile)>,
}

/// The metric catalogue shipped with the hub, which a municipality file imported on its own
/// borrows from when the database lacks the codes it names.
const BUNDLED_METRICS: (&str, &str) = ("metrics.yaml", include_str!("../../data/metrics.yaml"));

/// The dataset shipped with the hub (`data/`), compiled into the binary so that `serve` can
/// fill an empty database wherever it runs.
pub const BUNDLED: &[(&str, &str)] = &[
    BUNDLED_METRICS,
    ("regions.yaml", include_str!("../../data/regions.yaml")),
    (
        "municipalities/hofu.yaml",
        include_str!("../../data/municipalities/hofu.yaml"),
    ),
    (
        "municipalities/kurashiki.yaml",
        include_str!("../../data/municipalities/kurashiki.yaml"),
    ),
    (
        "municipalities/shimonoseki.yaml",
        include_str!("../../data/municipalities/shimonoseki.yaml"),
    ),
    (
        "municipalities/toyonaka.yaml",
        include_str!("../../data/municipalities/toyonaka.yaml"),
    ),
    (
        "municipalities/yamaguchi.yaml",
        include_str!("../../data/municipalities/yamaguchi.yaml"),
    ),
];

/// Largest dataset file the importer reads, in bytes: ten times the largest file `kyodo-hub
/// generate` writes (a city over its maximum of 50 years, 425 KB; `regions.yaml` of all 1,741
/// municipalities, 350 KB), and 25 times the largest real city (Yamaguchi, 170 KB). A file over
/// it is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Deepest nesting of lists and mappings a dataset file may have; the format itself needs
/// about ten levels (a plan's items' schedules).
pub const MAX_NESTING: usize = 32;

/// Where a YAML text nests lists and mappings deeper than `max` levels, as (line, column),
/// found in one pass before the text reaches the YAML parser: libyaml spends time quadratic in the
/// depth of nested `[`/`{` (a 200 KB file of `[` took 15–20 s of CPU before it was refused).
///
/// It reads just enough of YAML to count what nests: indentation and `- ` entries in block
/// context, `[`/`{` where a value starts and every bracket inside a flow collection. Quoted
/// scalars, block scalars (`|`, `>`), plain scalars continued on a deeper line and comments
/// are skipped, so brackets in text do not count. It may count a level or two too many in
/// unusual layouts, never too few.
fn nesting_beyond(text: &str, max: usize) -> Option<(usize, usize)> {
    let mut block: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    // Inside a quoted scalar: its quote.
    let mut quote: Option<char> = None;
    // A `'` inside single quotes that may be the first of an escaped `''`.
    let mut quote_pending = false;
    // Inside a block scalar: lines indented more than this are its text.
    let mut scalar_parent: Option<usize> = None;
    // Whether the last thing read leaves a value to come (after `key:`, `- `, `[`, `,`).
    let mut value_next = true;
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some(parent) = scalar_parent {
            if rest.is_empty() || indent > parent {
                continue;
            }
            scalar_parent = None;
        }
        if quote_pending {
            quote = None;
            quote_pending = false;
        }
        let mut escaped = false;
        let mut start = 0;
        if quote.is_none() && flow == 0 {
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            let top = block.last().copied();
            // A deeper line after a complete plain value continues that value.
            if !value_next && top.is_some_and(|t| indent > t) {
                continue;
            }
            while block.last().is_some_and(|&t| t > indent) {
                block.pop();
            }
            if block.last() != Some(&indent) {
                block.push(indent);
            }
            // `- - x` and `? ` open one level per indicator on the same line.
            let mut col = indent;
            loop {
                let r = &line[col..];
                let opens = (r.starts_with("- ") || r.starts_with("? ")) || r == "-" || r == "?";
                if !opens {
                    break;
                }
                col += 1 + (r[1..].len() - r[1..].trim_start_matches(' ').len());
                if col < line.len() {
                    block.push(col);
                }
                if block.len() + flow > max {
                    return Some((n + 1, col + 1));
                }
            }
            start = col;
            value_next = true;
        }
        if block.len() + flow > max {
            return Some((n + 1, start + 1));
        }
        let mut after_space = true;
        let mut in_property = false;
        let mut chars = line[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if quote_pending {
                quote_pending = false;
                if c == '\'' {
                    continue;
                }
                quote = None;
            }
            match quote {
                Some('"') => {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        quote = None;
                        value_next = false;
                    }
                    continue;
                }
                Some(_) => {
                    if c == '\'' {
                        quote_pending = true;
                        value_next = false;
                    }
                    continue;
                }
                None => {}
            }
            if c == ' ' || c == '\t' {
                after_space = true;
                in_property = false;
                continue;
            }
            if in_property {
                continue;
            }
            let next_blank = chars.peek().is_none_or(|&(_, n)| n == ' ' || n == '\t');
            match c {
                '#' if after_space => break,
                '"' | '\'' if value_next => quote = Some(c),
                '&' | '!' if value_next => in_property = true,
                '[' | '{' if flow > 0 || value_next => {
                    flow += 1;
                    if block.len() + flow > max {
                        let column = line[..start + i].chars().count() + 1;
                        return Some((n + 1, column));
                    }
                    value_next = true;
                }
                ']' | '}' if flow > 0 => {
                    flow -= 1;
                    value_next = false;
                }
                ',' if flow > 0 => value_next = true,
                ':' if flow > 0 || next_blank => value_next = true,
                '|' | '>' if value_next && flow == 0 => {
                    scalar_parent = Some(block.last().copied().unwrap_or(0));
                    break;
                }
                _ => value_next = false,
            }
            after_space = false;
        }
    }
    None
}

/// Refuses, before any parsing, a text too large or nested too deep to be a dataset file.
fn check_shape(file: &str, text: &str) -> Result<(), DatasetError> {
    let whole = |message: String| DatasetError {
        file: file.to_owned(),
        record: String::new(),
        field: String::new(),
        message,
    };
    let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if bytes > MAX_FILE_BYTES {
        return Err(whole(too_large(bytes)));
    }
    if let Some((line, column)) = nesting_beyond(text, MAX_NESTING) {
        return Err(whole(format!(
            "lists and mappings nest deeper than {MAX_NESTING} levels at line {line} column {column}; the format needs about ten"
        )));
    }
    Ok(())
}

fn too_large(bytes: u64) -> String {
    format!(
        "the file has {bytes} bytes; a dataset file may have at most {MAX_FILE_BYTES} ({} MiB)",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// Splits serde_path_to_error's `a[1].b[2].field` into the record and the field.
fn locate(file: &str, path: &str, message: String) -> DatasetError {
    let (record, field) = match path.rsplit_once('.') {
        Some((record, field)) if !field.contains('[') => (record.to_owned(), field.to_owned()),
        _ if path == "." => (String::new(), String::new()),
        _ if !path.contains('[') && !path.contains('.') => (String::new(), path.to_owned()),
        _ => (path.to_owned(), String::new()),
    };
    DatasetError {
        file: file.to_owned(),
        record,
        field,
        message,
    }
}

fn parse_yaml<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, DatasetError> {
    check_shape(file, text)?;
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // The YAML parser already starts some messages with the path; say it once.
        let message = message
            .strip_prefix(&format!("{path}: "))
            .map_or(message.clone(), str::to_owned);
        locate(file, &path, message)
    })
}

impl Dataset {
    /// Parses and validates files given as (name, text). The name decides what a file holds:
    /// `metrics.yaml`, `regions.yaml`, or a municipality file.
    pub fn from_texts<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Dataset, DatasetError> {
        let mut ds = Dataset::default();
        for (name, text) in files {
            let base = Path::new(name)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(name);
            match base {
                "metrics.yaml" | "metrics.yml" => ds.metrics = Some(parse_yaml(name, text)?),
                "regions.yaml" | "regions.yml" => ds.regions = Some(parse_yaml(name, text)?),
                _ => ds
                    .municipalities
                    .push((name.to_owned(), parse_yaml(name, text)?)),
            }
        }
        ds.validate()?;
        Ok(ds)
    }

    /// Reads a dataset file, or every `.yaml` file in a folder and its subfolders.
    pub fn read(path: &Path) -> anyhow::Result<Dataset> {
        let mut files: Vec<PathBuf> = Vec::new();
        if path.is_dir() {
            collect_yaml(path, &mut files)?;
            files.sort();
            if files.is_empty() {
                anyhow::bail!("{}: no .yaml files found", path.display());
            }
        } else {
            files.push(path.to_owned());
        }
        let mut texts = Vec::with_capacity(files.len());
        for f in &files {
            // Refused before it is read, so a huge file costs neither memory nor time.
            let bytes = std::fs::metadata(f)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", f.display()))?
                .len();
            if bytes > MAX_FILE_BYTES {
                anyhow::bail!("{}: {}", f.display(), too_large(bytes));
            }
            let text = std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", f.display()))?;
            let name = f
                .strip_prefix(path)
                .ok()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(f)
                .display()
                .to_string();
            texts.push((name, text));
        }
        Ok(Dataset::from_texts(
            texts.iter().map(|(n, t)| (n.as_str(), t.as_str())),
        )?)
    }

    /// The bundled dataset; a failure here is a defect of the repository, caught by the tests.
    pub fn bundled() -> Result<Dataset, DatasetError> {
        Dataset::from_texts(BUNDLED.iter().copied())
    }

    /// The metric catalogue of the bundled dataset (`data/metrics.yaml`).
    pub fn bundled_metrics() -> Result<MetricsFile, DatasetError> {
        let (name, text) = BUNDLED_METRICS;
        parse_yaml(name, text)
    }

    /// Every metric code the municipality files name (observations and plan indicators).
    pub fn metric_codes(&self) -> HashSet<&str> {
        self.municipalities
            .iter()
            .flat_map(|(_, m)| {
                m.observations.iter().map(|o| o.metric.as_str()).chain(
                    m.plans
                        .iter()
                        .flat_map(|p| p.indicators.iter().filter_map(|i| i.metric.as_deref())),
                )
            })
            .collect()
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", dir.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod quotes;

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
municipality: { code: "352063", slug: hofu, name_ja: 防府市, name_en: Hofu }
sources: [{ id: report, title: 報告 }]
"#;

    #[test]
    fn a_minimal_file_parses() {
        let ds = Dataset::from_texts([("hofu.yaml", MINIMAL)]).expect("valid");
        assert_eq!(ds.municipalities.len(), 1);
    }

    #[test]
    fn an_approximate_count_in_a_number_field_names_file_record_and_field() {
        let text = format!(
            "{MINIMAL}programs:\n  - id: forum\n    kind: FORUM\n    title: フォーラム\n    activities:\n      - {{ title: a, fiscal_year: 2013 }}\n      - {{ title: b, fiscal_year: 2013, participants: 約130 }}\n"
        );
        let e = Dataset::from_texts([("hofu.yaml", text.as_str())]).expect_err("invalid");
        assert_eq!(e.file, "hofu.yaml");
        assert_eq!(e.record, "programs[0].activities[1]");
        assert_eq!(e.field, "participants");
        assert!(
            e.message
                .contains("expected a non-negative integer, got \"約130\""),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_codes_are_refused() {
        let e = Dataset::from_texts([("x.yaml", "municipality: { code: \"352063\", slug: hofu, name_ja: a, name_en: b, nmae: c }\nsources: []\n")])
            .expect_err("unknown key");
        assert!(e.to_string().contains("nmae"), "{e}");
        let bad = MINIMAL.replace("352063", "352064");
        let e = Dataset::from_texts([("hofu.yaml", bad.as_str())]).expect_err("check digit");
        assert_eq!(
            (e.record.as_str(), e.field.as_str()),
            ("municipality", "code")
        );
    }

    #[test]
    fn deep_nesting_is_refused_in_one_pass_naming_line_and_column() {
        let started = std::time::Instant::now();
        for text in [
            "[".repeat(200_000),
            format!("municipality: {}", "{a: ".repeat(50_000)),
            format!("{}x\n", "- ".repeat(100_000)),
            (0..40)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect::<String>(),
        ] {
            let e = Dataset::from_texts([("deep.yaml", text.as_str())]).expect_err("too deep");
            assert_eq!((e.record.as_str(), e.field.as_str()), ("", ""));
            assert!(
                e.message
                    .starts_with("lists and mappings nest deeper than 32 levels at line "),
                "{e}"
            );
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let e =
            Dataset::from_texts([("deep.yaml", "a:\n  b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")])
                .expect_err("too deep");
        assert!(e.message.contains("at line 2 column 36"), "{e}");
    }

    #[test]
    fn brackets_in_text_do_not_count_as_nesting() {
        let deep = "[{".repeat(40);
        let text = format!(
            "{MINIMAL}ordinances:\n  - title: \"{deep}\"\n    note: '{deep} it''s'\n    articles:\n      - number: 1\n        text: |\n          {deep}\n          [[[\n        commentary: plain {deep}\n          {deep} continued # {deep}\n"
        );
        let ds =
            Dataset::from_texts([("hofu.yaml", text.as_str())]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ds.municipalities[0].1.ordinances[0].articles[0].text,
            format!("{deep}\n[[[\n")
        );
    }

    #[test]
    fn the_bundled_files_nest_about_ten_levels() {
        for (name, text) in BUNDLED {
            assert!(nesting_beyond(text, 12).is_none(), "{name}");
        }
        let (_, yamaguchi) = BUNDLED[BUNDLED.len() - 1];
        assert!(
            nesting_beyond(yamaguchi, 6).is_some(),
            "the scan counts nesting at all"
        );
    }

    #[test]
    fn a_file_over_the_byte_limit_is_refused_before_parsing() {
        let text = format!("{MINIMAL}# {}\n", "x".repeat(4 * 1024 * 1024));
        let e = Dataset::from_texts([("hofu.yaml", text.as_str())]).expect_err("too large");
        assert!(
            e.to_string().starts_with("hofu.yaml: the file has 4194429 bytes; a dataset file may have at most 4194304 (4 MiB)"),
            "{e}"
        );
    }

    #[test]
    fn text_is_bounded_as_the_api_bounds_it_naming_line_and_column() {
        let long = MINIMAL.replace("name_en: Hofu", &format!("name_en: {}", "A".repeat(301)));
        let e = Dataset::from_texts([("hofu.yaml", long.as_str())]).expect_err("too long");
        assert_eq!(
            e.to_string(),
            "hofu.yaml: municipality: name_en: at most 300 characters, got 301 at line 2 column 68"
        );
        let nul = MINIMAL.replace("title: 報告", "title: \"報\\0告\"");
        let e = Dataset::from_texts([("hofu.yaml", nul.as_str())]).expect_err("NUL");
        assert_eq!(
            (e.record.as_str(), e.field.as_str()),
            ("sources[0]", "title")
        );
        assert!(
            e.message
                .starts_with("contains the control character U+0000 at character 2"),
            "{e}"
        );
        let key = MINIMAL.replace("id: report", "id: Report");
        let e = Dataset::from_texts([("hofu.yaml", key.as_str())]).expect_err("key");
        assert!(
            e.to_string()
                .starts_with("hofu.yaml: sources[0]: id: expected 1–64 characters of a–z"),
            "{e}"
        );
        let url = MINIMAL.replace("title: 報告", "title: 報告, url: \"javascript:alert(1)\"");
        let e = Dataset::from_texts([("hofu.yaml", url.as_str())]).expect_err("url");
        assert!(
            e.message
                .starts_with("expected an http:// or https:// address"),
            "{e}"
        );
        let speakers = format!(
            "{MINIMAL}programs:\n  - id: forum\n    kind: FORUM\n    title: フォーラム\n    activities:\n      - {{ title: a, fiscal_year: 2013, speakers: [{}] }}\n",
            vec!["x"; 101].join(", ")
        );
        let e = Dataset::from_texts([("hofu.yaml", speakers.as_str())]).expect_err("list");
        assert_eq!(e.field, "speakers");
        assert!(e.message.starts_with("at most 100 entries"), "{e}");
        let year = MINIMAL.replace(
            "name_en: Hofu",
            "name_en: Hofu, population: 1, population_year: 20200",
        );
        let e = Dataset::from_texts([("hofu.yaml", year.as_str())]).expect_err("year");
        assert_eq!(e.field, "population_year");
    }

    #[test]
    fn values_must_suit_their_unit() {
        let metrics = "metrics:\n  - { code: promotion_officers, name_ja: 推進員, name_en: Officers, unit: PEOPLE }\n";
        let observation = format!(
            "{MINIMAL}observations:\n  - {{ metric: promotion_officers, fiscal_year: 2020, value: 1.5 }}\n"
        );
        let e = Dataset::from_texts([
            ("metrics.yaml", metrics),
            ("hofu.yaml", observation.as_str()),
        ])
        .expect_err("fraction of a person");
        assert_eq!(
            e.to_string(),
            "hofu.yaml: observations[0]: value: a count of people must be a non-negative whole number, got 1.5"
        );
        let unknown = observation.replace("promotion_officers, fiscal", "officers, fiscal");
        let e = Dataset::from_texts([("metrics.yaml", metrics), ("hofu.yaml", unknown.as_str())])
            .expect_err("unknown metric");
        assert_eq!(e.field, "metric");
    }

    #[test]
    fn the_bundled_dataset_is_valid() {
        let ds = Dataset::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ds.municipalities.len(), 5);
    }
}
