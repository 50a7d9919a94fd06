//! Questions across cities: `compare`, `indicatorProgress`, `activityStats` and `search`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};

use crate::domain::ProgramKind;
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::one;
use crate::graphql::pagination::{TotalCount, connection, page_window};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::body::{Body, Meeting};
use crate::graphql::types::indicator::{Indicator, Metric, Observation, Preloaded};
use crate::graphql::types::municipality::Municipality;
use crate::graphql::types::node::Node;
use crate::graphql::types::ordinance::Ordinance;
use crate::graphql::types::plan::{Measure, Plan, PlanItem, PlanSection, Policy};
use crate::graphql::types::program::{Activity, Program, Proposal};
use crate::graphql::types::source::Source;
use crate::graphql::types::support_center::SupportCenter;
use crate::graphql::{catalogue, db, loaders};
use crate::read::compare::{self, CompareParams, Normalization};
use crate::read::search;
use crate::read::stats::{self, ProgressColumns, ProgressOrder, StatGroup};
use entity::{observations, proposals};
use sea_orm::EntityTrait;

fn codes(ids: Option<Vec<ID>>) -> Option<Vec<String>> {
    ids.map(|ids| ids.into_iter().map(|id| id.0).collect())
}

#[derive(Default)]
pub struct CrossCityQuery;

#[Object]
impl CrossCityQuery {
    /// A catalogue metric side by side: one row per municipality (all of them, the listed
    /// codes, or a region's members in the hub), each with its values by fiscal year, its
    /// latest value and its rank. Cities without data are listed, unranked.
    #[allow(clippy::too_many_arguments)]
    async fn compare(
        &self,
        ctx: &Context<'_>,
        metric: String,
        municipalities: Option<Vec<ID>>,
        region: Option<String>,
        from: Option<FiscalYear>,
        to: Option<FiscalYear>,
        #[graphql(default_with = "Some(Normalization::None)")] per: Option<Normalization>,
    ) -> AppResult<Comparison> {
        let params = CompareParams {
            metric,
            municipalities: codes(municipalities),
            region,
            from: from.map(|y| y.0),
            to: to.map(|y| y.0),
            per: per.unwrap_or_default(),
        };
        let wanted = ctx.look_ahead();
        let rows = wanted.field("rows").exists() || wanted.field("fiscalYears").exists();
        if rows
            && !wanted.field("rowsConnection").exists()
            && compare::few_cities(catalogue(ctx), &params)
        {
            // Every row of a few cities: cities, values and sources in one statement.
            let (prepared, all) = compare::joined(db(ctx), catalogue(ctx), &params).await?;
            return Ok(Comparison {
                prepared,
                all: tokio::sync::OnceCell::new_with(Some(all)),
            });
        }
        Ok(Comparison {
            prepared: compare::prepare(db(ctx), catalogue(ctx), &params).await?,
            all: tokio::sync::OnceCell::new(),
        })
    }

    /// Each municipality's plan indicators with baseline, latest value, target and progress,
    /// ordered by progress (indicators that cannot be measured yet come last).
    async fn indicator_progress(
        &self,
        ctx: &Context<'_>,
        municipalities: Option<Vec<ID>>,
        region: Option<String>,
        #[graphql(default_with = "Some(ProgressOrder::ProgressDesc)")] order: Option<ProgressOrder>,
    ) -> AppResult<Vec<Indicator>> {
        let codes = codes(municipalities);
        let order = order.unwrap_or_default();
        // Text the selection does not ask for is not read (fragments count, aliases do not
        // hide a field; a field under @skip is read anyway).
        let wanted = ctx.look_ahead();
        let columns = ProgressColumns {
            note: wanted.field("note").exists(),
            value_text: ["baseline", "targets", "observations", "latest"]
                .iter()
                .map(|field| wanted.field(field))
                .any(|value| value.field("labelJa").exists() || value.field("note").exists()),
        };
        let list =
            stats::indicator_progress(db(ctx), codes.as_deref(), region.as_deref(), order, columns)
                .await?;
        Ok(list
            .into_iter()
            .map(|p| {
                Indicator(
                    p.indicator,
                    Preloaded {
                        values: Some(std::sync::Arc::new(p.values)),
                        municipality: Some(p.municipality),
                        source: Some(p.source),
                    },
                )
            })
            .collect())
    }

    /// Sessions and participants of programme activities, summed by the database over the
    /// chosen groups (none: one grand total). `from`/`to` keep activities whose fiscal years
    /// overlap the range: a span such as FY2011–FY2015 is counted whole in any range that
    /// touches it, and by FISCAL_YEAR it is a row of its own. A total that includes an
    /// approximate (約) participant count says so (`approximate`, `approximateParts`).
    async fn activity_stats(
        &self,
        ctx: &Context<'_>,
        municipalities: Option<Vec<ID>>,
        region: Option<String>,
        from: Option<FiscalYear>,
        to: Option<FiscalYear>,
        group_by: Vec<StatGroup>,
    ) -> AppResult<Vec<ActivityStat>> {
        let codes = codes(municipalities);
        let rows = stats::activity_stats(
            db(ctx),
            codes.as_deref(),
            region.as_deref(),
            from.map(|y| y.0),
            to.map(|y| y.0),
            &group_by,
        )
        .await?;
        Ok(rows.into_iter().map(ActivityStat).collect())
    }

    /// Japanese full-text search over every text field the API serves for a city: plans,
    /// their sections, policies (with role divisions), measures and items (with schedule
    /// wording), ordinances and articles, indicators (with their values' notes),
    /// observations, programmes, activities, proposals, bodies, meetings (agendas, notes),
    /// support centres, sources and the city's names. Any
    /// length from one character matches as a substring; results are ranked (matches in a
    /// title count three times) and paged with `first` (1–100, default 20) and `after`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        text: String,
        municipalities: Option<Vec<ID>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<String, SearchResult, TotalCount>> {
        let codes = codes(municipalities);
        if let Some(codes) = &codes {
            compare::scope(db(ctx), Some(codes), None).await?;
        }
        let (offset, limit) = page_window(first, after)?;
        let index = ctx
            .data::<std::sync::Arc<search::engine::SearchIndex>>()
            .map_err(|e| AppError::internal(anyhow::anyhow!(e.message)))?;
        let page =
            search::query::search(db(ctx), index, &text, codes.as_deref(), offset, limit).await?;
        Ok(connection(page.hits, offset, page.total, SearchResult))
    }
}

/// A metric compared across municipalities. The rows are read when asked for: `rows` and
/// `fiscalYears` read every value once between them, `rowsConnection` only its page's.
pub struct Comparison {
    prepared: compare::Prepared,
    all: tokio::sync::OnceCell<compare::Comparison>,
}

impl Comparison {
    async fn all(&self, ctx: &Context<'_>) -> AppResult<&compare::Comparison> {
        self.all
            .get_or_try_init(|| self.prepared.all(db(ctx)))
            .await
    }
}

#[Object]
impl Comparison {
    async fn metric(&self) -> Metric {
        Metric(self.prepared.metric.clone())
    }
    /// How the values are scaled.
    async fn per(&self) -> Normalization {
        self.prepared.params.per
    }
    /// The fiscal years that have a value in some row, ascending: the columns of a table.
    async fn fiscal_years(&self, ctx: &Context<'_>) -> AppResult<Vec<FiscalYear>> {
        Ok(self
            .all(ctx)
            .await?
            .fiscal_years
            .iter()
            .copied()
            .map(FiscalYear)
            .collect())
    }
    /// Ranked rows first (rank, then code), then the rows without data.
    async fn rows(&self, ctx: &Context<'_>) -> AppResult<Vec<ComparisonRow>> {
        Ok(self
            .all(ctx)
            .await?
            .rows
            .iter()
            .cloned()
            .map(ComparisonRow)
            .collect())
    }
    /// 比較表のページ (hikaku-hyō no pēji): the rows of `rows`, in the same order and with the
    /// same ranks (over every municipality in scope, not the page), a page of `first` (1–100,
    /// default 20) after the cursor `after`. A national comparison's page reads only its own
    /// cities' values: without `from`/`to` the ranks come from each city's latest value kept
    /// ready by every write; with them the page is cut from the full comparison.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn rows_connection(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<String, ComparisonRow, TotalCount>> {
        let (offset, limit) = page_window(first, after)?;
        let page = match self.all.get() {
            // `rows` in the same request has read everything already.
            Some(all) => compare::Page {
                total: all.rows.len(),
                offset: offset.min(all.rows.len()),
                rows: all.rows.iter().skip(offset).take(limit).cloned().collect(),
            },
            None => self.prepared.page(db(ctx), offset, limit).await?,
        };
        Ok(connection(
            page.rows,
            page.offset,
            page.total,
            ComparisonRow,
        ))
    }
}

/// One municipality's line of a comparison.
pub struct ComparisonRow(pub compare::Row);

#[Object]
impl ComparisonRow {
    async fn municipality(&self) -> Municipality {
        Municipality(self.0.municipality.clone())
    }
    async fn values(&self) -> Vec<YearValue> {
        self.0.values.iter().cloned().map(YearValue).collect()
    }
    /// The most recent value in the range.
    async fn latest(&self) -> Option<YearValue> {
        self.0.latest().cloned().map(YearValue)
    }
    /// 1 for the highest latest value; ties share a rank; null without data.
    async fn rank(&self) -> Option<i32> {
        self.0.rank
    }
    /// The population values are divided by (`PER_100K_POPULATION`), and its census year.
    async fn population(&self) -> Option<i32> {
        self.0.municipality.population
    }
    async fn population_year(&self) -> Option<i32> {
        self.0.municipality.population_year
    }
    async fn population_source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        match self.0.municipality.population_source_id {
            Some(id) => Ok(one(&loaders(ctx).source, id).await?.map(Source)),
            None => Ok(None),
        }
    }
    /// Why the row has no values, e.g. no population to normalise by.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

/// A value for one fiscal year, with where it comes from.
pub struct YearValue(pub compare::YearValue);

#[Object]
impl YearValue {
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// Normalised when the comparison asks for it.
    async fn value(&self) -> f64 {
        self.0.value
    }
    /// As the city reported it.
    async fn raw_value(&self) -> f64 {
        self.0.raw_value
    }
    /// The document says 約 (about).
    async fn approximate(&self) -> bool {
        self.0.approximate
    }
    async fn label_ja(&self) -> Option<&str> {
        self.0.label_ja.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn source(&self) -> Option<Source> {
        self.0.source.clone().map(Source)
    }
}

/// Activity totals over one group; the fields not grouped by are null.
pub struct ActivityStat(pub stats::ActivityTotals);

#[Object]
impl ActivityStat {
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Option<Municipality>> {
        match &self.0.municipality_code {
            Some(code) => Ok(one(&loaders(ctx).municipality, code.clone())
                .await?
                .map(Municipality)),
            None => Ok(None),
        }
    }
    /// The group's first fiscal year.
    #[graphql(
        deprecation = "A group may be a span of fiscal years (an activity the document counts over several years): this is its first year only. Use fiscalYearFrom and fiscalYearTo."
    )]
    async fn fiscal_year(&self) -> Option<FiscalYear> {
        self.0.fiscal_year_from.map(FiscalYear)
    }
    /// With FISCAL_YEAR: the group's first fiscal year. Activities the document counts over a
    /// span of years (「H23～27年度 計411名」) form a row of their own, from its first to its
    /// last year, rather than being credited to one year.
    async fn fiscal_year_from(&self) -> Option<FiscalYear> {
        self.0.fiscal_year_from.map(FiscalYear)
    }
    /// With FISCAL_YEAR: the group's last fiscal year (the same as `fiscalYearFrom` for a
    /// single year).
    async fn fiscal_year_to(&self) -> Option<FiscalYear> {
        self.0.fiscal_year_to.map(FiscalYear)
    }
    async fn program_kind(&self) -> Option<ProgramKind> {
        self.0.program_kind
    }
    /// Sessions the documents count.
    async fn sessions(&self) -> AppResult<i32> {
        i32::try_from(self.0.sessions)
            .map_err(|_| AppError::internal(anyhow::anyhow!("sessions overflow")))
    }
    /// Participants the documents count.
    async fn participants(&self) -> AppResult<i32> {
        i32::try_from(self.0.participants)
            .map_err(|_| AppError::internal(anyhow::anyhow!("participants overflow")))
    }
    /// Activities in the group, whether or not they have counts.
    async fn activities(&self) -> AppResult<i32> {
        i32::try_from(self.0.activities)
            .map_err(|_| AppError::internal(anyhow::anyhow!("activities overflow")))
    }
    /// True when `participants` includes an approximate (約) count: the total is then
    /// approximate too.
    async fn approximate(&self) -> bool {
        self.0.approximate_parts > 0
    }
    /// How many of the activities summed into `participants` are approximate (約).
    async fn approximate_parts(&self) -> AppResult<i32> {
        i32::try_from(self.0.approximate_parts)
            .map_err(|_| AppError::internal(anyhow::anyhow!("approximate parts overflow")))
    }
}

/// A record that contains the searched text.
pub struct SearchResult(pub search::query::Hit);

#[Object]
impl SearchResult {
    /// The record's type: PlanItem, PlanSection, Program, Activity, Meeting, Article,
    /// Indicator, Body, SupportCenter, Ordinance, Policy, Measure, Plan, Proposal,
    /// Observation, Source or Municipality. Text served under another record is found as
    /// that record: an agenda as its Meeting, a schedule cell as its PlanItem, a value's note
    /// as its Indicator, a yearly count's note as its Body.
    async fn kind(&self) -> &str {
        &self.0.document.kind
    }
    async fn title(&self) -> &str {
        &self.0.document.title
    }
    /// HTML: the text around the match, escaped, each match in `<mark>`.
    async fn snippet(&self) -> &str {
        &self.0.snippet
    }
    /// Higher is more relevant.
    async fn score(&self) -> f64 {
        self.0.score
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        let code = &self.0.document.municipality_code;
        one(&loaders(ctx).municipality, code.clone())
            .await?
            .map(Municipality)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("municipality {code} vanished")))
    }
    /// The record itself (for an article, its ordinance).
    async fn node(&self, ctx: &Context<'_>) -> AppResult<Option<Node>> {
        let l = loaders(ctx);
        let id = self.0.document.record_id;
        Ok(match self.0.document.kind.as_str() {
            "PlanItem" => one(&l.item, id)
                .await?
                .map(|m| Node::PlanItem(PlanItem::new(m))),
            "PlanSection" => one(&l.section, id)
                .await?
                .map(|m| Node::PlanSection(PlanSection(m))),
            "Program" => one(&l.program, id)
                .await?
                .map(|m| Node::Program(Program(m))),
            "Activity" => one(&l.activity, id)
                .await?
                .map(|m| Node::Activity(Activity(m))),
            "Meeting" => one(&l.meeting, id)
                .await?
                .map(|m| Node::Meeting(Meeting(m))),
            "Article" => match one(&l.article, id).await? {
                Some(a) => one(&l.ordinance, a.ordinance_id)
                    .await?
                    .map(|m| Node::Ordinance(Ordinance(m))),
                None => None,
            },
            "Indicator" => one(&l.indicator, id)
                .await?
                .map(|m| Node::Indicator(Indicator::new(m))),
            "Body" => one(&l.body, id).await?.map(|m| Node::Body(Body(m))),
            "SupportCenter" => one(&l.support_center, id)
                .await?
                .map(|m| Node::SupportCenter(SupportCenter(m))),
            "Ordinance" => one(&l.ordinance, id)
                .await?
                .map(|m| Node::Ordinance(Ordinance(m))),
            "Plan" => one(&l.plan, id).await?.map(|m| Node::Plan(Plan::new(m))),
            "Policy" => one(&l.policy, id)
                .await?
                .map(|m| Node::Policy(Policy::new(m))),
            "Measure" => one(&l.measure, id)
                .await?
                .map(|m| Node::Measure(Measure::new(m))),
            "Source" => one(&l.source, id).await?.map(|m| Node::Source(Source(m))),
            "Proposal" => proposals::Entity::find_by_id(id)
                .one(db(ctx))
                .await?
                .map(|m| Node::Proposal(Proposal(m))),
            "Observation" => observations::Entity::find_by_id(id)
                .one(db(ctx))
                .await?
                .map(|m| Node::Observation(Observation(m))),
            "Municipality" => one(&l.municipality, self.0.document.municipality_code.clone())
                .await?
                .map(|m| Node::Municipality(Municipality(m))),
            _ => None,
        })
    }
}
