//! `importObservations`: many values of catalogue metrics from the CSV a city keeps in its
//! spreadsheet. All rows are checked before the first is written and every row goes through
//! the same write path as `upsertObservation` (owner check, version, audit), in the caller's
//! one transaction: a bad row anywhere leaves the database as it was.

use std::collections::{BTreeSet, HashMap};

use entity::{metrics, municipalities, observations, sources};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::write::Writer;
use crate::write::records::{ObservationValue, save_observation};
use crate::write::validate::{self as v, MAX_LABEL, MAX_TEXT};

/// Most rows one import takes; larger files are split, or loaded with `kyodo-hub import`.
pub const MAX_ROWS: usize = 10_000;
const REQUIRED: [&str; 4] = ["municipality", "metric", "fiscal_year", "value"];
const OPTIONAL: [&str; 4] = ["approximate", "label_ja", "note", "source"];
/// How many bad rows a refusal lists; the count says how many there were.
const LISTED_ERRORS: usize = 20;

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

/// What an import did, row by row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: i32,
    pub updated: i32,
    /// Rows equal to what the hub holds already; they leave no change behind.
    pub unchanged: i32,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Some(false),
        "true" | "1" | "yes" => Some(true),
        _ => None,
    }
}

pub async fn import(w: &mut Writer, csv_text: &str) -> AppResult<ImportSummary> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AppError::BadInput(format!("csv: cannot read the header row: {e}")))?
        .clone();
    let names: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    for required in REQUIRED {
        if !names.iter().any(|n| n == required) {
            return Err(AppError::BadInput(format!(
                "csv: the header has no {required:?} column (it needs {})",
                REQUIRED.join(", ")
            )));
        }
    }
    if let Some(unknown) = names
        .iter()
        .find(|n| !REQUIRED.contains(&n.as_str()) && !OPTIONAL.contains(&n.as_str()))
    {
        return Err(AppError::BadInput(format!(
            "csv: unknown column {unknown:?}; the columns are {} and optionally {}",
            REQUIRED.join(", "),
            OPTIONAL.join(", ")
        )));
    }
    let column = |name: &str| names.iter().position(|n| n == name);

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
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        if rows.len() + errors.len() >= MAX_ROWS {
            return Err(AppError::BadInput(format!(
                "csv: at most {MAX_ROWS} rows per import"
            )));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |name: &str| {
            column(name)
                .and_then(|c| record.get(c))
                .unwrap_or("")
                .to_owned()
        };
        let given = get("municipality");
        let Some(municipality) = codes.get(&given).cloned() else {
            errors.push(format!(
                "line {line}: municipality: no municipality {given:?} in the hub"
            ));
            continue;
        };
        // Refuse another city's row before saying anything about its contents.
        w.authorize(&municipality).map_err(|e| match e {
            AppError::Forbidden(m) => AppError::Forbidden(format!("csv line {line}: {m}")),
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
        let value = match raw_value.parse::<f64>() {
            Ok(x) => unit.and_then(|u| {
                v::value_in_unit("value", u, x)
                    .map_err(|e| problems.push(message(e)))
                    .ok()
            }),
            Err(_) => {
                problems.push(format!("value: expected a number, got {raw_value:?}"));
                None
            }
        };
        let raw_approximate = get("approximate");
        let approximate = parse_bool(&raw_approximate).unwrap_or_else(|| {
            problems.push(format!(
                "approximate: expected true, false, 1, 0 or nothing, got {raw_approximate:?}"
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
                    "the same municipality, metric and fiscal year as line {first}"
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
            _ => errors.push(format!("line {line}: {}", problems.join("; "))),
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
            "csv: {total} bad row(s), nothing was imported: {}{more}",
            listed.join(" | ")
        )));
    }
    if rows.is_empty() {
        return Err(AppError::BadInput("csv: no rows after the header".into()));
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

    let mut summary = ImportSummary::default();
    for row in rows {
        let source_id = match &row.source {
            None => None,
            Some(key) => Some(
                *source_ids
                    .get(&(row.municipality.clone(), key.clone()))
                    .ok_or_else(|| {
                        AppError::BadInput(format!(
                            "csv: line {}: source: municipality {} has no source with key {key:?}; nothing was imported",
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
        match &found {
            Some(stored) if value.same_as(stored) => summary.unchanged += 1,
            Some(_) => {
                save_observation(w, value, found, None).await?;
                summary.updated += 1;
            }
            None => {
                save_observation(w, value, None, None).await?;
                summary.created += 1;
            }
        }
    }
    Ok(summary)
}

/// The client-facing text of a validation error.
fn message(e: AppError) -> String {
    match e {
        AppError::BadInput(m) => m,
        other => format!("{other:?}"),
    }
}
