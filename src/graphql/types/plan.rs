//! 計画: plans with their sections, policies, measures, items and yearly schedules.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{DbErr, EntityTrait};

use async_graphql::{Context, ID, Object};
use entity::*;

use super::indicator::Indicator;
use super::municipality::Municipality;
use super::source::Source;
use super::{list, municipality_of, source_of, vocab};
use crate::domain::{ActorType, SchedulePhase, SectionKind};
use crate::error::AppResult;
use crate::graphql::loaders::{ByColumn, children, children_as, one};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::{ids, loaders};
use crate::read::plan_tree::PlanTree;

/// The plan tree its municipality's `plans` read ([`PlanTree`]), shared by every node of it;
/// `None` where a node was found another way, and its fields use their loaders.
pub type Tree = Option<Arc<PlanTree>>;

/// 計画: a collaboration plan.
pub struct Plan(pub plans::Model, pub Tree);

impl Plan {
    pub fn new(row: plans::Model) -> Self {
        Plan(row, None)
    }
}

#[Object]
impl Plan {
    pub(super) async fn id(&self) -> ID {
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
    /// The first column of the items' yearly-schedule table (年次計画), where the table reaches
    /// beyond the action-plan period the text states: 山口市's plan states 平成21年度から平成24年度
    /// までの4年間 (actionPlanStart/End 2009–2012) and prints columns H20–H24 (2008–2012).
    async fn schedule_start(&self) -> Option<FiscalYear> {
        self.0.schedule_start.map(FiscalYear)
    }
    /// The last column of the yearly-schedule table.
    async fn schedule_end(&self) -> Option<FiscalYear> {
        self.0.schedule_end.map(FiscalYear)
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
        let loader = &loaders(ctx).policies_of_plan;
        children_in(&self.1, |t| &t.policies, loader, self.0.id, Policy).await
    }
    /// Every item of the plan, across policies and measures.
    async fn items(&self, ctx: &Context<'_>) -> AppResult<Vec<PlanItem>> {
        children_as(&loaders(ctx).items_of_plan, self.0.id, PlanItem::new).await
    }
    /// The plan's outcome indicators.
    async fn indicators(&self, ctx: &Context<'_>) -> AppResult<Vec<Indicator>> {
        children_as(&loaders(ctx).indicators_of_plan, self.0.id, Indicator::new).await
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        municipality_of(ctx, &self.0.municipality_code).await
    }
    async fn source(&self, ctx: &Context<'_>) -> AppResult<Option<Source>> {
        let Some(id) = self.0.source_id else {
            return Ok(None);
        };
        if let Some(source) = read_ahead(&self.1, |t| t.sources.get(&id).cloned()) {
            return Ok(Some(Source(source)));
        }
        source_of(ctx, Some(id)).await
    }
}

/// The rows `pick` finds in the tree read ahead, if there is one and it reached their depth.
fn read_ahead<T>(tree: &Tree, pick: impl FnOnce(&PlanTree) -> Option<T>) -> Option<T> {
    tree.as_deref().and_then(pick)
}

/// The children of `parent`: from the node's tree when it reached their depth (`depth` picks
/// that depth's map), each child carrying the tree on; otherwise from `loader`.
async fn children_in<E, T>(
    tree: &Tree,
    depth: impl FnOnce(&PlanTree) -> &Option<HashMap<i32, Vec<E::Model>>>,
    loader: &DataLoader<ByColumn<E>>,
    parent: i32,
    wrap: impl Fn(E::Model, Tree) -> T,
) -> AppResult<Vec<T>>
where
    E: EntityTrait + Send + Sync,
    E::Model: Send + Sync,
    ByColumn<E>: Loader<i32, Value = Vec<E::Model>, Error = Arc<DbErr>>,
{
    if let Some(rows) = read_ahead(tree, |t| PlanTree::under(depth(t), parent)) {
        return Ok(rows.into_iter().map(|r| wrap(r, tree.clone())).collect());
    }
    children_as(loader, parent, |r| wrap(r, None)).await
}

/// A prose section of a plan.
pub struct PlanSection(pub plan_sections::Model);

#[Object]
impl PlanSection {
    pub(super) async fn id(&self) -> ID {
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
pub struct Policy(pub policies::Model, pub Tree);

impl Policy {
    pub fn new(row: policies::Model) -> Self {
        Policy(row, None)
    }
}

/// 役割区分: what a group of actors does under a policy.
pub struct PolicyRole(pub policy_roles::Model);

#[Object]
impl Policy {
    pub(super) async fn id(&self) -> ID {
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
        let loader = &loaders(ctx).measures_of_policy;
        children_in(&self.1, |t| &t.measures, loader, self.0.id, Measure).await
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
        Ok(one(&loaders(ctx).plan, self.0.plan_id)
            .await?
            .map(Plan::new))
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
pub struct Measure(pub measures::Model, pub Tree);

impl Measure {
    pub fn new(row: measures::Model) -> Self {
        Measure(row, None)
    }
}

#[Object]
impl Measure {
    pub(super) async fn id(&self) -> ID {
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
        let loader = &loaders(ctx).items_of_measure;
        children_in(&self.1, |t| &t.items, loader, self.0.id, PlanItem).await
    }
    async fn policy(&self, ctx: &Context<'_>) -> AppResult<Option<Policy>> {
        Ok(one(&loaders(ctx).policy, self.0.policy_id)
            .await?
            .map(Policy::new))
    }
}

/// 推進項目: an item of a plan, with its yearly schedule.
pub struct PlanItem(pub plan_items::Model, pub Tree);

impl PlanItem {
    pub fn new(row: plan_items::Model) -> Self {
        PlanItem(row, None)
    }
}

#[Object]
impl PlanItem {
    pub(super) async fn id(&self) -> ID {
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
        let Some(id) = self.0.repost_of_id else {
            return Ok(None);
        };
        if let Some(original) = read_ahead(&self.1, |t| t.item(id).cloned()) {
            return Ok(Some(PlanItem(original, self.1.clone())));
        }
        Ok(one(&loaders(ctx).item, id).await?.map(PlanItem::new))
    }
    /// Items elsewhere in the plan that repeat this one.
    async fn reposts(&self, ctx: &Context<'_>) -> AppResult<Vec<PlanItem>> {
        children_as(&loaders(ctx).reposts_of_item, self.0.id, PlanItem::new).await
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
    /// The yearly schedule; with `phase`, only the years whose cell names that phase among
    /// its phases (a 「検討・実施」 year matches both STUDY and IMPLEMENTATION).
    async fn schedule(
        &self,
        ctx: &Context<'_>,
        phase: Option<SchedulePhase>,
    ) -> AppResult<Vec<ScheduleEntry>> {
        let loader = &loaders(ctx).schedule_of_item;
        let entries = children_in(
            &self.1,
            |t| &t.schedule,
            loader,
            self.0.id,
            |e, _| ScheduleEntry(e),
        )
        .await?;
        let Some(phase) = phase else {
            return Ok(entries);
        };
        let mut kept = Vec::with_capacity(entries.len());
        for e in entries {
            if list::<SchedulePhase>(&e.0.phases)?.contains(&phase) {
                kept.push(e);
            }
        }
        Ok(kept)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn measure(&self, ctx: &Context<'_>) -> AppResult<Option<Measure>> {
        Ok(one(&loaders(ctx).measure, self.0.measure_id)
            .await?
            .map(Measure::new))
    }
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        Ok(one(&loaders(ctx).plan, self.0.plan_id)
            .await?
            .map(Plan::new))
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
    /// The first phase the cell names.
    #[graphql(
        deprecation = "A cell may name more than one phase (検討・実施): this is the first only. Use phases."
    )]
    async fn phase(&self) -> AppResult<SchedulePhase> {
        vocab(&self.0.phase)
    }
    /// Every phase the cell names, in the order written: 「検討・実施」 is [STUDY, IMPLEMENTATION].
    async fn phases(&self) -> AppResult<Vec<SchedulePhase>> {
        list(&self.0.phases)
    }
    /// The cell as printed, e.g. 検討, 実施, →
    async fn label_ja(&self) -> &str {
        &self.0.label_ja
    }
}
