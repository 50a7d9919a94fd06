//! Cross-city comparison of a catalogue metric: one row per municipality, values by fiscal
//! year, the latest value and a rank, optionally per 100,000 inhabitants. GraphQL's `compare`,
//! the CSV export and the chart all call [`compare`], so a meeting's spreadsheet and slide show
//! exactly what the API answers, with the same errors for the same bad parameters.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    IdenStatic, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, SelectA,
    SelectB,
};

use crate::domain::codes;
use crate::error::{AppError, AppResult};
use crate::read::catalogue::{Catalogue, Snapshot};
use entity::{metrics, municipalities, observations, region_members, regions, sources};

/// How values are scaled before they are compared.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Normalization {
    /// As reported.
    #[default]
    None,
    /// Divided by the census population, times 100,000.
    #[graphql(name = "PER_100K_POPULATION")]
    Per100kPopulation,
}

impl Normalization {
    pub fn as_str(self) -> &'static str {
        match self {
            Normalization::None => "NONE",
            Normalization::Per100kPopulation => "PER_100K_POPULATION",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "" | "NONE" | "none" => Ok(Normalization::None),
            "PER_100K_POPULATION" | "per_100k_population" => Ok(Normalization::Per100kPopulation),
            other => Err(format!("per: {other:?} is not NONE or PER_100K_POPULATION")),
        }
    }
}

/// What to compare; the same whether it came from GraphQL arguments or a query string.
#[derive(Clone, Debug, Default)]
pub struct CompareParams {
    pub metric: String,
    /// Local government codes; `None` for every municipality.
    pub municipalities: Option<Vec<String>>,
    /// A region's slug: its members in the hub.
    pub region: Option<String>,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub per: Normalization,
}

/// One value of one municipality.
#[derive(Clone, Debug)]
pub struct YearValue {
    pub fiscal_year: i32,
    /// Normalised when `per` asks for it.
    pub value: f64,
    /// As reported.
    pub raw_value: f64,
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub note: Option<String>,
    pub source: Option<sources::Model>,
}

/// One municipality's line of a comparison.
#[derive(Clone, Debug)]
pub struct Row {
    pub municipality: municipalities::Model,
    pub values: Vec<YearValue>,
    /// Rank by latest value, highest first; ties share a rank; `None` without data.
    pub rank: Option<i32>,
    /// Why the row has no values although the city may have data (e.g. no population to
    /// normalise by).
    pub error: Option<String>,
}

impl Row {
    pub fn latest(&self) -> Option<&YearValue> {
        self.values.last()
    }
}

#[derive(Clone, Debug)]
pub struct Comparison {
    pub metric: metrics::Model,
    pub per: Normalization,
    /// Every fiscal year that has a value in some row, ascending.
    pub fiscal_years: Vec<i32>,
    pub rows: Vec<Row>,
}

/// Which municipalities a comparison or statistic covers: all, a list of codes, a region's
/// members in the hub, or the list within the region when both are given, as a condition on
/// a column that holds a municipality code. [`Scope::check`] turns unknown codes and regions
/// into errors once the rows are read, so that a statement can select in scope and join in one
/// go.
pub struct Scope<'a> {
    municipalities: Option<&'a [String]>,
    region: Option<&'a str>,
}

impl<'a> Scope<'a> {
    /// The scope, with the codes given checked for their form.
    pub fn new(municipalities: Option<&'a [String]>, region: Option<&'a str>) -> AppResult<Self> {
        if let Some(codes) = municipalities {
            if codes.is_empty() {
                return Err(AppError::BadParameter {
                    name: "municipalities",
                    message: "municipalities: give at least one code, or leave it out for all"
                        .into(),
                });
            }
            for code in codes {
                codes::validate_municipality_code(code).map_err(|e| AppError::BadParameter {
                    name: "municipalities",
                    message: format!("municipalities: {e}"),
                })?;
            }
        }
        Ok(Scope {
            municipalities,
            region,
        })
    }

    /// Keeps the rows of `select` whose `code` lies in the scope.
    pub fn filter<E: EntityTrait, C: ColumnTrait>(
        &self,
        mut select: Select<E>,
        code: C,
    ) -> Select<E> {
        if let Some(codes) = self.municipalities {
            select = select.filter(code.is_in(codes.iter().cloned()));
        }
        if let Some(slug) = self.region {
            // The members through a subquery: one statement instead of region, members, cities.
            use sea_orm::sea_query::ExprTrait as _;
            let members = sea_orm::sea_query::Query::select()
                .column((region_members::Entity, region_members::Column::MemberCode))
                .from(region_members::Entity)
                .inner_join(
                    regions::Entity,
                    sea_orm::sea_query::Expr::col((regions::Entity, regions::Column::Id))
                        .equals((region_members::Entity, region_members::Column::RegionId)),
                )
                .and_where(
                    sea_orm::sea_query::Expr::col((regions::Entity, regions::Column::Slug))
                        .eq(slug),
                )
                .to_owned();
            select = select.filter(code.in_subquery(members));
        }
        select
    }

    /// The errors of a scope whose rows name the municipalities `found`: an unknown region
    /// (when nothing was found), or listed codes that are not in the hub. A listed city can
    /// be in the hub and still have no rows (no indicators, say): only then is the database
    /// asked which.
    pub async fn check(&self, db: &DatabaseConnection, found: &BTreeSet<&str>) -> AppResult<()> {
        if let Some(slug) = self.region
            && found.is_empty()
        {
            // Nothing found: say so if the region itself is unknown.
            find_region(db, slug).await?;
        }
        if let Some(codes) = self.municipalities
            && self.region.is_none()
        {
            let absent: Vec<String> = codes
                .iter()
                .filter(|c| !found.contains(c.as_str()))
                .cloned()
                .collect();
            if absent.is_empty() {
                return Ok(());
            }
            let in_hub: BTreeSet<String> = municipalities::Entity::find()
                .filter(municipalities::Column::Code.is_in(absent.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.code)
                .collect();
            let missing: Vec<&str> = absent
                .iter()
                .filter(|c| !in_hub.contains(*c))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(AppError::ParameterNotFound {
                    name: "municipalities",
                    message: format!("municipalities: not in the hub: {}", missing.join(", ")),
                });
            }
        }
        Ok(())
    }
}

/// The municipalities a comparison or statistic covers (see [`Scope`]), by code. Unknown codes
/// and regions are errors, not silently empty rows.
pub async fn scope(
    db: &DatabaseConnection,
    municipalities: Option<&[String]>,
    region: Option<&str>,
) -> AppResult<Vec<municipalities::Model>> {
    let scope = Scope::new(municipalities, region)?;
    let found = scope
        .filter(
            municipalities::Entity::find().order_by_asc(municipalities::Column::Code),
            municipalities::Column::Code,
        )
        .all(db)
        .await?;
    scope
        .check(db, &found.iter().map(|m| m.code.as_str()).collect())
        .await?;
    Ok(found)
}

/// A region by slug; `NOT_FOUND` naming the slug when there is none.
pub async fn find_region(db: &DatabaseConnection, slug: &str) -> AppResult<regions::Model> {
    regions::Entity::find()
        .filter(regions::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::ParameterNotFound {
            name: "region",
            message: format!("region: no region with slug {slug:?}"),
        })
}

/// A region by slug, Japanese name (山口県, 豊能地区) or English name, as people type what
/// they see printed; `NOT_FOUND` listing every region when none matches.
pub async fn region_named(db: &DatabaseConnection, given: &str) -> AppResult<regions::Model> {
    let given = given.trim();
    let all = regions::Entity::find()
        .order_by_asc(regions::Column::Slug)
        .all(db)
        .await?;
    if let Some(found) = all
        .iter()
        .find(|r| r.slug == given || r.name_ja == given || r.name_en.eq_ignore_ascii_case(given))
    {
        return Ok(found.clone());
    }
    let valid: Vec<String> = all
        .iter()
        .map(|r| format!("{} ({})", r.slug, r.name_ja))
        .collect();
    Err(AppError::ParameterNotFound {
        name: "region",
        message: format!(
            "region: no region with slug or name {given:?}; valid values: {}",
            valid.join(", ")
        ),
    })
}

/// A catalogue metric by code, Japanese name (協働推進員数, as the exports print it) or English
/// name; a bad parameter listing the catalogue when none matches.
pub async fn metric_named(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    given: &str,
) -> AppResult<metrics::Model> {
    let given = given.trim();
    let all = catalogue.current(db).await?;
    let named = |all: &Snapshot| {
        all.metrics
            .iter()
            .find(|m| {
                m.code == given || m.name_ja == given || m.name_en.eq_ignore_ascii_case(given)
            })
            .cloned()
    };
    if let Some(found) = named(&all) {
        return Ok(found);
    }
    // Not in the copy held: it may be older than another process's import.
    let all = catalogue.fresh(db).await?;
    if let Some(found) = named(&all) {
        return Ok(found);
    }
    let valid: Vec<String> = all
        .metrics
        .iter()
        .map(|m| format!("{} ({})", m.code, m.name_ja))
        .collect();
    Err(AppError::BadParameter {
        name: "metric",
        message: format!(
            "metric: {given:?} is neither a code nor a name of the metric catalogue; valid values: {}",
            valid.join(", ")
        ),
    })
}

/// The codes of a region's members, in the hub or not.
pub async fn region_member_codes(db: &DatabaseConnection, slug: &str) -> AppResult<Vec<String>> {
    let region = find_region(db, slug).await?;
    Ok(region_members::Entity::find()
        .filter(region_members::Column::RegionId.eq(region.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.member_code)
        .collect())
}

pub fn check_range(from: Option<i32>, to: Option<i32>) -> AppResult<()> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(AppError::BadParameter {
            name: "from",
            message: format!("from ({f}) is after to ({t})"),
        }),
        _ => Ok(()),
    }
}

/// Competition ranking ("1, 2, 2, 4") of values, highest first. `None` stays unranked.
pub fn rank(values: &[Option<f64>]) -> Vec<Option<i32>> {
    // A value's rank is one more than the number of values above it: found by bisection in
    // the values sorted high to low, so that 1,741 cities cost n log n comparisons, not n².
    let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    values
        .iter()
        .map(|v| {
            v.map(|v| {
                let higher = sorted.partition_point(|o| *o > v);
                i32::try_from(higher).unwrap_or(i32::MAX - 1) + 1
            })
        })
        .collect()
}

/// A comparison whose parameters have been checked (metric, range, scope: the errors a bad
/// request gets) and whose rows are still to be read, all of them or a page.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub metric: metrics::Model,
    pub params: CompareParams,
    /// Every municipality in scope, by code.
    pub cities: Vec<municipalities::Model>,
}

/// One page of a comparison's rows, ranked over every municipality in scope.
#[derive(Clone, Debug)]
pub struct Page {
    /// Rows in scope, across all pages.
    pub total: usize,
    /// Where the page starts among them (at most `total`).
    pub offset: usize,
    pub rows: Vec<Row>,
}

/// Up to this many cities, a comparison reads its observations' sources in the same
/// statement (a LEFT JOIN): under load a statement costs more than the few rows it repeats.
/// Beyond it, the join repeats each source's columns on thousands of rows, and one more
/// statement for the distinct sources costs less: at 1,741 cities the join took national
/// compare-all from 213–219 to 252–308 ms of the hub's CPU per request (README, Performance).
const JOIN_SOURCES_UP_TO: usize = 100;

/// Checks the parameters and finds the municipalities in scope.
pub async fn prepare(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    params: &CompareParams,
) -> AppResult<Prepared> {
    check_range(params.from, params.to)?;
    // The metric from the catalogue held in memory, the cities from the database: neither
    // waits for the other, and the metric's error still comes first when both are wrong.
    let (metric, cities) = tokio::join!(
        catalogue.metric(db, &params.metric),
        scope(
            db,
            params.municipalities.as_deref(),
            params.region.as_deref(),
        ),
    );
    let metric = metric?.ok_or_else(|| unknown_metric(&params.metric))?;
    let prepared = Prepared {
        metric,
        params: params.clone(),
        cities: cities?,
    };
    if !prepared.scoped() {
        catalogue.counted(prepared.cities.len());
    }
    Ok(prepared)
}

/// The whole comparison: every row with all its values.
pub async fn compare(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    params: &CompareParams,
) -> AppResult<Comparison> {
    if few_cities(catalogue, params) {
        return Ok(joined(db, catalogue, params).await?.1);
    }
    prepare(db, catalogue, params).await?.all(db).await
}

/// The whole comparison in one statement: the cities in scope, each joined with its values of
/// the metric in the range and with their sources; the metric comes from the catalogue held in
/// memory. Each city's columns repeat on each of its values, so this is for comparisons of
/// few cities ([`few_cities`]), where a statement costs more than the rows it
/// repeats (README, Performance).
pub async fn joined(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    params: &CompareParams,
) -> AppResult<(Prepared, Comparison)> {
    check_range(params.from, params.to)?;
    let metric = catalogue
        .metric(db, &params.metric)
        .await?
        .ok_or_else(|| unknown_metric(&params.metric))?;
    let scope = Scope::new(params.municipalities.as_deref(), params.region.as_deref())?;
    let (code, year) = (metric.code.clone(), (params.from, params.to));
    // The metric and the range belong to the join, not to WHERE: a city without values in
    // them keeps its row, unranked, as in every other reading of a comparison.
    let values = municipalities::Entity::belongs_to(observations::Entity)
        .from(municipalities::Column::Code)
        .to(observations::Column::MunicipalityCode)
        .on_condition(move |_, _| {
            let mut on = Condition::all().add(observations::Column::MetricCode.eq(code.clone()));
            if let Some(from) = year.0 {
                on = on.add(observations::Column::FiscalYear.gte(from));
            }
            if let Some(to) = year.1 {
                on = on.add(observations::Column::FiscalYear.lte(to));
            }
            on
        });
    let cited = observations::Entity::belongs_to(sources::Entity)
        .from(observations::Column::SourceId)
        .to(sources::Column::Id);
    let mut select = scope
        .filter(
            municipalities::Entity::find()
                .order_by_asc(municipalities::Column::Code)
                .order_by_asc(observations::Column::FiscalYear),
            municipalities::Column::Code,
        )
        .join(JoinType::LeftJoin, values.into())
        .join(JoinType::LeftJoin, cited.into())
        .select_also(observations::Entity)
        .into_query();
    super::select_prefixed::<sources::Entity>(&mut select, SOURCE);
    let rows = db
        .query_all_raw(db.get_database_backend().build(&select))
        .await?;
    let mut cities: Vec<municipalities::Model> = Vec::new();
    let mut found = Vec::new();
    let mut sources: HashMap<i32, sources::Model> = HashMap::new();
    for row in rows {
        // Rows come by city: its columns are read once, at its first row.
        let code: String = row.try_get(SelectA.as_str(), municipalities::Column::Code.as_str())?;
        if cities.last().is_none_or(|m| m.code != code) {
            cities.push(municipalities::Model::from_query_result(
                &row,
                SelectA.as_str(),
            )?);
        }
        let observation = observations::Model::from_query_result_optional(&row, SelectB.as_str())?;
        // A source's columns are read at its first row only, as the cities' are.
        let cited = observation.as_ref().and_then(|o| o.source_id);
        if cited.is_some_and(|id| !sources.contains_key(&id))
            && let Some(source) = sources::Model::from_query_result_optional(&row, SOURCE)?
        {
            sources.insert(source.id, source);
        }
        found.extend(observation);
    }
    scope
        .check(db, &cities.iter().map(|m| m.code.as_str()).collect())
        .await?;
    let prepared = Prepared {
        metric,
        params: params.clone(),
        cities,
    };
    if !prepared.scoped() {
        catalogue.counted(prepared.cities.len());
    }
    let comparison = prepared.ranked(found, &sources);
    Ok((prepared, comparison))
}

/// Whether a comparison covers few enough cities to be read by [`joined`]: up to
/// [`JOIN_SOURCES_UP_TO`] listed, or a hub of that many at its last count (a region's members
/// are no more than the hub's).
pub fn few_cities(catalogue: &Catalogue, params: &CompareParams) -> bool {
    match (&params.municipalities, &params.region) {
        (Some(codes), None) => codes.len() <= JOIN_SOURCES_UP_TO,
        _ => catalogue.cities() <= JOIN_SOURCES_UP_TO,
    }
}

/// The prefix of the sources' columns in [`joined`]'s statement, beside sea-orm's `A_`
/// (municipalities) and `B_` (observations).
const SOURCE: &str = "C_";

fn unknown_metric(given: &str) -> AppError {
    AppError::BadParameter {
        name: "metric",
        message: format!("metric: {given:?} is not a code of the metric catalogue (see `metrics`)"),
    }
}

/// What values are divided by for a municipality, or why they cannot be.
fn divisor(per: Normalization, m: &municipalities::Model) -> Result<f64, String> {
    match per {
        Normalization::None => Ok(1.0),
        Normalization::Per100kPopulation => match m.population {
            Some(p) if p > 0 => Ok(f64::from(p) / 100_000.0),
            _ => Err(format!(
                "{} ({}) has no population figure, so its values cannot be given per 100,000 inhabitants",
                m.name_en, m.code
            )),
        },
    }
}

/// Ranked rows first (rank, then code), then the rows without data (by code).
fn row_order(a: (Option<i32>, &str), b: (Option<i32>, &str)) -> std::cmp::Ordering {
    match (a.0, b.0) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.1.cmp(b.1)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(b.1),
    }
}

impl Prepared {
    fn scoped(&self) -> bool {
        self.params.municipalities.is_some() || self.params.region.is_some()
    }

    /// The observations of the metric, of `codes` (every municipality when `None`), within
    /// the range, by fiscal year, and the sources they cite.
    async fn observations(
        &self,
        db: &DatabaseConnection,
        codes: Option<Vec<String>>,
    ) -> AppResult<(Vec<observations::Model>, HashMap<i32, sources::Model>)> {
        let cities = codes.as_ref().map_or(self.cities.len(), Vec::len);
        let mut query = observations::Entity::find()
            .filter(observations::Column::MetricCode.eq(&self.metric.code));
        query = match codes {
            // By city first: the order of the (city, metric, year) key, which SQLite then
            // reads for just these cities; by year alone it would choose the (metric, year)
            // index and read every city's values of the metric to keep a page's twenty.
            Some(codes) => query
                .filter(observations::Column::MunicipalityCode.is_in(codes))
                .order_by_asc(observations::Column::MunicipalityCode)
                .order_by_asc(observations::Column::FiscalYear),
            None => query.order_by_asc(observations::Column::FiscalYear),
        };
        if let Some(from) = self.params.from {
            query = query.filter(observations::Column::FiscalYear.gte(from));
        }
        if let Some(to) = self.params.to {
            query = query.filter(observations::Column::FiscalYear.lte(to));
        }
        if cities > JOIN_SOURCES_UP_TO {
            let found = query.all(db).await?;
            let sources = super::sources_by_id(db, found.iter().filter_map(|o| o.source_id))
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            return Ok((found, sources));
        }
        let joined = super::with_sources(query, observations::Column::SourceId)
            .all(db)
            .await?;
        let mut sources: HashMap<i32, sources::Model> = HashMap::new();
        let found = joined
            .into_iter()
            .map(|(o, source)| {
                if let Some(s) = source {
                    sources.entry(s.id).or_insert(s);
                }
                o
            })
            .collect();
        Ok((found, sources))
    }

    /// Builds the rows of `cities` from their observations (ranks not set).
    fn rows(
        &self,
        cities: Vec<municipalities::Model>,
        found: Vec<observations::Model>,
        sources: &HashMap<i32, sources::Model>,
    ) -> Vec<Row> {
        let mut by_city: HashMap<String, Vec<observations::Model>> = HashMap::new();
        for o in found {
            by_city
                .entry(o.municipality_code.clone())
                .or_default()
                .push(o);
        }
        cities
            .into_iter()
            .map(|m| {
                let obs = by_city.remove(&m.code).unwrap_or_default();
                match divisor(self.params.per, &m) {
                    Err(error) => Row {
                        municipality: m,
                        values: Vec::new(),
                        rank: None,
                        error: Some(error),
                    },
                    Ok(divisor) => Row {
                        values: obs
                            .into_iter()
                            .map(|o| YearValue {
                                fiscal_year: o.fiscal_year,
                                value: o.value / divisor,
                                raw_value: o.value,
                                approximate: o.approximate,
                                label_ja: o.label_ja,
                                note: o.note,
                                source: o.source_id.and_then(|id| sources.get(&id).cloned()),
                            })
                            .collect(),
                        municipality: m,
                        rank: None,
                        error: None,
                    },
                }
            })
            .collect()
    }

    /// Every row with all its values in the range: what `rows`, the exports and the chart
    /// show.
    pub async fn all(&self, db: &DatabaseConnection) -> AppResult<Comparison> {
        // Every city in scope: no list of 1,741 codes to bind and match.
        let codes = self
            .scoped()
            .then(|| self.cities.iter().map(|m| m.code.clone()).collect());
        let (found, sources) = self.observations(db, codes).await?;
        Ok(self.ranked(found, &sources))
    }

    /// The comparison of [`Prepared::all`] from its cities' observations and their sources.
    fn ranked(
        &self,
        found: Vec<observations::Model>,
        sources: &HashMap<i32, sources::Model>,
    ) -> Comparison {
        let mut rows = self.rows(self.cities.clone(), found, sources);
        let ranks = rank(
            &rows
                .iter()
                .map(|r| r.latest().map(|v| v.value))
                .collect::<Vec<_>>(),
        );
        for (row, rank) in rows.iter_mut().zip(ranks) {
            row.rank = rank;
        }
        rows.sort_by(|a, b| {
            row_order(
                (a.rank, &a.municipality.code),
                (b.rank, &b.municipality.code),
            )
        });
        let mut fiscal_years: Vec<i32> = rows
            .iter()
            .flat_map(|r| r.values.iter().map(|v| v.fiscal_year))
            .collect();
        fiscal_years.sort_unstable();
        fiscal_years.dedup();
        Comparison {
            metric: self.metric.clone(),
            per: self.params.per,
            fiscal_years,
            rows,
        }
    }

    /// `limit` rows from `offset`, in the order of [`Prepared::all`] and with the same ranks,
    /// values and latest values. Without a range the ranks come from the latest values kept
    /// ready ([`crate::read::latest`]: one small row per city), and only the page's cities'
    /// values are read; a range moves "latest" to the newest year inside it, which the
    /// ready table does not hold, so a ranged page is cut from the whole comparison.
    pub async fn page(
        &self,
        db: &DatabaseConnection,
        offset: usize,
        limit: usize,
    ) -> AppResult<Page> {
        let total = self.cities.len();
        let offset = offset.min(total);
        if self.params.from.is_some() || self.params.to.is_some() {
            let rows = self
                .all(db)
                .await?
                .rows
                .into_iter()
                .skip(offset)
                .take(limit)
                .collect();
            return Ok(Page {
                total,
                offset,
                rows,
            });
        }
        let codes: Option<Vec<String>> = self
            .scoped()
            .then(|| self.cities.iter().map(|m| m.code.clone()).collect());
        let latest: HashMap<String, f64> =
            crate::read::latest::of_metric(db, &self.metric.code, codes.as_deref())
                .await?
                .into_iter()
                .map(|(code, _, value)| (code, value))
                .collect();
        // The latest value as `all` computes it: normalised the same way, none for a city
        // that cannot be normalised.
        let values: Vec<Option<f64>> = self
            .cities
            .iter()
            .map(|m| {
                let divisor = divisor(self.params.per, m).ok()?;
                latest.get(&m.code).map(|v| v / divisor)
            })
            .collect();
        let mut order: Vec<(usize, Option<i32>)> = rank(&values).into_iter().enumerate().collect();
        order.sort_by(|a, b| {
            row_order((a.1, &self.cities[a.0].code), (b.1, &self.cities[b.0].code))
        });
        let page: Vec<(usize, Option<i32>)> = order.into_iter().skip(offset).take(limit).collect();
        let wanted: Vec<String> = page
            .iter()
            .filter(|(_, rank)| rank.is_some())
            .map(|(i, _)| self.cities[*i].code.clone())
            .collect();
        let (found, sources) = if wanted.is_empty() {
            (Vec::new(), HashMap::new())
        } else {
            self.observations(db, Some(wanted)).await?
        };
        let cities = page.iter().map(|(i, _)| self.cities[*i].clone()).collect();
        let mut rows = self.rows(cities, found, &sources);
        for (row, (_, rank)) in rows.iter_mut().zip(&page) {
            row.rank = *rank;
        }
        Ok(Page {
            total,
            offset,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::rank;

    #[test]
    fn ties_share_a_rank_and_missing_values_stay_unranked() {
        assert_eq!(
            rank(&[Some(10.0), Some(30.0), None, Some(10.0), Some(5.0)]),
            [Some(2), Some(1), None, Some(2), Some(4)]
        );
        assert_eq!(rank(&[None, None]), [None, None]);
    }

    #[test]
    fn a_rank_is_one_more_than_the_values_above_it() {
        // Many ties, zeros of both signs and gaps, against the definition itself.
        let values: Vec<Option<f64>> = (0..500_i32)
            .map(|i| (i % 7 != 3).then(|| f64::from((i * 37) % 23) - 11.0))
            .chain([Some(0.0), Some(-0.0)])
            .collect();
        let expected: Vec<Option<i32>> = values
            .iter()
            .map(|v| {
                v.map(|v| {
                    let above = values.iter().flatten().filter(|o| **o > v).count();
                    i32::try_from(above).expect("small") + 1
                })
            })
            .collect();
        assert_eq!(rank(&values), expected);
    }
}
