//! Figures across cities: activity totals summed by the database (GROUP BY, not by loading
//! every activity into Rust), and plan indicators ordered by their progress.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, IdenStatic,
    JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, SelectA, SelectB,
};

use crate::domain::ProgramKind;
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

/// An indicator with its values (by fiscal year) and its progress.
#[derive(Clone, Debug)]
pub struct IndicatorProgress {
    pub indicator: indicators::Model,
    pub municipality: Arc<municipalities::Model>,
    pub values: Vec<indicator_values::Model>,
    pub progress: Option<f64>,
    /// 出典: read here for the whole list, so the field resolvers do not each wait out a
    /// DataLoader window for it (indicator progress under load: README, Performance).
    pub source: Option<Arc<sources::Model>>,
}

/// Indicators of the municipalities in scope with their progress, ordered: the indicators
/// with their cities and sources in one statement, then their values. Reading the cities
/// apart took a round trip of its own; repeating their columns on each indicator costs about
/// the CPU that statement did (README, Performance: "Fewer statements").
pub async fn indicator_progress(
    db: &DatabaseConnection,
    municipalities: Option<&[String]>,
    region: Option<&str>,
    order: ProgressOrder,
) -> AppResult<Vec<IndicatorProgress>> {
    let scope = Scope::new(municipalities, region)?;
    let city = indicators::Entity::belongs_to(municipalities::Entity)
        .from(indicators::Column::MunicipalityCode)
        .to(municipalities::Column::Code);
    let select = scope.filter(
        indicators::Entity::find()
            .join(JoinType::InnerJoin, city.into())
            .order_by_asc(indicators::Column::MunicipalityCode)
            .order_by_asc(indicators::Column::Position),
        indicators::Column::MunicipalityCode,
    );
    let mut select = super::with_sources(select, indicators::Column::SourceId).into_query();
    super::select_prefixed::<municipalities::Entity>(&mut select, CITY);
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(backend.build(&select)).await?;
    let mut cities: HashMap<String, Arc<municipalities::Model>> = HashMap::new();
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let indicator = indicators::Model::from_query_result(&row, SelectA.as_str())?;
        let source = sources::Model::from_query_result_optional(&row, SelectB.as_str())?;
        let city = match cities.get(&indicator.municipality_code) {
            Some(city) => city.clone(),
            None => {
                let city = Arc::new(municipalities::Model::from_query_result(&row, CITY)?);
                cities.insert(city.code.clone(), city.clone());
                city
            }
        };
        list.push((indicator, source, city));
    }
    scope
        .check(db, &cities.keys().map(String::as_str).collect())
        .await?;
    assemble(db, list, order).await
}

/// The prefix of the cities' columns in [`indicator_progress`]'s statement, beside sea-orm's
/// `A_` (indicators) and `B_` (sources).
const CITY: &str = "C_";

/// Indicators of the given municipalities with their values and progress, ordered.
pub async fn progress_of(
    db: &DatabaseConnection,
    cities: &[municipalities::Model],
    order: ProgressOrder,
) -> AppResult<Vec<IndicatorProgress>> {
    if cities.is_empty() {
        return Ok(Vec::new());
    }
    let indicators = indicators::Entity::find()
        .filter(indicators::Column::MunicipalityCode.is_in(cities.iter().map(|m| m.code.clone())))
        .order_by_asc(indicators::Column::MunicipalityCode)
        .order_by_asc(indicators::Column::Position);
    let found = super::with_sources(indicators, indicators::Column::SourceId)
        .all(db)
        .await?;
    let cities: HashMap<&str, Arc<municipalities::Model>> = cities
        .iter()
        .map(|m| (m.code.as_str(), Arc::new(m.clone())))
        .collect();
    let list = found
        .into_iter()
        .filter_map(|(indicator, source)| {
            let city = cities.get(indicator.municipality_code.as_str())?.clone();
            Some((indicator, source, city))
        })
        .collect();
    assemble(db, list, order).await
}

/// Reads the values of `list`'s indicators (one statement) and orders the indicators.
async fn assemble(
    db: &DatabaseConnection,
    list: Vec<(
        indicators::Model,
        Option<sources::Model>,
        Arc<municipalities::Model>,
    )>,
    order: ProgressOrder,
) -> AppResult<Vec<IndicatorProgress>> {
    let all_values = if list.is_empty() {
        Vec::new()
    } else {
        indicator_values::Entity::find()
            .filter(indicator_values::Column::IndicatorId.is_in(list.iter().map(|(i, _, _)| i.id)))
            .order_by_asc(indicator_values::Column::FiscalYear)
            .order_by_asc(indicator_values::Column::Position)
            .all(db)
            .await?
    };
    let mut values: HashMap<i32, Vec<indicator_values::Model>> = HashMap::new();
    for v in all_values {
        values.entry(v.indicator_id).or_default().push(v);
    }
    // One Arc per source, however many indicators cite it.
    let mut sources: HashMap<i32, Arc<sources::Model>> = HashMap::new();
    let mut out: Vec<IndicatorProgress> = list
        .into_iter()
        .map(|(indicator, source, municipality)| {
            let source = source.map(|s| sources.entry(s.id).or_insert_with(|| Arc::new(s)).clone());
            let values = values.remove(&indicator.id).unwrap_or_default();
            let progress = crate::domain::progress::progress(&values);
            IndicatorProgress {
                municipality,
                source,
                indicator,
                values,
                progress,
            }
        })
        .collect();
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
            out.sort_by(|a, b| by_progress(&a.progress, &b.progress, true))
        }
        ProgressOrder::ProgressAsc => {
            out.sort_by(|a, b| by_progress(&a.progress, &b.progress, false))
        }
    }
    Ok(out)
}
