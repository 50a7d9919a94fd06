//! `importObservations`: many values of catalogue metrics from the file a city keeps in its
//! spreadsheet — the CSV or workbook `/export/observations.*` gave it, edited, or one of its own
//! with the English column names. All rows are checked before the first is written and every
//! row goes through the same write path as `upsertObservation` (owner check, version, audit), in
//! the caller's one transaction: a bad row anywhere leaves the database as it was.

pub mod file;

use std::collections::{BTreeSet, HashMap};

use entity::{metrics, municipalities, observations, sources};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::domain::codes::validate_municipality_code;
use crate::error::{AppError, AppResult};
use crate::write::Writer;
use crate::write::records::{ObservationValue, save_observation};
use crate::write::validate::{self as v, MAX_LABEL, MAX_TEXT};
use file::{Format, Grid};

/// Most rows one import takes; larger files are split, or loaded with `kyodo-hub import`.
pub const MAX_ROWS: usize = 10_000;
/// How many bad rows a refusal lists; the count says how many there were.
const LISTED_ERRORS: usize = 20;

/// Whether the importer needs a column, reads it if present, or lets it be (names and units
/// the export writes for people, which the codes already say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    Required,
    Optional,
    Reference,
}

/// 列 A column of the observation files: its English key (the CSV's since the first import),
/// its Japanese name, and what the importer does with it. The export writes them in this order
/// as `Japanese / key`, and the importer takes any of the three spellings.
pub struct Column {
    pub key: &'static str,
    pub ja: &'static str,
    pub used: Use,
}

pub const COLUMNS: [Column; 11] = [
    Column {
        key: "municipality",
        ja: "自治体コード",
        used: Use::Required,
    },
    Column {
        key: "municipality_name",
        ja: "自治体名",
        used: Use::Reference,
    },
    Column {
        key: "metric",
        ja: "指標コード",
        used: Use::Required,
    },
    Column {
        key: "metric_name",
        ja: "指標名",
        used: Use::Reference,
    },
    Column {
        key: "fiscal_year",
        ja: "年度",
        used: Use::Required,
    },
    Column {
        key: "value",
        ja: "値",
        used: Use::Required,
    },
    Column {
        key: "unit",
        ja: "単位",
        used: Use::Reference,
    },
    Column {
        key: "approximate",
        ja: "概数",
        used: Use::Optional,
    },
    Column {
        key: "label_ja",
        ja: "年度表記",
        used: Use::Optional,
    },
    Column {
        key: "note",
        ja: "備考",
        used: Use::Optional,
    },
    Column {
        key: "source",
        ja: "出典キー",
        used: Use::Optional,
    },
];

impl Column {
    /// The header the export writes.
    pub fn header(&self) -> String {
        format!("{} / {}", self.ja, self.key)
    }
}

/// `fiscal_year`, `fiscalYear` and `Fiscal Year` are one name.
fn fold(name: &str) -> String {
    name.trim()
        .chars()
        .filter(|c| !matches!(c, '_' | ' ' | '-' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The column a header names: its key, its Japanese name, or both as the export writes them.
fn column_of(header: &str) -> Option<usize> {
    let parts: Vec<String> = header.split(['/', '／']).map(fold).collect();
    COLUMNS
        .iter()
        .position(|c| parts.iter().any(|p| *p == fold(c.key) || *p == fold(c.ja)))
}

struct Row {
    line: usize,
    municipality: String,
    metric: String,
    fiscal_year: i32,
    value: f64,
    approximate: bool,
    label_ja: Option<String>,
    note: Option<String>,
    source: Option<String>,
}

/// What an import did, or would do, with one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Created,
    Updated,
    Unchanged,
}

/// One row of the file and what it does to the hub.
#[derive(Clone, Debug)]
pub struct RowOutcome {
    /// The CSV line or spreadsheet row, the header being 1.
    pub row: usize,
    pub municipality: String,
    pub metric: String,
    pub fiscal_year: i32,
    pub before: Option<f64>,
    pub after: f64,
    pub kind: RowKind,
    /// The fields that differ, as the API names them (`value`, `labelJa` …).
    pub changed: Vec<&'static str>,
}

/// What an import did, row by row.
#[derive(Clone, Debug)]
pub struct ImportSummary {
    pub created: i32,
    pub updated: i32,
    /// Rows equal to what the hub holds already; they leave no change behind.
    pub unchanged: i32,
    /// How the file was read.
    pub format: Format,
    pub rows: Vec<RowOutcome>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "false" | "0" | "no" | "いいえ" => Some(false),
        "true" | "1" | "yes" | "約" | "はい" => Some(true),
        _ => None,
    }
}

/// A municipality as the file gives it: code (a five-digit one is a code whose leading zero a
/// spreadsheet dropped) or slug.
fn municipality_key(given: &str) -> Result<String, String> {
    let digits = !given.is_empty() && given.bytes().all(|b| b.is_ascii_digit());
    match (digits, given.len()) {
        (true, 5) => {
            let padded = format!("0{given}");
            validate_municipality_code(&padded).map_err(|e| {
                format!("{given:?} read as {padded:?} (a spreadsheet drops a leading zero): {e}")
            })?;
            Ok(padded)
        }
        (true, _) => validate_municipality_code(given)
            .map(|_| given.to_owned())
            .map_err(|e| e.to_string()),
        (false, _) => Ok(given.to_owned()),
    }
}

/// A value as people type it: `1,234` is a thousand two hundred and thirty-four.
fn parse_value(s: &str) -> Option<f64> {
    s.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
}

/// Imports a file: CSV in UTF-8 or CP932 (the text of the `csv` argument is UTF-8), or an
/// `.xlsx` workbook.
pub async fn import_file(w: &mut Writer, bytes: &[u8]) -> AppResult<ImportSummary> {
    let grid = file::read(bytes)?;
    import_grid(w, grid).await
}

async fn import_grid(w: &mut Writer, grid: Grid) -> AppResult<ImportSummary> {
    let what = format!("file (read as {})", grid.format.label());
    let row_word = grid.format.row_word();
    let mut at: Vec<Option<usize>> = vec![None; COLUMNS.len()];
    for (i, name) in grid.header.iter().enumerate() {
        if name.trim().is_empty() {
            continue;
        }
        match column_of(name) {
            Some(c) => {
                if at[c].is_some() {
                    return Err(AppError::BadInput(format!(
                        "{what}: the header names column {:?} twice",
                        COLUMNS[c].key
                    )));
                }
                at[c] = Some(i);
            }
            None => {
                let names: Vec<String> = COLUMNS.iter().map(Column::header).collect();
                return Err(AppError::BadInput(format!(
                    "{what}: unknown column {name:?}; the columns are {} (each by its Japanese name, its English key, or both)",
                    names.join(", ")
                )));
            }
        }
    }
    for (c, column) in COLUMNS.iter().enumerate() {
        if column.used == Use::Required && at[c].is_none() {
            let required: Vec<&str> = COLUMNS
                .iter()
                .filter(|c| c.used == Use::Required)
                .map(|c| c.key)
                .collect();
            return Err(AppError::BadInput(format!(
                "{what}: the header has no {:?} column ({}); it needs {}",
                column.key,
                column.ja,
                required.join(", ")
            )));
        }
    }
    if grid.rows.len() > MAX_ROWS {
        return Err(AppError::BadInput(format!(
            "{what}: at most {MAX_ROWS} rows per import, got {}",
            grid.rows.len()
        )));
    }
    let position = |key: &str| {
        COLUMNS
            .iter()
            .position(|c| c.key == key)
            .and_then(|c| at[c])
    };

    // The catalogue and the municipalities are small; one query each.
    let units: HashMap<String, String> = metrics::Entity::find()
        .all(w.txn())
        .await?
        .into_iter()
        .map(|m| (m.code, m.unit))
        .collect();
    let mut codes: HashMap<String, String> = HashMap::new();
    for m in municipalities::Entity::find().all(w.txn()).await? {
        codes.insert(m.slug.clone(), m.code.clone());
        codes.insert(m.code.clone(), m.code);
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<(String, String, i32), usize> = HashMap::new();
    for record in grid.rows {
        let line = record.number;
        let cells = match record.cells {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!("{row_word} {line}: {e}"));
                continue;
            }
        };
        let get = |name: &str| {
            position(name)
                .and_then(|c| cells.get(c))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let given = get("municipality");
        let municipality = match municipality_key(&given) {
            Err(e) => {
                errors.push(format!("{row_word} {line}: municipality: {e}"));
                continue;
            }
            Ok(key) => match codes.get(&key) {
                Some(code) => code.clone(),
                None => {
                    errors.push(format!(
                        "{row_word} {line}: municipality: no municipality {given:?} in the hub"
                    ));
                    continue;
                }
            },
        };
        // Refuse another city's row before saying anything about its contents.
        w.authorize(&municipality).map_err(|e| match e {
            AppError::Forbidden(m) => AppError::Forbidden(format!("{row_word} {line}: {m}")),
            other => other,
        })?;
        let mut problems = Vec::new();
        let metric = get("metric");
        let unit = units.get(&metric);
        if unit.is_none() {
            problems.push(format!(
                "metric: unknown metric code {metric:?}; Query.metrics lists the catalogue"
            ));
        }
        let fiscal_year = crate::domain::fiscal_year::parse(&get("fiscal_year"))
            .map_err(|e| problems.push(format!("fiscal_year: {e}")))
            .ok();
        let raw_value = get("value");
        let value = match parse_value(&raw_value) {
            Some(x) => unit.and_then(|u| {
                v::value_in_unit("value", u, x)
                    .map_err(|e| problems.push(message(e)))
                    .ok()
            }),
            None => {
                problems.push(format!("value: expected a number, got {raw_value:?}"));
                None
            }
        };
        let raw_approximate = get("approximate");
        let approximate = parse_bool(&raw_approximate).unwrap_or_else(|| {
            problems.push(format!(
                "approximate: expected true, false, 1, 0, 約 or nothing, got {raw_approximate:?}"
            ));
            false
        });
        let label_ja = v::optional("label_ja", Some(get("label_ja")), MAX_LABEL)
            .map_err(|e| problems.push(message(e)))
            .ok()
            .flatten();
        let note = v::optional("note", Some(get("note")), MAX_TEXT)
            .map_err(|e| problems.push(message(e)))
            .ok()
            .flatten();
        let source = Some(get("source")).filter(|s| !s.is_empty());
        if let (Some(fy), true) = (fiscal_year, unit.is_some()) {
            let key = (municipality.clone(), metric.clone(), fy);
            if let Some(first) = seen.insert(key, line) {
                problems.push(format!(
                    "the same municipality, metric and fiscal year as {row_word} {first}"
                ));
            }
        }
        match (problems.is_empty(), fiscal_year, value) {
            (true, Some(fiscal_year), Some(value)) => rows.push(Row {
                line,
                municipality,
                metric,
                fiscal_year,
                value,
                approximate,
                label_ja,
                note,
                source,
            }),
            _ => errors.push(format!("{row_word} {line}: {}", problems.join("; "))),
        }
    }
    if !errors.is_empty() {
        let total = errors.len();
        let listed: Vec<String> = errors.into_iter().take(LISTED_ERRORS).collect();
        let more = if total > LISTED_ERRORS {
            format!(" (and {} more)", total - LISTED_ERRORS)
        } else {
            String::new()
        };
        return Err(AppError::BadInput(format!(
            "{what}: {total} bad row(s), nothing was imported: {}{more}",
            listed.join(" | ")
        )));
    }
    if rows.is_empty() {
        return Err(AppError::BadInput(format!(
            "{what}: no rows after the header"
        )));
    }

    let cities: BTreeSet<&str> = rows.iter().map(|r| r.municipality.as_str()).collect();
    let source_ids: HashMap<(String, String), i32> = sources::Entity::find()
        .filter(sources::Column::MunicipalityCode.is_in(cities.iter().copied()))
        .all(w.txn())
        .await?
        .into_iter()
        .map(|s| ((s.municipality_code, s.key), s.id))
        .collect();
    let mut existing: HashMap<(String, String, i32), observations::Model> =
        observations::Entity::find()
            .filter(observations::Column::MunicipalityCode.is_in(cities.iter().copied()))
            .all(w.txn())
            .await?
            .into_iter()
            .map(|o| {
                (
                    (
                        o.municipality_code.clone(),
                        o.metric_code.clone(),
                        o.fiscal_year,
                    ),
                    o,
                )
            })
            .collect();

    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
        unchanged: 0,
        format: grid.format,
        rows: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let source_id = match &row.source {
            None => None,
            Some(key) => Some(
                *source_ids
                    .get(&(row.municipality.clone(), key.clone()))
                    .ok_or_else(|| {
                        AppError::BadInput(format!(
                            "{what}: {row_word} {}: source: municipality {} has no source with key {key:?}; nothing was imported",
                            row.line, row.municipality
                        ))
                    })?,
            ),
        };
        let key = (
            row.municipality.clone(),
            row.metric.clone(),
            row.fiscal_year,
        );
        let found = existing.remove(&key);
        let value = ObservationValue {
            municipality: row.municipality,
            metric: row.metric,
            fiscal_year: row.fiscal_year,
            value: row.value,
            approximate: row.approximate,
            label_ja: row.label_ja,
            note: row.note,
            source_id,
        };
        let mut outcome = RowOutcome {
            row: row.line,
            municipality: value.municipality.clone(),
            metric: value.metric.clone(),
            fiscal_year: value.fiscal_year,
            before: found.as_ref().map(|f| f.value),
            after: value.value,
            kind: RowKind::Unchanged,
            changed: found
                .as_ref()
                .map(|stored| differences(&value, stored))
                .unwrap_or_default(),
        };
        match &found {
            Some(stored) if value.same_as(stored) => summary.unchanged += 1,
            Some(_) => {
                save_observation(w, value, found, None).await?;
                summary.updated += 1;
                outcome.kind = RowKind::Updated;
            }
            None => {
                save_observation(w, value, None, None).await?;
                summary.created += 1;
                outcome.kind = RowKind::Created;
            }
        }
        summary.rows.push(outcome);
    }
    Ok(summary)
}

/// The fields of `stored` that `v` would change, as the API names them.
fn differences(v: &ObservationValue, stored: &observations::Model) -> Vec<&'static str> {
    [
        ("value", stored.value != v.value),
        ("approximate", stored.approximate != v.approximate),
        ("labelJa", stored.label_ja != v.label_ja),
        ("note", stored.note != v.note),
        ("source", stored.source_id != v.source_id),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// The client-facing text of a validation error.
fn message(e: AppError) -> String {
    match e {
        AppError::BadInput(m) => m,
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{COLUMNS, column_of, municipality_key};

    #[test]
    fn headers_in_japanese_english_and_both_name_the_same_column() {
        for (c, column) in COLUMNS.iter().enumerate() {
            assert_eq!(column_of(column.key), Some(c));
            assert_eq!(column_of(column.ja), Some(c));
            assert_eq!(column_of(&column.header()), Some(c));
        }
        assert_eq!(column_of("fiscalYear"), column_of("fiscal_year"));
        assert_eq!(column_of("colour"), None);
    }

    #[test]
    fn a_dropped_leading_zero_is_restored_and_the_check_digit_still_checked() {
        // 札幌市 012017 as a spreadsheet shows it.
        assert_eq!(municipality_key("12017").as_deref(), Ok("012017"));
        assert!(municipality_key("12018").is_err());
        assert_eq!(municipality_key("352063").as_deref(), Ok("352063"));
        assert!(municipality_key("352064").is_err());
        assert_eq!(municipality_key("hofu").as_deref(), Ok("hofu"));
    }
}
