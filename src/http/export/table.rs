//! The tables behind the files: built once with typed cells, then written as CSV or as an
//! Excel sheet, so both files say the same and only the Excel one needs to know that a code is
//! text and a count a number.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::Unit;
use crate::domain::fiscal_year::FiscalYearInfo;
use crate::domain::progress::IndicatorValueFields;
use crate::read::compare::{self, Comparison, Normalization};
use crate::read::stats::IndicatorProgress;
use entity::{municipalities, sources};

/// One cell of an export.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// An identifier made of digits whose leading zero matters (012017): text, never a number.
    Code(String),
    Text(String),
    /// A whole number: a count, a year, a rank.
    Int(i64),
    Number(f64),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    fn opt_int(v: Option<impl Into<i64>>) -> Cell {
        v.map_or(Cell::Empty, |v| Cell::Int(v.into()))
    }

    /// As CSV writes it: integers without decimals, other numbers to two places.
    pub fn to_csv(&self) -> String {
        match self {
            Cell::Code(s) | Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
            Cell::Number(v) => format!("{v:.2}"),
            Cell::Empty => String::new(),
        }
    }
}

/// A table with its header row and a file name that says what it holds.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Without extension: `compare_promotion_officers_yamaguchi-prefecture_per100k`.
    pub stem: String,
    /// What the 出典 / Sources sheet lists.
    pub sources: Vec<sources::Model>,
}

pub fn year_header(year: i32) -> String {
    format!("{year}年度 ({})", FiscalYearInfo::of(year).label_ja)
}

/// The unit as a column says it, with the normalisation.
pub fn unit_label(unit: &str, per: Normalization) -> String {
    let (ja, en) = match unit.parse::<Unit>() {
        Ok(u) => (u.label_ja().to_owned(), u.label_en().to_owned()),
        Err(_) => (unit.to_owned(), unit.to_owned()),
    };
    match per {
        Normalization::None => format!("{ja} / {en}"),
        Normalization::Per100kPopulation => {
            format!("{ja}（人口10万人あたり） / {en} per 100,000 inhabitants")
        }
    }
}

/// The scope as a file name part: the region's slug, the codes when few, or `all`.
pub fn scope_name(region: Option<&str>, codes: Option<&[String]>) -> String {
    let mut parts = Vec::new();
    if let Some(r) = region {
        parts.push(r.to_owned());
    }
    match codes {
        Some(c) if c.len() <= 5 => parts.push(c.join("-")),
        Some(c) => parts.push(format!("{}-municipalities", c.len())),
        None => {}
    }
    if parts.is_empty() {
        "all".to_owned()
    } else {
        parts.join("_")
    }
}

fn source_text(s: &sources::Model) -> String {
    match (&s.publisher, &s.published) {
        (Some(p), Some(d)) => format!("{} ({p}, {d})", s.title),
        (Some(p), None) => format!("{} ({p})", s.title),
        _ => s.title.clone(),
    }
}

/// The comparison: one row per municipality with its rank, latest value, that value's fiscal
/// year and, for a rate, the count it was computed from; then one column per fiscal year (two
/// for a rate: the rate, then the count).
pub fn comparison(c: &Comparison, scope: &str) -> Table {
    let rate = c.per == Normalization::Per100kPopulation;
    let per_ja = if rate {
        "（人口10万人あたり）"
    } else {
        ""
    };
    let mut header = vec![
        "自治体コード / Code".to_owned(),
        "自治体 / Municipality".to_owned(),
        "Municipality (English)".to_owned(),
        "指標 / Metric".to_owned(),
        "順位 / Rank".to_owned(),
        format!("最新値{per_ja} / Latest value"),
    ];
    if rate {
        header.push("最新値の実数 / Latest count".to_owned());
    }
    header.extend([
        "最新値の年度 / Fiscal year of latest value".to_owned(),
        "単位 / Unit".to_owned(),
    ]);
    for y in &c.fiscal_years {
        if rate {
            header.push(format!("{} 10万人あたり / per 100k", year_header(*y)));
            header.push(format!("{} 実数 / count", year_header(*y)));
        } else {
            header.push(year_header(*y));
        }
    }
    header.extend([
        "人口 / Population".to_owned(),
        "人口の年 / Population year".to_owned(),
        "出典 / Source".to_owned(),
        "備考 / Note".to_owned(),
    ]);
    let unit = unit_label(&c.metric.unit, c.per);
    let mut all_sources: BTreeMap<i32, sources::Model> = BTreeMap::new();
    let mut rows = Vec::new();
    for r in &c.rows {
        let by_year: BTreeMap<i32, &compare::YearValue> =
            r.values.iter().map(|v| (v.fiscal_year, v)).collect();
        let latest = r.latest();
        let mut line = vec![
            Cell::Code(r.municipality.code.clone()),
            Cell::text(r.municipality.name_ja.clone()),
            Cell::text(r.municipality.name_en.clone()),
            Cell::text(c.metric.name_ja.clone()),
            Cell::opt_int(r.rank),
            latest.map_or(Cell::Empty, |v| Cell::Number(v.value)),
        ];
        if rate {
            line.push(latest.map_or(Cell::Empty, |v| Cell::Number(v.raw_value)));
        }
        line.push(Cell::opt_int(latest.map(|v| v.fiscal_year)));
        line.push(Cell::text(unit.clone()));
        for y in &c.fiscal_years {
            let v = by_year.get(y);
            line.push(v.map_or(Cell::Empty, |v| Cell::Number(v.value)));
            if rate {
                line.push(v.map_or(Cell::Empty, |v| Cell::Number(v.raw_value)));
            }
        }
        let mut cited: BTreeSet<String> = BTreeSet::new();
        for s in r.values.iter().filter_map(|v| v.source.as_ref()) {
            cited.insert(source_text(s));
            all_sources.insert(s.id, s.clone());
        }
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
            Cell::opt_int(r.municipality.population),
            Cell::opt_int(r.municipality.population_year),
            Cell::text(cited.into_iter().collect::<Vec<_>>().join("; ")),
            Cell::text(notes.join("; ")),
        ]);
        rows.push(line);
    }
    let per = if rate { "per100k" } else { "count" };
    Table {
        header,
        rows,
        stem: format!("compare_{}_{scope}_{per}", c.metric.code),
        sources: all_sources.into_values().collect(),
    }
}

/// Plan indicators: baseline, final target and latest observed value in columns of their own,
/// interim targets named, and observed values only in the fiscal-year columns. Every city in
/// scope has at least one row; one without indicators says so.
pub fn indicators(
    cities: &[municipalities::Model],
    list: &[IndicatorProgress],
    sources: &BTreeMap<i32, sources::Model>,
    scope: &str,
) -> Table {
    let observed = |v: &&IndicatorValueFields| v.kind == "OBSERVED";
    let years: BTreeSet<i32> = list
        .iter()
        .flat_map(|p| p.values.iter().filter(observed).map(|v| v.fiscal_year))
        .collect();
    let mut header: Vec<String> = [
        "自治体コード / Code",
        "自治体 / Municipality",
        "指標 / Indicator",
        "単位 / Unit",
        "基準年度 / Baseline year",
        "基準値 / Baseline",
        "目標年度 / Target year",
        "目標値 / Target",
        "中間目標 / Interim targets",
        "最新実績年度 / Latest observed year",
        "最新実績値 / Latest observed",
        "進捗 / Progress",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(
        years
            .iter()
            .map(|y| format!("{} 実績 / observed", year_header(*y))),
    );
    header.extend(["出典 / Source".to_owned(), "備考 / Note".to_owned()]);
    let names: BTreeMap<&str, &municipalities::Model> =
        cities.iter().map(|m| (m.code.as_str(), m)).collect();
    let pair = |v: Option<&IndicatorValueFields>| match v {
        Some(v) => [Cell::Int(v.fiscal_year.into()), Cell::Number(v.value)],
        None => [Cell::Empty, Cell::Empty],
    };
    let mut rows = Vec::new();
    let mut cited: BTreeMap<i32, sources::Model> = BTreeMap::new();
    for p in list {
        let ind = &p.indicator;
        let of = |kind: &'static str| p.values.iter().filter(move |v| v.kind == kind);
        let targets: Vec<&IndicatorValueFields> = of("TARGET").collect();
        let interim: Vec<String> = targets
            .iter()
            .take(targets.len().saturating_sub(1))
            .map(|v| format!("{}年度: {}", v.fiscal_year, Cell::Number(v.value).to_csv()))
            .collect();
        let mut line = vec![
            Cell::Code(ind.municipality_code.clone()),
            Cell::text(
                names
                    .get(ind.municipality_code.as_str())
                    .map(|m| m.name_ja.clone())
                    .unwrap_or_default(),
            ),
            Cell::text(ind.name.clone()),
            Cell::text(Unit::labels(&ind.unit)),
        ];
        line.extend(pair(of("BASELINE").next()));
        line.extend(pair(targets.last().copied()));
        line.push(Cell::text(interim.join("; ")));
        line.extend(pair(of("OBSERVED").next_back()));
        line.push(p.progress.map_or(Cell::Empty, Cell::Number));
        for y in &years {
            line.push(
                of("OBSERVED")
                    .rfind(|v| v.fiscal_year == *y)
                    .map_or(Cell::Empty, |v| Cell::Number(v.value)),
            );
        }
        let source = ind.source_id.and_then(|id| sources.get(&id));
        if let Some(s) = source {
            cited.insert(s.id, s.clone());
        }
        line.push(Cell::text(source.map(source_text).unwrap_or_default()));
        line.push(if of("OBSERVED").next().is_none() {
            Cell::text("実績なし / no observed value")
        } else {
            Cell::Empty
        });
        rows.push(line);
    }
    let with: BTreeSet<&str> = list
        .iter()
        .map(|p| p.indicator.municipality_code.as_str())
        .collect();
    for m in cities.iter().filter(|m| !with.contains(m.code.as_str())) {
        let mut line = vec![Cell::Code(m.code.clone()), Cell::text(m.name_ja.clone())];
        line.resize(header.len() - 1, Cell::Empty);
        line.push(Cell::text("指標なし / no indicators in the hub"));
        rows.push(line);
    }
    Table {
        header,
        rows,
        stem: format!("indicators_{scope}"),
        sources: cited.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Cell, scope_name, year_header};

    #[test]
    fn cells_keep_integers_whole_and_codes_as_written() {
        assert_eq!(Cell::Number(54.0).to_csv(), "54");
        assert_eq!(Cell::Number(47.377_148).to_csv(), "47.38");
        assert_eq!(Cell::Code("012017".into()).to_csv(), "012017");
        assert_eq!(year_header(2019), "2019年度 (令和元年度)");
        assert_eq!(scope_name(None, None), "all");
        assert_eq!(
            scope_name(Some("toyono"), Some(&["272035".to_owned()])),
            "toyono_272035"
        );
    }
}
