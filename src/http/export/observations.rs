//! `/export/observations.csv` and `.xlsx`: a city's values of the metric catalogue in exactly
//! the columns `importObservations` reads, so the file can be edited in a spreadsheet and sent
//! back (at `/upload` or through the API). The columns are those of
//! [`crate::write::observations::COLUMNS`], named in Japanese and English.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use entity::{metrics, observations, sources};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::params::{self, Strict};
use super::table::{self, Cell, Table};
use super::{ExportError, csv_bytes_with, download, workbook_download};
use crate::error::AppError;
use crate::http::AppState;
use crate::read::compare;
use crate::write::observations::COLUMNS;

/// A value as CSV must write it to be read back as the same number: in full, never rounded
/// (Rust's shortest form that parses to the same `f64`).
fn exact_csv(cell: &Cell) -> String {
    match cell {
        Cell::Number(v) => v.to_string(),
        other => other.to_csv(),
    }
}

/// The table the query string asks for.
async fn observations_table(state: &AppState, q: Option<&str>) -> Result<Table, ExportError> {
    let q = Strict::parse(q, &params::OBSERVATIONS)?;
    q.storable(&params::OBSERVATIONS)?;
    let codes = q.codes()?;
    let from = q.year("from")?;
    let to = q.year("to")?;
    compare::check_range(from, to)?;
    let metric = match q.get("metric")? {
        Some(given) => Some(
            compare::metric_named(&state.db, &state.catalogue, given)
                .await?
                .code,
        ),
        None => None,
    };
    let region = q.region(&state.db).await?;
    let cities = compare::scope(&state.db, codes.as_deref(), region.as_deref()).await?;
    let names: BTreeMap<&str, &str> = cities
        .iter()
        .map(|m| (m.code.as_str(), m.name_ja.as_str()))
        .collect();

    let mut query = observations::Entity::find()
        .filter(observations::Column::MunicipalityCode.is_in(names.keys().copied()))
        .order_by_asc(observations::Column::MunicipalityCode)
        .order_by_asc(observations::Column::MetricCode)
        .order_by_asc(observations::Column::FiscalYear);
    if let Some(code) = &metric {
        query = query.filter(observations::Column::MetricCode.eq(code.as_str()));
    }
    if let Some(from) = from {
        query = query.filter(observations::Column::FiscalYear.gte(from));
    }
    if let Some(to) = to {
        query = query.filter(observations::Column::FiscalYear.lte(to));
    }
    let found = if names.is_empty() {
        Vec::new()
    } else {
        query.all(&state.db).await.map_err(AppError::from)?
    };
    let catalogue: BTreeMap<String, metrics::Model> = metrics::Entity::find()
        .all(&state.db)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect();
    let cited: BTreeMap<i32, sources::Model> =
        crate::read::sources_by_id(&state.db, found.iter().filter_map(|o| o.source_id))
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();

    let text = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_owned())
        }
    };
    let rows = found
        .iter()
        .map(|o| {
            let metric = catalogue.get(&o.metric_code);
            let value = if o.value.fract() == 0.0 && o.value.abs() < 1e15 {
                // Whole numbers, which counts are, are exact in an i64 below 1e15.
                #[allow(clippy::cast_possible_truncation)]
                Cell::Int(o.value as i64)
            } else {
                Cell::Number(o.value)
            };
            vec![
                Cell::Code(o.municipality_code.clone()),
                text(
                    names
                        .get(o.municipality_code.as_str())
                        .copied()
                        .unwrap_or(""),
                ),
                Cell::Code(o.metric_code.clone()),
                text(metric.map_or("", |m| m.name_ja.as_str())),
                Cell::Int(o.fiscal_year.into()),
                value,
                text(&metric.map_or(String::new(), |m| {
                    table::unit_label(&m.unit, compare::Normalization::None)
                })),
                Cell::Text(o.approximate.to_string()),
                text(o.label_ja.as_deref().unwrap_or("")),
                text(o.note.as_deref().unwrap_or("")),
                o.source_id
                    .and_then(|id| cited.get(&id))
                    .map_or(Cell::Empty, |s| Cell::Code(s.key.clone())),
            ]
        })
        .collect();
    let mut stem = format!(
        "observations_{}",
        table::scope_name(region.as_deref(), codes.as_deref())
    );
    if let Some(m) = &metric {
        stem.push_str(&format!("_{m}"));
    }
    if from.is_some() || to.is_some() {
        let year = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
        stem.push_str(&format!("_{}-{}", year(from), year(to)));
    }
    Ok(Table {
        header: COLUMNS.iter().map(|c| c.header()).collect(),
        rows,
        stem,
        sources: cited.into_values().collect(),
    })
}

/// `GET /export/observations.csv?municipalities=…&region=…&metric=…&from=…&to=…`
pub async fn observations_csv(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let t = observations_table(&state, q.as_deref()).await?;
    let body = csv_bytes_with(&t, exact_csv)?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}.csv", t.stem),
        body,
    ))
}

/// `GET /export/observations.xlsx?…`: the same table as a workbook.
pub async fn observations_xlsx(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let t = observations_table(&state, q.as_deref()).await?;
    let about: super::xlsx::About = vec![
        (
            "内容 / Contents",
            "各自治体の共通指標の実績値（年度別） / each city's values of the shared metrics, by fiscal year".to_owned(),
        ),
        (
            "送り返し方 / Sending it back",
            "値・概数・年度表記・備考・出典キーを編集し、ハブの /upload ページ（または importObservations）で送り返せます。自治体名・指標名・単位の列は参考で、取り込みでは読みません。 / Edit value, approximate, year wording, note or source key and send the file back on the hub's /upload page (or with importObservations); the name and unit columns are for reading and ignored on import.".to_owned(),
        ),
        ("範囲 / Scope", t.stem.trim_start_matches("observations_").to_owned()),
    ];
    workbook_download(&t, about, "/export/observations.xlsx", q.as_deref())
}
