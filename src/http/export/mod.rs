//! The liaison-meeting pack: a comparison or the indicators of a region as a CSV file that
//! Excel opens with its Japanese intact, and a comparison as an SVG chart for a slide.
//!
//! The endpoints take the same parameters as the GraphQL fields and run the same code
//! ([`crate::read::compare`], [`crate::read::stats`]), so the spreadsheet shows what the API answers. A bad
//! parameter is HTTP 400 with a JSON body naming it.

mod chart;
mod params;

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::domain::fiscal_year::FiscalYearInfo;
use crate::error::{AppError, ErrorCode};
use crate::http::AppState;
use crate::read::compare::{self, Comparison, Normalization};
use crate::read::stats;
use params::Strict;

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

/// A number as a spreadsheet cell: integers without decimals, others to two places.
fn cell(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn year_header(year: i32) -> String {
    format!("{year}年度 ({})", FiscalYearInfo::of(year).label_ja)
}

/// Writes rows as UTF-8 CSV with a byte-order mark, which is what makes Excel read Japanese
/// correctly instead of guessing Shift_JIS.
fn csv_bytes(rows: Vec<Vec<String>>) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        for row in rows {
            w.write_record(&row)
                .map_err(|e| ExportError::from(AppError::internal(e.into())))?;
        }
        w.flush()
            .map_err(|e| ExportError::from(AppError::internal(e.into())))?;
    }
    Ok(out)
}

fn csv_response(filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The comparison as a table: one row per municipality, one column per fiscal year.
pub fn comparison_table(c: &Comparison) -> Vec<Vec<String>> {
    let per = match c.per {
        Normalization::None => String::new(),
        Normalization::Per100kPopulation => {
            " (人口10万人あたり / per 100,000 inhabitants)".to_owned()
        }
    };
    let mut header = vec![
        "自治体コード / Code".to_owned(),
        "自治体 / Municipality".to_owned(),
        "Municipality (English)".to_owned(),
        format!("指標 / Metric{per}"),
        "順位 / Rank".to_owned(),
    ];
    header.extend(c.fiscal_years.iter().map(|y| year_header(*y)));
    header.extend([
        "人口 / Population".to_owned(),
        "人口の年 / Population year".to_owned(),
        "出典 / Source".to_owned(),
        "備考 / Note".to_owned(),
    ]);
    let mut rows = vec![header];
    for r in &c.rows {
        let by_year: BTreeMap<i32, &compare::YearValue> =
            r.values.iter().map(|v| (v.fiscal_year, v)).collect();
        let mut line = vec![
            r.municipality.code.clone(),
            r.municipality.name_ja.clone(),
            r.municipality.name_en.clone(),
            c.metric.name_ja.clone(),
            r.rank.map(|x| x.to_string()).unwrap_or_default(),
        ];
        line.extend(
            c.fiscal_years
                .iter()
                .map(|y| by_year.get(y).map(|v| cell(v.value)).unwrap_or_default()),
        );
        let sources: BTreeSet<String> = r
            .values
            .iter()
            .filter_map(|v| v.source.as_ref())
            .map(|s| match (&s.publisher, &s.published) {
                (Some(p), Some(d)) => format!("{} ({p}, {d})", s.title),
                (Some(p), None) => format!("{} ({p})", s.title),
                _ => s.title.clone(),
            })
            .collect();
        let mut notes: Vec<String> = r.error.iter().cloned().collect();
        notes.extend(
            r.values
                .iter()
                .filter(|v| v.approximate)
                .map(|v| format!("{}: 約 (approximate)", v.fiscal_year)),
        );
        if r.values.is_empty() && r.error.is_none() {
            notes.push("データなし / no data".to_owned());
        }
        line.extend([
            r.municipality
                .population
                .map(|p| p.to_string())
                .unwrap_or_default(),
            r.municipality
                .population_year
                .map(|p| p.to_string())
                .unwrap_or_default(),
            sources.into_iter().collect::<Vec<_>>().join("; "),
            notes.join("; "),
        ]);
        rows.push(line);
    }
    rows
}

/// `GET /export/compare.csv?metric=…&region=…&municipalities=…&from=…&to=…&per=…`
pub async fn compare_csv(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let params = Strict::parse(q.as_deref(), &params::COMPARE)?
        .compare(&state.db)
        .await?;
    let comparison = compare::compare(&state.db, &params).await?;
    let body = csv_bytes(comparison_table(&comparison))?;
    Ok(csv_response(
        &format!("compare-{}.csv", comparison.metric.code),
        body,
    ))
}

/// `GET /export/indicators.csv?region=…`: each indicator's baseline, latest value, final target
/// and progress, and its values in one column per fiscal year.
pub async fn indicators_csv(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    use entity::indicator_values;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let q = Strict::parse(q.as_deref(), &params::INDICATORS)?;
    q.storable(&params::INDICATORS)?;
    let order = q.order()?;
    let codes = q.codes()?;
    let region = q.region(&state.db).await?;
    // Scoped once: the names and the indicators come from the same municipalities.
    let cities = compare::scope(&state.db, codes.as_deref(), region.as_deref()).await?;
    let list = stats::progress_of(&state.db, &cities, order).await?;
    let names: BTreeMap<&str, &entity::municipalities::Model> =
        cities.iter().map(|m| (m.code.as_str(), m)).collect();
    let source_ids: Vec<i32> = list.iter().filter_map(|p| p.indicator.source_id).collect();
    let sources: BTreeMap<i32, entity::sources::Model> = if source_ids.is_empty() {
        BTreeMap::new()
    } else {
        entity::sources::Entity::find()
            .filter(entity::sources::Column::Id.is_in(source_ids))
            .all(&state.db)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    let years: BTreeSet<i32> = list
        .iter()
        .flat_map(|p| p.values.iter().map(|v| v.fiscal_year))
        .collect();
    let mut header: Vec<String> = [
        "自治体コード / Code",
        "自治体 / Municipality",
        "指標 / Indicator",
        "単位 / Unit",
        "基準年度 / Baseline year",
        "基準値 / Baseline",
        "最新年度 / Latest year",
        "最新値 / Latest",
        "目標年度 / Target year",
        "目標値 / Target",
        "進捗 / Progress",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(years.iter().map(|y| year_header(*y)));
    header.push("出典 / Source".to_owned());
    let mut rows = vec![header];
    for stats::IndicatorProgress {
        indicator: ind,
        values,
        progress,
        ..
    } in &list
    {
        let mine: Vec<&indicator_values::Model> = values.iter().collect();
        let of = |kind: &'static str| mine.iter().filter(move |v| v.kind == kind).copied();
        let baseline = of("BASELINE").next();
        let latest = of("OBSERVED").next_back();
        let target = of("TARGET").next_back();
        let pair = |v: Option<&indicator_values::Model>| match v {
            Some(v) => [v.fiscal_year.to_string(), cell(v.value)],
            None => [String::new(), String::new()],
        };
        let city = names.get(ind.municipality_code.as_str());
        let mut line = vec![
            ind.municipality_code.clone(),
            city.map(|m| m.name_ja.clone()).unwrap_or_default(),
            ind.name.clone(),
            ind.unit.clone(),
        ];
        line.extend(pair(baseline));
        line.extend(pair(latest));
        line.extend(pair(target));
        line.push(progress.map(|p| format!("{p:.3}")).unwrap_or_default());
        for y in &years {
            // An observed value is what happened; otherwise the baseline or target of that year.
            let in_year: Vec<&&indicator_values::Model> =
                mine.iter().filter(|v| v.fiscal_year == *y).collect();
            let pick = in_year
                .iter()
                .find(|v| v.kind == "OBSERVED")
                .or_else(|| in_year.iter().find(|v| v.kind == "BASELINE"))
                .or_else(|| in_year.first());
            line.push(pick.map(|v| cell(v.value)).unwrap_or_default());
        }
        line.push(
            ind.source_id
                .and_then(|id| sources.get(&id))
                .map(|s| s.title.clone())
                .unwrap_or_default(),
        );
        rows.push(line);
    }
    let body = csv_bytes(rows)?;
    Ok(csv_response("indicators.csv", body))
}

/// `GET /charts/compare.svg?…`: the latest value of each municipality as a bar, highest first,
/// with the municipality's Japanese name under its bar.
pub async fn compare_svg(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ExportError> {
    let params = Strict::parse(q.as_deref(), &params::COMPARE)?
        .compare(&state.db)
        .await?;
    let comparison = compare::compare(&state.db, &params).await?;
    let svg = chart::chart(&comparison);
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_keep_integers_whole() {
        assert_eq!(super::cell(54.0), "54");
        assert_eq!(super::cell(47.377_148), "47.38");
        assert_eq!(super::year_header(2019), "2019年度 (令和元年度)");
    }
}
