//! 市区町村: the municipality, the root every city's records hang off, and its prefecture.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, SimpleObject};
use entity::*;

use super::body::{Body, Meeting};
use super::indicator::{Indicator, Observation};
use super::ordinance::Ordinance;
use super::plan::Plan;
use super::program::Program;
use super::region::Region;
use super::source::Source;
use super::source_of;
use super::support_center::SupportCenter;
use crate::domain::ProgramKind;
use crate::domain::codes;
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::children;
use crate::graphql::pagination::{TotalCount, paginate};
use crate::graphql::scalars::{Date, FiscalYear};
use crate::graphql::{ids, loaders};
use crate::read::plan_tree::Depth;

/// 市区町村: a municipality and everything it published about collaboration.
pub struct Municipality(pub municipalities::Model);

#[Object]
impl Municipality {
    pub(super) async fn id(&self) -> ID {
        ids::encode("Municipality", &self.0.code)
    }
    /// 全国地方公共団体コード: 6 digits including the check digit, e.g. "352063".
    async fn code(&self) -> ID {
        ID(self.0.code.clone())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    async fn name_kana(&self) -> Option<&str> {
        self.0.name_kana.as_deref()
    }
    async fn prefecture(&self) -> AppResult<Prefecture> {
        codes::prefecture(&self.0.prefecture_code)
            .map(Prefecture::from)
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "unknown prefecture {}",
                    self.0.prefecture_code
                ))
            })
    }
    /// Population at the census of `populationYear`.
    async fn population(&self) -> Option<i32> {
        self.0.population
    }
    async fn population_year(&self) -> Option<i32> {
        self.0.population_year
    }
    /// Where the population figure comes from (the census).
    async fn population_source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.population_source_id).await
    }
    /// Regions this municipality belongs to.
    async fn regions(&self, ctx: &Context<'_>) -> AppResult<Vec<Region>> {
        let l = loaders(ctx);
        let memberships = children(&l.region_memberships, self.0.code.clone()).await?;
        let found = l
            .region
            .load_many(memberships.iter().map(|m| m.region_id))
            .await?;
        let mut out: Vec<Region> = found.into_values().flatten().map(Region).collect();
        out.sort_by(|a, b| a.0.slug.cmp(&b.0.slug));
        Ok(out)
    }
    /// Documents the municipality's records were transcribed from.
    async fn sources(&self, ctx: &Context<'_>) -> AppResult<Vec<Source>> {
        Ok(
            children(&loaders(ctx).sources_of_municipality, self.0.code.clone())
                .await?
                .into_iter()
                .map(Source)
                .collect(),
        )
    }
    /// 条例: ordinances on collaboration, with the articles the documents quote.
    async fn ordinances(&self, ctx: &Context<'_>) -> AppResult<Vec<Ordinance>> {
        Ok(children(
            &loaders(ctx).ordinances_of_municipality,
            self.0.code.clone(),
        )
        .await?
        .into_iter()
        .map(Ordinance)
        .collect())
    }
    /// 計画: collaboration plans.
    async fn plans(&self, ctx: &Context<'_>) -> AppResult<Vec<Plan>> {
        // Read with the tree below them, as deep as the query asks (crate::read::plan_tree).
        let key = (self.0.code.clone(), plan_depth(ctx));
        let Some(tree) = loaders(ctx).plan_trees.load_one(key).await? else {
            return Ok(Vec::new());
        };
        Ok(tree
            .plans
            .get(&self.0.code)
            .into_iter()
            .flatten()
            .map(|plan| Plan(plan.clone(), Some(tree.clone())))
            .collect())
    }
    /// 成果指標: outcome indicators of the municipality's plans.
    async fn indicators(&self, ctx: &Context<'_>) -> AppResult<Vec<Indicator>> {
        Ok(children(
            &loaders(ctx).indicators_of_municipality,
            self.0.code.clone(),
        )
        .await?
        .into_iter()
        .map(Indicator::new)
        .collect())
    }
    /// Values of the shared metric catalogue, by fiscal year; `metric` is a catalogue code such
    /// as `promotion_officers`.
    async fn observations(
        &self,
        ctx: &Context<'_>,
        metric: Option<String>,
        from: Option<FiscalYear>,
        to: Option<FiscalYear>,
    ) -> AppResult<Vec<Observation>> {
        let rows = children(
            &loaders(ctx).observations_of_municipality,
            self.0.code.clone(),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter(|o| metric.as_ref().is_none_or(|m| &o.metric_code == m))
            .filter(|o| from.is_none_or(|f| o.fiscal_year >= f.0))
            .filter(|o| to.is_none_or(|t| o.fiscal_year <= t.0))
            .map(Observation)
            .collect())
    }
    /// 事業: programmes (proposal schemes, training, forums …), in the document's order; pages
    /// of `first` (1–100, default 20).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn programs(
        &self,
        ctx: &Context<'_>,
        kind: Option<ProgramKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<String, Program, TotalCount>> {
        let rows = children(&loaders(ctx).programs_of_municipality, self.0.code.clone()).await?;
        let rows: Vec<programs::Model> = rows
            .into_iter()
            .filter(|p| kind.is_none_or(|k| p.kind == k.as_str()))
            .collect();
        paginate(rows, first, after, Program)
    }
    /// 推進体制: headquarters, councils, committees, staff networks, with their meetings.
    async fn bodies(&self, ctx: &Context<'_>) -> AppResult<Vec<Body>> {
        Ok(
            children(&loaders(ctx).bodies_of_municipality, self.0.code.clone())
                .await?
                .into_iter()
                .map(Body)
                .collect(),
        )
    }
    /// Meetings of all the municipality's bodies, optionally within dates (inclusive). A meeting
    /// known only by month is compared by its first day.
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> AppResult<Vec<Meeting>> {
        let rows = children(&loaders(ctx).meetings_of_municipality, self.0.code.clone()).await?;
        let from = from.map(|d| d.0.format("%Y-%m-%d").to_string());
        let to = to.map(|d| d.0.format("%Y-%m-%d").to_string());
        Ok(rows
            .into_iter()
            .filter(|m| {
                let Some(date) = m.date.as_deref() else {
                    return from.is_none() && to.is_none();
                };
                let start = match date.len() {
                    4 => format!("{date}-01-01"),
                    7 => format!("{date}-01"),
                    _ => date.to_owned(),
                };
                from.as_ref().is_none_or(|f| &start >= f) && to.as_ref().is_none_or(|t| &start <= t)
            })
            .map(Meeting)
            .collect())
    }
    /// 市民活動支援センター: civic activity support centres.
    async fn support_centers(&self, ctx: &Context<'_>) -> AppResult<Vec<SupportCenter>> {
        Ok(children(
            &loaders(ctx).support_centers_of_municipality,
            self.0.code.clone(),
        )
        .await?
        .into_iter()
        .map(SupportCenter)
        .collect())
    }
}

/// 都道府県: a prefecture.
#[derive(SimpleObject, Clone)]
pub struct Prefecture {
    /// JIS X 0401 code, e.g. "35"
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

impl From<&codes::Prefecture> for Prefecture {
    fn from(p: &codes::Prefecture) -> Self {
        Prefecture {
            code: p.code.to_owned(),
            name_ja: p.name_ja.to_owned(),
            name_en: p.name_en.to_owned(),
        }
    }
}

/// How deep below `plans` this field's selection reaches.
fn plan_depth(ctx: &Context<'_>) -> Depth {
    let policies = ctx.look_ahead().field("policies");
    let measures = policies.field("measures");
    let items = measures.field("items");
    if items.field("schedule").exists() {
        Depth::Schedule
    } else if items.exists() {
        Depth::Items
    } else if measures.exists() {
        Depth::Measures
    } else if policies.exists() {
        Depth::Policies
    } else {
        Depth::Plans
    }
}
