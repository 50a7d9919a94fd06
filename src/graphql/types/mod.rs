//! The object types of the public API, each a thin wrapper around its sea-orm model. Nested
//! fields go through [`Loaders`], never a query of their own.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Interface, Object, SimpleObject};
use serde::de::DeserializeOwned;

use super::loaders::{children, children_as, one};
use super::scalars::{Date, FiscalYear};
use super::{ids, loaders};
use crate::domain::codes;
use crate::domain::fiscal_year::{Era, FiscalYearInfo};
use crate::domain::{
    ActorType, BodyKind, IndicatorValueKind, ManagementModel, MeetingFormat, ProgramKind,
    ProposalStage, ProposalTrack, RegionKind, SchedulePhase, SectionKind, Unit,
};
use crate::error::{AppError, AppResult};
use entity::*;

/// Decodes a JSON list column; the importer wrote it, so a failure is a defect, not input.
fn list<T: DeserializeOwned>(text: &str) -> AppResult<Vec<T>> {
    serde_json::from_str(text)
        .map_err(|e| AppError::internal(anyhow::anyhow!("corrupt list column: {e}")))
}

/// Reads an enum column written by the importer.
fn vocab<T: std::str::FromStr<Err = String>>(text: &str) -> AppResult<T> {
    text.parse()
        .map_err(|e: String| AppError::internal(anyhow::anyhow!(e)))
}

async fn source_of(ctx: &Context<'_>, id: Option<i32>) -> AppResult<Option<Source>> {
    match id {
        Some(id) => Ok(one(&loaders(ctx).source, id).await?.map(Source)),
        None => Ok(None),
    }
}

async fn municipality_of(ctx: &Context<'_>, code: &str) -> AppResult<Municipality> {
    one(&loaders(ctx).municipality, code.to_owned())
        .await?
        .map(Municipality)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("municipality {code} vanished")))
}

/// Anything with a global ID, for `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Municipality(Municipality),
    Region(Region),
    Source(Source),
    Ordinance(Ordinance),
    Plan(Plan),
    PlanSection(PlanSection),
    Policy(Policy),
    Measure(Measure),
    PlanItem(PlanItem),
    Indicator(Indicator),
    Observation(Observation),
    Program(Program),
    Activity(Activity),
    Proposal(Proposal),
    Body(Body),
    Meeting(Meeting),
    SupportCenter(SupportCenter),
}

// ---------------------------------------------------------------------------------------------

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

/// 年度: a fiscal year with its Japanese name.
#[derive(SimpleObject)]
#[graphql(name = "FiscalYearInfo")]
pub struct FiscalYearDetails {
    /// The Western year the fiscal year starts in (April).
    pub year: FiscalYear,
    /// e.g. 平成29年度, 令和元年度
    pub label_ja: String,
    pub era: EraName,
    /// The year within the era (元年 = 1).
    pub era_year: i32,
}

/// 元号: a Japanese era.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Era")]
pub enum EraName {
    /// 昭和
    Showa,
    /// 平成
    Heisei,
    /// 令和
    Reiwa,
}

impl From<FiscalYearInfo> for FiscalYearDetails {
    fn from(info: FiscalYearInfo) -> Self {
        FiscalYearDetails {
            year: FiscalYear(info.year),
            label_ja: info.label_ja,
            era: match info.era {
                Era::Showa => EraName::Showa,
                Era::Heisei => EraName::Heisei,
                Era::Reiwa => EraName::Reiwa,
            },
            era_year: info.era_year,
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// 市区町村: a municipality and everything it published about collaboration.
pub struct Municipality(pub municipalities::Model);

#[Object]
impl Municipality {
    async fn id(&self) -> ID {
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
        Ok(
            children(&loaders(ctx).plans_of_municipality, self.0.code.clone())
                .await?
                .into_iter()
                .map(Plan)
                .collect(),
        )
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

/// Extra fields of a connection.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// Number of nodes across all pages.
    pub total_count: usize,
}

/// Largest page a connection returns.
pub const MAX_PAGE: i32 = 100;
const DEFAULT_PAGE: i32 = 20;

fn cursor(offset: usize) -> String {
    ids::encode("cursor", offset).0
}

/// The offset and size of the page `first`/`after` ask for; cursors are opaque offsets.
pub fn page_window(first: Option<i32>, after: Option<String>) -> AppResult<(usize, usize)> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(AppError::BadInput(format!(
            "first must be between 1 and {MAX_PAGE}, got {first}"
        )));
    }
    let start = match after {
        None => 0,
        Some(c) => match ids::decode(&c) {
            Some((kind, n)) if kind == "cursor" => {
                n.parse::<usize>().map(|n| n + 1).map_err(|_| {
                    AppError::BadInput(format!("after: {c:?} is not a cursor of this list"))
                })?
            }
            _ => {
                return Err(AppError::BadInput(format!(
                    "after: {c:?} is not a cursor of this list"
                )));
            }
        },
    };
    Ok((start, usize::try_from(first).unwrap_or(1)))
}

/// A connection over one page that starts at `offset` of `total` nodes.
pub fn connection<M, N: async_graphql::OutputType>(
    page: Vec<M>,
    offset: usize,
    total: usize,
    node: impl Fn(M) -> N,
) -> Connection<String, N, TotalCount> {
    let end = offset + page.len();
    let mut conn = Connection::with_additional_fields(
        offset > 0,
        end < total,
        TotalCount { total_count: total },
    );
    conn.edges.extend(
        page.into_iter()
            .enumerate()
            .map(|(i, r)| Edge::new(cursor(offset + i), node(r))),
    );
    conn
}

/// Pages an ordered list held in memory with `first`/`after`.
pub fn paginate<M, N: async_graphql::OutputType>(
    rows: Vec<M>,
    first: Option<i32>,
    after: Option<String>,
    node: impl Fn(M) -> N,
) -> AppResult<Connection<String, N, TotalCount>> {
    let (start, size) = page_window(first, after)?;
    let total = rows.len();
    let page: Vec<M> = rows.into_iter().skip(start).take(size).collect();
    Ok(connection(page, start.min(total), total, node))
}

// ---------------------------------------------------------------------------------------------

/// 地域: a prefecture, liaison area or partnership of municipalities.
pub struct Region(pub regions::Model);

/// A member of a region. Members not yet in the hub are listed by code and name.
pub struct RegionMember(pub region_members::Model);

#[Object]
impl Region {
    async fn id(&self) -> ID {
        ids::encode("Region", self.0.id)
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
    async fn kind(&self) -> AppResult<RegionKind> {
        vocab(&self.0.kind)
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        let (Some(code), Some(key)) = (&self.0.source_municipality_code, &self.0.source_key) else {
            return Ok(None);
        };
        let sources = children(&loaders(ctx).sources_of_municipality, code.clone()).await?;
        Ok(sources.into_iter().find(|s| &s.key == key).map(Source))
    }
    /// Every member the sources name, in the hub or not.
    async fn members(&self, ctx: &Context<'_>) -> AppResult<Vec<RegionMember>> {
        children_as(
            &loaders(ctx).region_members_of_region,
            self.0.id,
            RegionMember,
        )
        .await
    }
    /// The members that are in the hub.
    async fn municipalities(&self, ctx: &Context<'_>) -> AppResult<Vec<Municipality>> {
        let l = loaders(ctx);
        let members = children(&l.region_members_of_region, self.0.id).await?;
        let found = l
            .municipality
            .load_many(members.iter().map(|m| m.member_code.clone()))
            .await?;
        let mut out = Vec::new();
        for m in members {
            if let Some(rows) = found.get(&m.member_code) {
                out.extend(rows.iter().cloned().map(Municipality));
            }
        }
        Ok(out)
    }
}

#[Object]
impl RegionMember {
    /// 全国地方公共団体コード
    async fn code(&self) -> ID {
        ID(self.0.member_code.clone())
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// The municipality, when the hub has its data.
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Option<Municipality>> {
        Ok(one(&loaders(ctx).municipality, self.0.member_code.clone())
            .await?
            .map(Municipality))
    }
}

/// 出典: the document a record was transcribed from.
pub struct Source(pub sources::Model);

#[Object]
impl Source {
    async fn id(&self) -> ID {
        ids::encode("Source", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn publisher(&self) -> Option<&str> {
        self.0.publisher.as_deref()
    }
    /// As precise as known: YYYY, YYYY-MM or YYYY-MM-DD.
    async fn published(&self) -> Option<&str> {
        self.0.published.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// The text extract the record was transcribed from.
    async fn document(&self) -> Option<&str> {
        self.0.document.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

// ---------------------------------------------------------------------------------------------

/// 条例: an ordinance.
pub struct Ordinance(pub ordinances::Model);

/// 条: an article, as quoted by the source.
pub struct Article(pub ordinance_articles::Model);

#[Object]
impl Ordinance {
    async fn id(&self) -> ID {
        ids::encode("Ordinance", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// As precise as known: YYYY, YYYY-MM or YYYY-MM-DD.
    async fn enacted(&self) -> Option<&str> {
        self.0.enacted.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The articles the source quotes (not necessarily all of the ordinance).
    async fn articles(&self, ctx: &Context<'_>) -> AppResult<Vec<Article>> {
        children_as(&loaders(ctx).articles_of_ordinance, self.0.id, Article).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[Object]
impl Article {
    /// 第N条
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// 章, e.g. 第4章
    async fn chapter(&self) -> Option<&str> {
        self.0.chapter.as_deref()
    }
    /// The caption, e.g. 協働の推進
    async fn heading(&self) -> Option<&str> {
        self.0.heading.as_deref()
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// What the source reports about the article's implementation (取組み状況).
    async fn commentary(&self) -> Option<&str> {
        self.0.commentary.as_deref()
    }
}

// ---------------------------------------------------------------------------------------------

/// 計画: a collaboration plan.
pub struct Plan(pub plans::Model);

#[Object]
impl Plan {
    async fn id(&self) -> ID {
        ids::encode("Plan", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }
    async fn published(&self) -> Option<&str> {
        self.0.published.as_deref()
    }
    /// 計画期間 start.
    async fn period_start(&self) -> Option<FiscalYear> {
        self.0.period_start.map(FiscalYear)
    }
    async fn period_end(&self) -> Option<FiscalYear> {
        self.0.period_end.map(FiscalYear)
    }
    /// 実行計画 (action plan) start.
    async fn action_plan_start(&self) -> Option<FiscalYear> {
        self.0.action_plan_start.map(FiscalYear)
    }
    async fn action_plan_end(&self) -> Option<FiscalYear> {
        self.0.action_plan_end.map(FiscalYear)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The plan's prose, section by section.
    async fn sections(
        &self,
        ctx: &Context<'_>,
        kind: Option<SectionKind>,
    ) -> AppResult<Vec<PlanSection>> {
        let rows = children(&loaders(ctx).sections_of_plan, self.0.id).await?;
        Ok(rows
            .into_iter()
            .filter(|s| kind.is_none_or(|k| s.kind == k.as_str()))
            .map(PlanSection)
            .collect())
    }
    /// 推進方針
    async fn policies(&self, ctx: &Context<'_>) -> AppResult<Vec<Policy>> {
        children_as(&loaders(ctx).policies_of_plan, self.0.id, Policy).await
    }
    /// Every item of the plan, across policies and measures.
    async fn items(&self, ctx: &Context<'_>) -> AppResult<Vec<PlanItem>> {
        children_as(&loaders(ctx).items_of_plan, self.0.id, PlanItem).await
    }
    /// The plan's outcome indicators.
    async fn indicators(&self, ctx: &Context<'_>) -> AppResult<Vec<Indicator>> {
        children_as(&loaders(ctx).indicators_of_plan, self.0.id, Indicator::new).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

/// A prose section of a plan.
pub struct PlanSection(pub plan_sections::Model);

#[Object]
impl PlanSection {
    async fn id(&self) -> ID {
        ids::encode("PlanSection", self.0.id)
    }
    async fn kind(&self) -> AppResult<SectionKind> {
        vocab(&self.0.kind)
    }
    /// The document's numbering, e.g. 第3章 1 (5)
    async fn number(&self) -> Option<&str> {
        self.0.number.as_deref()
    }
    async fn heading(&self) -> &str {
        &self.0.heading
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
}

/// 推進方針: a policy of a plan.
pub struct Policy(pub policies::Model);

/// 役割区分: what a group of actors does under a policy.
pub struct PolicyRole(pub policy_roles::Model);

#[Object]
impl Policy {
    async fn id(&self) -> ID {
        ids::encode("Policy", self.0.id)
    }
    /// As printed, e.g. "I"
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 推進施策
    async fn measures(&self, ctx: &Context<'_>) -> AppResult<Vec<Measure>> {
        children_as(&loaders(ctx).measures_of_policy, self.0.id, Measure).await
    }
    async fn roles(&self, ctx: &Context<'_>) -> AppResult<Vec<PolicyRole>> {
        children_as(&loaders(ctx).roles_of_policy, self.0.id, PolicyRole).await
    }
    /// Indicators that measure this policy.
    async fn indicators(&self, ctx: &Context<'_>) -> AppResult<Vec<Indicator>> {
        children_as(
            &loaders(ctx).indicators_of_policy,
            self.0.id,
            Indicator::new,
        )
        .await
    }
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        Ok(one(&loaders(ctx).plan, self.0.plan_id).await?.map(Plan))
    }
}

#[Object]
impl PolicyRole {
    /// The actor column as printed, e.g. 市民・市民活動団体
    async fn actor_ja(&self) -> &str {
        &self.0.actor_ja
    }
    async fn actors(&self) -> AppResult<Vec<ActorType>> {
        list(&self.0.actors)
    }
    async fn items(&self) -> AppResult<Vec<String>> {
        list(&self.0.items)
    }
}

/// 推進施策: a measure under a policy.
pub struct Measure(pub measures::Model);

#[Object]
impl Measure {
    async fn id(&self) -> ID {
        ids::encode("Measure", self.0.id)
    }
    /// As printed, e.g. "(1)"
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 推進項目
    async fn items(&self, ctx: &Context<'_>) -> AppResult<Vec<PlanItem>> {
        children_as(&loaders(ctx).items_of_measure, self.0.id, PlanItem).await
    }
    async fn policy(&self, ctx: &Context<'_>) -> AppResult<Option<Policy>> {
        Ok(one(&loaders(ctx).policy, self.0.policy_id)
            .await?
            .map(Policy))
    }
}

/// 推進項目: an item of a plan, with its yearly schedule.
pub struct PlanItem(pub plan_items::Model);

#[Object]
impl PlanItem {
    async fn id(&self) -> ID {
        ids::encode("PlanItem", self.0.id)
    }
    /// 整理番号, e.g. "I-(2)-④"
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 【…】 tags other than 再掲, e.g. 行政改革大綱推進計画
    async fn tags(&self) -> AppResult<Vec<String>> {
        list(&self.0.tags)
    }
    /// 【再掲】: the item repeats one listed elsewhere in the plan.
    async fn is_repost(&self) -> bool {
        self.0.repost_of_id.is_some()
    }
    /// The original of a repost.
    async fn repost_of(&self, ctx: &Context<'_>) -> AppResult<Option<PlanItem>> {
        match self.0.repost_of_id {
            Some(id) => Ok(one(&loaders(ctx).item, id).await?.map(PlanItem)),
            None => Ok(None),
        }
    }
    /// Items elsewhere in the plan that repeat this one.
    async fn reposts(&self, ctx: &Context<'_>) -> AppResult<Vec<PlanItem>> {
        children_as(&loaders(ctx).reposts_of_item, self.0.id, PlanItem).await
    }
    /// 担当課
    async fn departments(&self) -> AppResult<Vec<String>> {
        list(&self.0.departments)
    }
    /// 実施主体
    async fn implementers(&self) -> AppResult<Vec<ActorType>> {
        list(&self.0.implementers)
    }
    /// 実施主体 as printed.
    async fn implementers_ja(&self) -> Option<&str> {
        self.0.implementers_ja.as_deref()
    }
    /// 推進項目対象
    async fn targets(&self) -> AppResult<Vec<ActorType>> {
        list(&self.0.targets)
    }
    async fn targets_note(&self) -> Option<&str> {
        self.0.targets_note.as_deref()
    }
    /// 目的
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    /// 現状と課題
    async fn current_state(&self) -> Option<&str> {
        self.0.current_state.as_deref()
    }
    /// 推進内容
    async fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    /// 完了の目安
    async fn completion_criterion(&self) -> Option<&str> {
        self.0.completion_criterion.as_deref()
    }
    /// 年次計画
    async fn schedule(&self, ctx: &Context<'_>) -> AppResult<Vec<ScheduleEntry>> {
        children_as(&loaders(ctx).schedule_of_item, self.0.id, ScheduleEntry).await
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn measure(&self, ctx: &Context<'_>) -> AppResult<Option<Measure>> {
        Ok(one(&loaders(ctx).measure, self.0.measure_id)
            .await?
            .map(Measure))
    }
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        Ok(one(&loaders(ctx).plan, self.0.plan_id).await?.map(Plan))
    }
}

/// 年次計画: what an item plans for one fiscal year.
pub struct ScheduleEntry(pub schedule_entries::Model);

#[Object]
impl ScheduleEntry {
    async fn id(&self) -> ID {
        ids::encode("ScheduleEntry", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    async fn phase(&self) -> AppResult<SchedulePhase> {
        vocab(&self.0.phase)
    }
    /// The cell as printed, e.g. 検討, 実施, →
    async fn label_ja(&self) -> &str {
        &self.0.label_ja
    }
}

// ---------------------------------------------------------------------------------------------

/// 成果指標 / 数値目標: an outcome indicator with its baseline and targets.
pub struct Indicator(pub indicators::Model, pub Preloaded);

/// What a resolver that built an [`Indicator`] had read already (`indicatorProgress` needs
/// the values and municipalities to order by progress), so nested fields do not read it again.
#[derive(Clone, Debug, Default)]
pub struct Preloaded {
    pub values: Option<Arc<Vec<indicator_values::Model>>>,
    pub municipality: Option<Arc<municipalities::Model>>,
}

impl Indicator {
    pub fn new(row: indicators::Model) -> Self {
        Indicator(row, Preloaded::default())
    }

    /// Every value, by fiscal year.
    async fn all_values(&self, ctx: &Context<'_>) -> AppResult<Arc<Vec<indicator_values::Model>>> {
        match &self.1.values {
            Some(values) => Ok(values.clone()),
            None => Ok(Arc::new(
                children(&loaders(ctx).values_of_indicator, self.0.id).await?,
            )),
        }
    }
}

/// One value of an indicator.
pub struct IndicatorValue(pub indicator_values::Model);

impl Indicator {
    async fn values(
        &self,
        ctx: &Context<'_>,
        kind: IndicatorValueKind,
    ) -> AppResult<Vec<indicator_values::Model>> {
        let rows = self.all_values(ctx).await?;
        Ok(rows
            .iter()
            .filter(|v| v.kind == kind.as_str())
            .cloned()
            .collect())
    }
}

#[Object]
impl Indicator {
    async fn id(&self) -> ID {
        ids::encode("Indicator", self.0.id)
    }
    /// As printed, e.g. ①
    async fn number(&self) -> Option<&str> {
        self.0.number.as_deref()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn unit(&self) -> AppResult<Unit> {
        vocab(&self.0.unit)
    }
    /// The catalogue metric this indicator counts, when it is one.
    async fn metric(&self, ctx: &Context<'_>) -> AppResult<Option<Metric>> {
        match &self.0.metric_code {
            Some(code) => Ok(one(&loaders(ctx).metric, code.clone()).await?.map(Metric)),
            None => Ok(None),
        }
    }
    /// 現状値
    async fn baseline(&self, ctx: &Context<'_>) -> AppResult<Option<IndicatorValue>> {
        Ok(self
            .values(ctx, IndicatorValueKind::Baseline)
            .await?
            .into_iter()
            .next()
            .map(IndicatorValue))
    }
    /// 目標値, by fiscal year.
    async fn targets(&self, ctx: &Context<'_>) -> AppResult<Vec<IndicatorValue>> {
        Ok(self
            .values(ctx, IndicatorValueKind::Target)
            .await?
            .into_iter()
            .map(IndicatorValue)
            .collect())
    }
    /// 実績値: values measured after the baseline.
    async fn observations(&self, ctx: &Context<'_>) -> AppResult<Vec<IndicatorValue>> {
        Ok(self
            .values(ctx, IndicatorValueKind::Observed)
            .await?
            .into_iter()
            .map(IndicatorValue)
            .collect())
    }
    /// The most recent observation.
    async fn latest(&self, ctx: &Context<'_>) -> AppResult<Option<IndicatorValue>> {
        Ok(self
            .values(ctx, IndicatorValueKind::Observed)
            .await?
            .into_iter()
            .last()
            .map(IndicatorValue))
    }
    /// (latest − baseline) / (final target − baseline): 0 at the baseline, 1 at the target.
    /// Null without a baseline, a target or an observation, or when target equals baseline.
    async fn progress(&self, ctx: &Context<'_>) -> AppResult<Option<f64>> {
        Ok(crate::domain::progress::progress(
            &self.all_values(ctx).await?,
        ))
    }
    async fn policy(&self, ctx: &Context<'_>) -> AppResult<Option<Policy>> {
        match self.0.policy_id {
            Some(id) => Ok(one(&loaders(ctx).policy, id).await?.map(Policy)),
            None => Ok(None),
        }
    }
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        match self.0.plan_id {
            Some(id) => Ok(one(&loaders(ctx).plan, id).await?.map(Plan)),
            None => Ok(None),
        }
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        match &self.1.municipality {
            Some(m) => Ok(Municipality(m.as_ref().clone())),
            None => municipality_of(ctx, &self.0.municipality_code).await,
        }
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[Object]
impl IndicatorValue {
    async fn id(&self) -> ID {
        ids::encode("IndicatorValue", self.0.id)
    }
    /// Baseline (現状値), target (目標値) or observed (実績値).
    async fn kind(&self) -> AppResult<IndicatorValueKind> {
        vocab(&self.0.kind)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    async fn value(&self) -> f64 {
        self.0.value
    }
    /// The document's year wording, e.g. H18年度, 平成26年
    async fn label_ja(&self) -> Option<&str> {
        self.0.label_ja.as_deref()
    }
    /// The document says 約 (about).
    async fn approximate(&self) -> bool {
        self.0.approximate
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// 共通指標: a metric of the shared catalogue, counted the same way in every city.
pub struct Metric(pub metrics::Model);

#[Object]
impl Metric {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }
    async fn unit(&self) -> AppResult<Unit> {
        vocab(&self.0.unit)
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// A municipality's value of a catalogue metric in a fiscal year.
pub struct Observation(pub observations::Model);

#[Object]
impl Observation {
    async fn id(&self) -> ID {
        ids::encode("Observation", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn metric(&self, ctx: &Context<'_>) -> AppResult<Metric> {
        one(&loaders(ctx).metric, self.0.metric_code.clone())
            .await?
            .map(Metric)
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("metric {} vanished", self.0.metric_code))
            })
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    async fn value(&self) -> f64 {
        self.0.value
    }
    /// The document says 約 (about).
    async fn approximate(&self) -> bool {
        self.0.approximate
    }
    /// The document's year wording.
    async fn label_ja(&self) -> Option<&str> {
        self.0.label_ja.as_deref()
    }
    /// The city's own wording where it differs from the catalogue's definition.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

// ---------------------------------------------------------------------------------------------

/// 事業: a programme — a proposal scheme, training, course, forum …
pub struct Program(pub programs::Model);

#[Object]
impl Program {
    async fn id(&self) -> ID {
        ids::encode("Program", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn kind(&self) -> AppResult<ProgramKind> {
        vocab(&self.0.kind)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn organizer(&self) -> Option<&str> {
        self.0.organizer.as_deref()
    }
    /// 担当課
    async fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }
    async fn started_fiscal_year(&self) -> Option<FiscalYear> {
        self.0.started_fiscal_year.map(FiscalYear)
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Sessions, courses and events, in the document's order.
    async fn activities(&self, ctx: &Context<'_>) -> AppResult<Vec<Activity>> {
        children_as(&loaders(ctx).activities_of_program, self.0.id, Activity).await
    }
    /// 提案: proposals under a proposal scheme.
    async fn proposals(&self, ctx: &Context<'_>) -> AppResult<Vec<Proposal>> {
        children_as(&loaders(ctx).proposals_of_program, self.0.id, Proposal).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

/// A session, course or event of a programme.
pub struct Activity(pub activities::Model);

#[Object]
impl Activity {
    async fn id(&self) -> ID {
        ids::encode("Activity", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// As precise as the document gives it: YYYY-MM-DD, YYYY-MM or YYYY.
    async fn date(&self) -> Option<&str> {
        self.0.date.as_deref()
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// The document's date wording.
    async fn label_ja(&self) -> Option<&str> {
        self.0.label_ja.as_deref()
    }
    /// 回: number of sessions.
    async fn sessions(&self) -> Option<i32> {
        self.0.sessions
    }
    /// 参加者数
    async fn participants(&self) -> Option<i32> {
        self.0.participants
    }
    /// The participant count is approximate (約).
    async fn approximate(&self) -> bool {
        self.0.approximate
    }
    async fn audience(&self) -> Option<&str> {
        self.0.audience.as_deref()
    }
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// 担当課 organising it.
    async fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }
    async fn venue(&self) -> Option<&str> {
        self.0.venue.as_deref()
    }
    async fn speakers(&self) -> AppResult<Vec<String>> {
        list(&self.0.speakers)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn program(&self, ctx: &Context<'_>) -> AppResult<Option<Program>> {
        Ok(one(&loaders(ctx).program, self.0.program_id)
            .await?
            .map(Program))
    }
}

/// 提案: a proposal (or a number of them) under a proposal scheme.
pub struct Proposal(pub proposals::Model);

#[Object]
impl Proposal {
    async fn id(&self) -> ID {
        ids::encode("Proposal", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    async fn track(&self) -> AppResult<ProposalTrack> {
        vocab(&self.0.track)
    }
    /// Null where the document gives only a count.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    async fn count(&self) -> i32 {
        self.0.count
    }
    async fn stage(&self) -> AppResult<ProposalStage> {
        vocab(&self.0.stage)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

// ---------------------------------------------------------------------------------------------

/// 推進体制: a collaboration body.
pub struct Body(pub bodies::Model);

/// How often a body met in a fiscal year.
pub struct BodyYear(pub body_years::Model);

#[Object]
impl Body {
    async fn id(&self) -> ID {
        ids::encode("Body", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn kind(&self) -> AppResult<BodyKind> {
        vocab(&self.0.kind)
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// The body this one belongs to (幹事会 → 本部).
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Body>> {
        match self.0.parent_id {
            Some(id) => Ok(one(&loaders(ctx).body, id).await?.map(Body)),
            None => Ok(None),
        }
    }
    async fn children(&self, ctx: &Context<'_>) -> AppResult<Vec<Body>> {
        children_as(&loaders(ctx).children_of_body, self.0.id, Body).await
    }
    /// 構成, as printed.
    async fn composition(&self) -> Option<&str> {
        self.0.composition.as_deref()
    }
    /// 主な役割, as printed.
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    async fn duties(&self) -> AppResult<Vec<String>> {
        list(&self.0.duties)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Meetings held per fiscal year, including years without one.
    async fn yearly(&self, ctx: &Context<'_>) -> AppResult<Vec<BodyYear>> {
        children_as(&loaders(ctx).years_of_body, self.0.id, BodyYear).await
    }
    async fn meetings(&self, ctx: &Context<'_>) -> AppResult<Vec<Meeting>> {
        children_as(&loaders(ctx).meetings_of_body, self.0.id, Meeting).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}

#[Object]
impl BodyYear {
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// 0 where the document says no meeting was held (開催なし).
    async fn meetings_held(&self) -> Option<i32> {
        self.0.meetings_held
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// 会議: a meeting of a body.
pub struct Meeting(pub meetings::Model);

#[Object]
impl Meeting {
    async fn id(&self) -> ID {
        ids::encode("Meeting", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn body(&self, ctx: &Context<'_>) -> AppResult<Body> {
        one(&loaders(ctx).body, self.0.body_id)
            .await?
            .map(Body)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("body {} vanished", self.0.body_id)))
    }
    /// The meeting's number within its fiscal year, as printed.
    async fn number(&self) -> Option<i32> {
        self.0.number
    }
    /// As precise as the document gives it: YYYY-MM-DD, YYYY-MM or YYYY.
    async fn date(&self) -> Option<&str> {
        self.0.date.as_deref()
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// The document's date wording, e.g. 令和5年8月10日まで 開催案内送付
    async fn date_note(&self) -> Option<&str> {
        self.0.date_note.as_deref()
    }
    async fn format(&self) -> AppResult<MeetingFormat> {
        vocab(&self.0.format)
    }
    /// 案件
    async fn agenda(&self, ctx: &Context<'_>) -> AppResult<Vec<String>> {
        children_as(&loaders(ctx).agenda_of_meeting, self.0.id, |a| a.text).await
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// 市民活動支援センター: a civic activity support centre.
pub struct SupportCenter(pub support_centers::Model);

#[Object]
impl SupportCenter {
    async fn id(&self) -> ID {
        ids::encode("SupportCenter", self.0.id)
    }
    /// Raised by one on every update; send it back with an update to detect a concurrent one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn name_ja(&self) -> &str {
        &self.0.name_ja
    }
    async fn name_en(&self) -> Option<&str> {
        self.0.name_en.as_deref()
    }
    /// 開設: as precise as known (YYYY-MM-DD, YYYY-MM or YYYY).
    async fn opened(&self) -> Option<&str> {
        self.0.opened.as_deref()
    }
    /// 運営者
    async fn operator(&self) -> Option<&str> {
        self.0.operator.as_deref()
    }
    async fn management_model(&self) -> AppResult<ManagementModel> {
        vocab(&self.0.management_model)
    }
    /// First fiscal year of the current management model.
    async fn management_since_fiscal_year(&self) -> Option<FiscalYear> {
        self.0.management_since_fiscal_year.map(FiscalYear)
    }
    async fn services(&self) -> Option<&str> {
        self.0.services.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// 登録団体数: the municipality's `registered_groups` observations.
    async fn registered_groups(&self, ctx: &Context<'_>) -> AppResult<Vec<Observation>> {
        let rows = children(
            &loaders(ctx).observations_of_municipality,
            self.0.municipality_code.clone(),
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter(|o| o.metric_code == "registered_groups")
            .map(Observation)
            .collect())
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        source_of(ctx, self.0.source_id).await
    }
}
