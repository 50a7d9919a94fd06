//! The liaison-meeting pack: a comparison or the indicators of a region as a CSV file that
//! Excel opens with its Japanese intact, and a comparison as an SVG chart for a slide.
//!
//! The endpoints take the same parameters as the GraphQL fields and run the same code
//! ([`crate::read::compare`], [`crate::read::stats`]), so the spreadsheet shows what the API answers. A bad
//! parameter is HTTP 400 with a JSON body naming it.

mod cached;
pub mod chart;
mod observations;
mod params;
pub mod png;
mod table;
mod xlsx;
mod zip;

pub use cached::cached;

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, ErrorCode};
use crate::http::AppState;
use crate::read::compare::{self, Comparison};
use crate::read::stats;
pub use observations::{observations_csv, observations_xlsx};
use params::Strict;
use table::{Cell, Table};

/// An export that could not be made: its status, and a JSON body naming the parameter (or
/// parameters) at fault where there is one.
#[derive(Debug)]
pub enum ExportError {
    App(AppError),
    /// Parameters the endpoint does not take, or that were given more than once.
    Parameters {
        names: Vec<String>,
        message: String,
    },
}

impl ExportError {
    fn bad(name: &'static str, message: String) -> Self {
        ExportError::App(AppError::BadParameter { name, message })
    }
}

impl IntoResponse for ExportError {
    fn into_response(self) -> Response {
        let e = match self {
            ExportError::App(e) => e,
            ExportError::Parameters { names, message } => {
                let body = serde_json::json!({ "error": {
                    "code": ErrorCode::BadUserInput.as_str(),
                    "parameter": names.first(),
                    "parameters": names,
                    "message": message,
                } });
                return (axum::http::StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
        };
        let status = e.status();
        let code = e.code().as_str();
        let parameter = e.parameter();
        let retry_after = e.retry_after_secs();
        let body = serde_json::json!({
            "error": {
                "code": code,
                "parameter": parameter,
                "parameters": parameter.map(|p| vec![p]).unwrap_or_default(),
                "message": e.client_message(),
            }
        });
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

/// Writes a table as UTF-8 CSV with a byte-order mark, which is what makes Excel read Japanese
/// correctly instead of guessing Shift_JIS. Codes are written as they are (`012017`): CSV has
/// no cell types, and a prefix such as `="012017"` would break every program that reads the
/// file as data; the `.xlsx` of the same table is the one that keeps them as text in Excel.
fn csv_bytes(t: &Table) -> Result<Vec<u8>, ExportError> {
    csv_bytes_with(t, Cell::to_csv)
}

/// As [`csv_bytes`], each cell written as `text` says.
fn csv_bytes_with(t: &Table, text: fn(&Cell) -> String) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let internal = |e: csv::Error| ExportError::from(AppError::internal(e.into()));
        w.write_record(&t.header).map_err(internal)?;
        for row in &t.rows {
            w.write_record(row.iter().map(text)).map_err(internal)?;
        }
        w.flush()
            .map_err(|e| ExportError::from(AppError::internal(e.into())))?;
    }
    Ok(out)
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The comparison a query string asks for, with the file name's scope.
async fn comparison(
    state: &AppState,
    q: Option<&str>,
) -> Result<(Comparison, String), ExportError> {
    let params = Strict::parse(q, &params::COMPARE)?
        .compare(&state.db, &state.catalogue)
        .await?;
    let scope = table::scope_name(params.region.as_deref(), params.municipalities.as_deref());
    Ok((
        compare::compare(&state.db, &state.catalogue, &params).await?,
        scope,
    ))
}

/// `GET /export/compare.csv?metric=…&region=…&municipalities=…&from=…&to=…&per=…`
pub async fn compare_csv(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let (c, scope) = comparison(&state, q.as_deref()).await?;
    let t = table::comparison(&c, &scope);
    let body = csv_bytes(&t)?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}.csv", t.stem),
        body,
    ))
}

/// The indicators table a query string asks for.
async fn indicators(state: &AppState, q: Option<&str>) -> Result<Table, ExportError> {
    let q = Strict::parse(q, &params::INDICATORS)?;
    q.storable(&params::INDICATORS)?;
    let order = q.order()?;
    let codes = q.codes()?;
    let region = q.region(&state.db).await?;
    // Scoped once: the names and the indicators come from the same municipalities.
    let cities = compare::scope(&state.db, codes.as_deref(), region.as_deref()).await?;
    let list = stats::progress_of(&state.db, &cities, order, stats::ProgressColumns::ALL).await?;
    let sources: BTreeMap<i32, entity::sources::Model> = list
        .iter()
        .filter_map(|p| p.source.as_deref())
        .map(|s| (s.id, s.clone()))
        .collect();
    let scope = table::scope_name(region.as_deref(), codes.as_deref());
    Ok(table::indicators(&cities, &list, &sources, &scope))
}

/// `GET /export/indicators.csv?region=…`: each indicator's baseline, target and latest
/// observed value, and its observed values in one column per fiscal year.
pub async fn indicators_csv(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let t = indicators(&state, q.as_deref()).await?;
    let body = csv_bytes(&t)?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}.csv", t.stem),
        body,
    ))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `t` as a workbook download named after its stem, the About sheet ending with
/// [`made_by`] the request at `path`.
fn workbook_download(
    t: &Table,
    mut about: xlsx::About,
    path: &str,
    q: Option<&str>,
) -> Result<Response, ExportError> {
    about.extend(made_by(path, q));
    let body = xlsx::workbook(t, &about)
        .map_err(|e| ExportError::from(AppError::internal(anyhow::anyhow!("xlsx: {e}"))))?;
    Ok(download(XLSX, &format!("{}.xlsx", t.stem), body))
}

/// What every workbook's 説明 / About sheet ends with: when, by which hub, for which request.
fn made_by(path: &str, q: Option<&str>) -> xlsx::About {
    vec![
        (
            "作成日時 / Made at",
            chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        ),
        (
            "作成 / Made by",
            format!(
                "{} {} (GET {path}{}{})",
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
                if q.is_some() { "?" } else { "" },
                q.unwrap_or("")
            ),
        ),
    ]
}

/// `GET /export/compare.xlsx?…`: the table of `compare.csv` as a workbook.
pub async fn compare_xlsx(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let (c, scope) = comparison(&state, q.as_deref()).await?;
    let t = table::comparison(&c, &scope);
    let years: std::collections::BTreeSet<String> = c
        .rows
        .iter()
        .filter_map(|r| r.municipality.population_year.map(|y| y.to_string()))
        .collect();
    let about: xlsx::About = vec![
        (
            "指標 / Metric",
            format!("{} / {} ({})", c.metric.name_ja, c.metric.name_en, c.metric.code),
        ),
        (
            "定義 / Definition",
            c.metric.description.clone().unwrap_or_default(),
        ),
        ("単位 / Unit", table::unit_label(&c.metric.unit, c.per)),
        (
            "正規化 / Normalisation",
            match c.per {
                compare::Normalization::None => "なし（報告値） / none (as reported)".to_owned(),
                compare::Normalization::Per100kPopulation => "人口10万人あたり = 値 ÷ 人口 × 100,000 / per 100,000 inhabitants = value ÷ population × 100,000".to_owned(),
            },
        ),
        (
            "人口の年 / Population year",
            years.into_iter().collect::<Vec<_>>().join(", "),
        ),
        ("範囲 / Scope", scope),
    ];
    workbook_download(&t, about, "/export/compare.xlsx", q.as_deref())
}

/// `GET /export/indicators.xlsx?…`: the table of `indicators.csv` as a workbook.
pub async fn indicators_xlsx(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let t = indicators(&state, q.as_deref()).await?;
    let about: xlsx::About = vec![
        (
            "内容 / Contents",
            "各自治体の計画指標: 基準値・目標値・実績値 / each city's plan indicators: baseline, target and observed values".to_owned(),
        ),
        (
            "進捗 / Progress",
            "(最新実績 − 基準値) ÷ (目標値 − 基準値) / (latest observed − baseline) ÷ (target − baseline)".to_owned(),
        ),
        ("範囲 / Scope", t.stem.trim_start_matches("indicators_").to_owned()),
    ];
    workbook_download(&t, about, "/export/indicators.xlsx", q.as_deref())
}

/// `GET /charts/compare.svg?…`: the latest value of each municipality as a bar, highest first,
/// with the municipality's Japanese name under its bar.
pub async fn compare_svg(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let (c, _) = comparison(&state, q.as_deref()).await?;
    let svg = chart::chart(&c);
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

/// `GET /charts/compare.png?…`: the chart of `compare.svg`, rasterised with the shipped font.
pub async fn compare_png(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let (c, _) = comparison(&state, q.as_deref()).await?;
    let png = png::render(chart::chart(&c)).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// `GET /export/dataset.zip`: every table as CSV, the YAML files, and a README.
pub async fn dataset_zip(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    Strict::parse(q.as_deref(), &[])?;
    let body = self::zip::archive(&state.db).await?;
    let date = chrono::Utc::now().format("%Y%m%d");
    Ok(download(
        "application/zip",
        &format!("kyodo-hub-dataset_{date}.zip"),
        body,
    ))
}
