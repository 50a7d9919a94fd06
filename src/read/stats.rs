//! Figures across cities: activity totals summed by the database (GROUP BY, not by loading
//! every activity into Rust), and plan indicators ordered by their progress.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    IdenStatic, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, SelectA, SelectB,
};

use crate::domain::ProgramKind;
use crate::domain::progress::IndicatorValueFields;
use crate::error::{AppError, AppResult};
use crate::read::compare::{Scope, check_range, scope};
use entity::{activities, indicator_values, indicators, municipalities, programs, sources};

/// What activity totals are grouped by.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatGroup {
    Municipality,
    FiscalYear,
    ProgramKind,
}

/// Sessions and participants summed over one group.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityTotals {
    pub municipality_code: Option<String>,
    /// With FISCAL_YEAR: the first and last fiscal year of the group. A single year has both
    /// the same; an activity the document counts over a span (「H23～27年度 計411名」) makes a
    /// row of its own for that span instead of crediting its first year.
    pub fiscal_year_from: Option<i32>,
    pub fiscal_year_to: Option<i32>,
    pub program_kind: Option<ProgramKind>,
    /// Sum of the sessions the documents count (activities without a count add nothing).
    pub sessions: i64,
    /// Sum of the participants the documents count.
    pub participants: i64,
    /// Activities in the group, counted or not.
    pub activities: i64,
    /// Activities whose participant count is in the sum and is approximate (約).
    pub approximate_parts: i64,
}

pub async fn activity_stats(
    db: &DatabaseConnection,
    municipalities: Option<&[String]>,
    region: Option<&str>,
    from: Option<i32>,
    to: Option<i32>,
    group_by: &[StatGroup],
) -> AppResult<Vec<ActivityTotals>> {
    check_range(from, to)?;
    let cities = scope(db, municipalities, region).await?;
    let mut groups: Vec<StatGroup> = Vec::new();
    for g in group_by {
        if groups.contains(g) {
            return Err(AppError::BadInput(format!(
                "groupBy: {g:?} is listed twice"
            )));
        }
        groups.push(*g);
    }

    let a = activities::Entity;
    let p = programs::Entity;
    // A fiscal-year group is the pair (first year, last year), so a span is a group of its own.
    let columns = |g: StatGroup| -> Vec<(Expr, &'static str)> {
        match g {
            StatGroup::Municipality => vec![(
                Expr::col((p, programs::Column::MunicipalityCode)),
                "municipality_code",
            )],
            StatGroup::FiscalYear => vec![
                (
                    Expr::col((a, activities::Column::FiscalYear)),
                    "fiscal_year_from",
                ),
                (
                    Expr::col((a, activities::Column::FiscalYearTo)),
                    "fiscal_year_to",
                ),
            ],
            StatGroup::ProgramKind => {
                vec![(Expr::col((p, programs::Column::Kind)), "program_kind")]
            }
        }
    };
    let mut stmt = Query::select();
    stmt.from(a).inner_join(
        p,
        Expr::col((p, programs::Column::Id)).equals((a, activities::Column::ProgramId)),
    );
    for g in &groups {
        for (column, alias) in columns(*g) {
            stmt.expr_as(column.clone(), Alias::new(alias));
            stmt.add_group_by([column.clone()]);
            stmt.order_by_expr(column, Order::Asc);
        }
    }
    // SUM of an integer column is BIGINT on PostgreSQL and INTEGER on SQLite; both read as i64.
    let sum = |col: activities::Column| -> Expr {
        let counted: Expr = Func::coalesce([Expr::col((a, col)), Expr::val(0)]).into();
        Func::coalesce([Expr::from(Func::sum(counted)), Expr::val(0)]).into()
    };
    stmt.expr_as(sum(activities::Column::Sessions), Alias::new("sessions"));
    stmt.expr_as(
        sum(activities::Column::Participants),
        Alias::new("participants"),
    );
    stmt.expr_as(
        Func::count(Expr::col((a, activities::Column::Id))),
        Alias::new("activities"),
    );
    // 約 marks the participant count, so only a counted approximate participant figure makes
    // the participant sum approximate.
    let approximate_part: Expr = Expr::case(
        Expr::col((a, activities::Column::Approximate))
            .eq(true)
            .and(Expr::col((a, activities::Column::Participants)).is_not_null()),
        1,
    )
    .finally(0)
    .into();
    stmt.expr_as(
        Func::coalesce([Expr::from(Func::sum(approximate_part)), Expr::val(0)]),
        Alias::new("approximate_parts"),
    );
    stmt.and_where(
        Expr::col((p, programs::Column::MunicipalityCode))
            .is_in(cities.iter().map(|m| m.code.clone())),
    );
    // A span matches when it overlaps the range asked for.
    if let Some(from) = from {
        stmt.and_where(Expr::col((a, activities::Column::FiscalYearTo)).gte(from));
    }
    if let Some(to) = to {
        stmt.and_where(Expr::col((a, activities::Column::FiscalYear)).lte(to));
    }

    let rows = db.query_all(&stmt).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let get_i64 = |name: &str| -> AppResult<i64> {
            row.try_get::<i64>("", name)
                .or_else(|_| row.try_get::<i32>("", name).map(i64::from))
                .map_err(AppError::from)
        };
        out.push(ActivityTotals {
            municipality_code: if groups.contains(&StatGroup::Municipality) {
                Some(row.try_get::<String>("", "municipality_code")?)
            } else {
                None
            },
            fiscal_year_from: if groups.contains(&StatGroup::FiscalYear) {
                Some(row.try_get::<i32>("", "fiscal_year_from")?)
            } else {
                None
            },
            fiscal_year_to: if groups.contains(&StatGroup::FiscalYear) {
                Some(row.try_get::<i32>("", "fiscal_year_to")?)
            } else {
                None
            },
            program_kind: if groups.contains(&StatGroup::ProgramKind) {
                let kind: String = row.try_get("", "program_kind")?;
                Some(
                    kind.parse()
                        .map_err(|e: String| AppError::internal(anyhow::anyhow!(e)))?,
                )
            } else {
                None
            },
            sessions: get_i64("sessions")?,
            participants: get_i64("participants")?,
            activities: get_i64("activities")?,
            approximate_parts: get_i64("approximate_parts")?,
        });
    }
    Ok(out)
}

/// How `indicatorProgress` orders indicators.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProgressOrder {
    /// Furthest along first; indicators without progress last.
    #[default]
    ProgressDesc,
    /// Furthest behind first; indicators without progress last.
    ProgressAsc,
    /// By municipality, then as the plan lists them.
    Municipality,
}

/// 列の選択: which of indicator progress's text columns its caller reads. What it leaves out
/// is not selected, so neither the database nor the hub handles that text; the field holds
/// `None`. The five cities' fifteen indicators carry 5.0 KB of notes, more than the 4.5 KB
/// answer of the usual question, which asks for none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgressColumns {
    /// Each indicator's 備考.
    pub note: bool,
    /// Each value's 年度表記 and 備考 (`labelJa`, `note`).
    pub value_text: bool,
}

impl ProgressColumns {
    /// Everything: for readers that are not a GraphQL selection (the exports).
    pub const ALL: ProgressColumns = ProgressColumns {
        note: true,
        value_text: true,
    };
}

/// An indicator with its city, source, values and progress.
pub struct IndicatorProgress {
    /// `note` is `None` where [`ProgressColumns::note`] left it out.
    pub indicator: indicators::Model,
    pub municipality: Arc<municipalities::Model>,
    pub values: Vec<IndicatorValueFields>,
    pub progress: Option<f64>,
    /// 出典: read here for the whole list, so the field resolvers do not each wait out a
    /// DataLoader window for it (indicator progress under load: README, Performance).
    pub source: Option<Arc<sources::Model>>,
}

/// Indicators of the municipalities in scope with their progress, ordered, in one statement:
/// each indicator with its city and source, and its values as one JSON array beside them.
/// Reading the cities apart took a round trip of its own; reading the values apart took
/// another, and decoding them row by row, column by name, cost more CPU than parsing one
/// array per indicator (README, Performance: "Indicator progress in one statement").
pub async fn indicator_progress(
    db: &DatabaseConnection,
    municipalities: Option<&[String]>,
    region: Option<&str>,
    order: ProgressOrder,
    columns: ProgressColumns,
) -> AppResult<Vec<IndicatorProgress>> {
    let scope = Scope::new(municipalities, region)?;
    let select = scope.filter(
        indicators::Entity::find(),
        indicators::Column::MunicipalityCode,
    );
    let list = read_progress(db, select, columns).await?;
    scope
        .check(
            db,
            &list.iter().map(|p| p.municipality.code.as_str()).collect(),
        )
        .await?;
    Ok(ordered(list, order))
}

/// Indicators of the given municipalities with their values and progress, ordered.
pub async fn progress_of(
    db: &DatabaseConnection,
    cities: &[municipalities::Model],
    order: ProgressOrder,
    columns: ProgressColumns,
) -> AppResult<Vec<IndicatorProgress>> {
    if cities.is_empty() {
        return Ok(Vec::new());
    }
    let select = indicators::Entity::find()
        .filter(indicators::Column::MunicipalityCode.is_in(cities.iter().map(|m| m.code.clone())));
    Ok(ordered(read_progress(db, select, columns).await?, order))
}

/// The prefix of the cities' columns in [`read_progress`]'s statement, beside sea-orm's `A_`
/// (indicators) and `B_` (sources).
const CITY: &str = "C_";
/// The column of [`read_progress`]'s statement that holds an indicator's values.
const VALUES: &str = "V_values";

/// The indicators `select` keeps, by city and position, each with its city, source and values.
async fn read_progress(
    db: &DatabaseConnection,
    select: sea_orm::Select<indicators::Entity>,
    columns: ProgressColumns,
) -> AppResult<Vec<IndicatorProgress>> {
    let city = indicators::Entity::belongs_to(municipalities::Entity)
        .from(indicators::Column::MunicipalityCode)
        .to(municipalities::Column::Code);
    // The indicator's own columns are added below, so that its note can be left out.
    let select = select
        .select_only()
        .join(JoinType::InnerJoin, city.into())
        .order_by_asc(indicators::Column::MunicipalityCode)
        .order_by_asc(indicators::Column::Position);
    let mut select = super::with_sources(select, indicators::Column::SourceId).into_query();
    let left_out: &[&str] = if columns.note {
        &[]
    } else {
        &[indicators::Column::Note.as_str()]
    };
    super::select_prefixed_without::<indicators::Entity>(&mut select, SelectA.as_str(), left_out);
    super::select_prefixed::<municipalities::Entity>(&mut select, CITY);
    let backend = db.get_database_backend();
    select.expr_as(
        Expr::cust(values_as_json(backend, columns.value_text)),
        Alias::new(VALUES),
    );
    let rows = db.query_all_raw(backend.build(&select)).await?;
    let mut cities: HashMap<String, Arc<municipalities::Model>> = HashMap::new();
    // One Arc per source, however many indicators cite it.
    let mut sources: HashMap<i32, Arc<sources::Model>> = HashMap::new();
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let indicator = indicators::Model::from_query_result(&row, SelectA.as_str())?;
        // A source's columns are read at its first row only: decoding a record by column
        // name was a sixth of the hub's CPU for indicator progress (perf, 2026-12-01).
        if indicator
            .source_id
            .is_some_and(|id| !sources.contains_key(&id))
            && let Some(source) =
                sources::Model::from_query_result_optional(&row, SelectB.as_str())?
        {
            sources.insert(source.id, Arc::new(source));
        }
        let source = indicator.source_id.and_then(|id| sources.get(&id).cloned());
        let municipality = match cities.get(&indicator.municipality_code) {
            Some(city) => city.clone(),
            None => {
                let city = Arc::new(municipalities::Model::from_query_result(&row, CITY)?);
                cities.insert(city.code.clone(), city.clone());
                city
            }
        };
        let values = match row.try_get::<Option<String>>("", VALUES)? {
            Some(text) => {
                serde_json::from_str::<Vec<IndicatorValueFields>>(&text).map_err(|e| {
                    AppError::internal(anyhow::anyhow!(
                        "the values of indicator {} do not read back: {e}",
                        indicator.id
                    ))
                })?
            }
            None => Vec::new(),
        };
        let progress = crate::domain::progress::progress(&values);
        list.push(IndicatorProgress {
            indicator,
            municipality,
            values,
            progress,
            source,
        });
    }
    Ok(list)
}

/// The columns of a value that [`values_as_json`] writes, in the order of
/// [`IndicatorValueFields`]' fields, which serde reads an array into. Each value is a JSON
/// array, not an object, so the database writes no keys and the hub reads none. The text
/// columns (`label_ja`, `note`) are written as null when left out.
const VALUE_COLUMNS: [indicator_values::Column; 9] = {
    use indicator_values::Column as V;
    [
        V::Id,
        V::Kind,
        V::FiscalYear,
        V::Value,
        V::Approximate,
        V::LabelJa,
        V::Note,
        V::Position,
        V::Version,
    ]
};

/// A correlated subquery giving the values of the statement's indicator as a JSON array of
/// arrays (NULL or `[]` when it has none), ordered as the `values_of_indicator` loader orders
/// them.
///
/// It writes only what the API answers of a value, positionally. With each value's whole row
/// as an object (`json_agg(v.*)`: keys, the indicator's id, two timestamps) and every
/// indicator's note, PostgreSQL ran the statement at two thirds of v4's rate (pgbench,
/// concurrency 8: 3,204–3,976 a second against 5,006–6,384), and the hub parsed it all back;
/// without them, 4,476–5,191 (README, Performance: "Fewer columns for indicator progress").
fn values_as_json(backend: DbBackend, text: bool) -> &'static str {
    use indicator_values::Column as V;
    use sea_orm::EntityName;
    static STATEMENTS: OnceLock<[String; 4]> = OnceLock::new();
    let all = STATEMENTS.get_or_init(|| {
        let build = |postgres: bool, text: bool| {
            let columns = VALUE_COLUMNS
                .iter()
                .map(|c| {
                    if !text && matches!(c, V::LabelJa | V::Note) {
                        "NULL".to_owned()
                    } else {
                        format!("v.\"{}\"", c.as_str())
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let order = format!(
                "v.\"{}\", v.\"{}\"",
                V::FiscalYear.as_str(),
                V::Position.as_str()
            );
            // PostgreSQL's json has no text decoding in sqlx; SQLite's JSON functions return text.
            let aggregate = if postgres {
                format!("json_agg(json_build_array({columns}) ORDER BY {order})::text")
            } else {
                format!("json_group_array(json_array({columns}) ORDER BY {order})")
            };
            format!(
                "(SELECT {aggregate} FROM \"{values}\" AS v WHERE v.\"{parent}\" = \"{indicators}\".\"{id}\")",
                values = indicator_values::Entity.table_name(),
                parent = V::IndicatorId.as_str(),
                indicators = indicators::Entity.table_name(),
                id = indicators::Column::Id.as_str(),
            )
        };
        [
            build(true, true),
            build(true, false),
            build(false, true),
            build(false, false),
        ]
    });
    let at = match (backend == DbBackend::Postgres, text) {
        (true, true) => 0,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 3,
    };
    &all[at]
}

/// `list` in the `order` asked for: by progress, indicators without progress last, or as read.
fn ordered(mut list: Vec<IndicatorProgress>, order: ProgressOrder) -> Vec<IndicatorProgress> {
    let by_progress = |a: &Option<f64>, b: &Option<f64>, desc: bool| match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.total_cmp(y);
            if desc { o.reverse() } else { o }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    match order {
        ProgressOrder::Municipality => {}
        ProgressOrder::ProgressDesc => {
            list.sort_by(|a, b| by_progress(&a.progress, &b.progress, true))
        }
        ProgressOrder::ProgressAsc => {
            list.sort_by(|a, b| by_progress(&a.progress, &b.progress, false))
        }
    }
    list
}
