//! 成果指標 and 共通指標: a plan's own indicators, and the shared metric catalogue with
//! each city's observations.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use entity::*;

use super::municipality::Municipality;
use super::plan::{Plan, Policy};
use super::source::Source;
use super::{municipality_of, source_of, vocab};
use crate::domain::progress::IndicatorValueFields;
use crate::domain::{IndicatorValueKind, Unit};
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::{children, one};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::{ids, loaders};

/// 成果指標 / 数値目標: an outcome indicator with its baseline and targets.
pub struct Indicator(pub indicators::Model, pub Preloaded);

/// What a resolver that built an [`Indicator`] had read already (`indicatorProgress` needs
/// the values and municipalities to order by progress), so nested fields do not read it again.
#[derive(Clone, Debug, Default)]
pub struct Preloaded {
    /// Their text is `None` where the reader's selection did not ask for it
    /// (`read::stats::ProgressColumns`).
    pub values: Option<Arc<Vec<IndicatorValueFields>>>,
    pub municipality: Option<Arc<municipalities::Model>>,
    /// `Some(None)`: read, and the indicator cites no source.
    pub source: Option<Option<Arc<sources::Model>>>,
}

impl Indicator {
    pub fn new(row: indicators::Model) -> Self {
        Indicator(row, Preloaded::default())
    }

    /// Every value, by fiscal year.
    async fn all_values(&self, ctx: &Context<'_>) -> AppResult<Arc<Vec<IndicatorValueFields>>> {
        match &self.1.values {
            Some(values) => Ok(values.clone()),
            None => Ok(Arc::new(
                children(&loaders(ctx).values_of_indicator, self.0.id)
                    .await?
                    .into_iter()
                    .map(IndicatorValueFields::from)
                    .collect(),
            )),
        }
    }
}

/// One value of an indicator. A field added here that reads a text column must also be named
/// in `indicator_progress`'s look-ahead (src/graphql/query/crosscity.rs), which leaves out
/// the text a query does not ask for.
pub struct IndicatorValue(pub IndicatorValueFields);

impl Indicator {
    async fn values(
        &self,
        ctx: &Context<'_>,
        kind: IndicatorValueKind,
    ) -> AppResult<Vec<IndicatorValueFields>> {
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
    pub(super) async fn id(&self) -> ID {
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
        let rows = self.all_values(ctx).await?;
        let kind = IndicatorValueKind::Baseline.as_str();
        Ok(rows
            .iter()
            .find(|v| v.kind == kind)
            .cloned()
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
        let rows = self.all_values(ctx).await?;
        let kind = IndicatorValueKind::Observed.as_str();
        Ok(rows
            .iter()
            .rfind(|v| v.kind == kind)
            .cloned()
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
            Some(id) => Ok(one(&loaders(ctx).policy, id).await?.map(Policy::new)),
            None => Ok(None),
        }
    }
    async fn plan(&self, ctx: &Context<'_>) -> AppResult<Option<Plan>> {
        match self.0.plan_id {
            Some(id) => Ok(one(&loaders(ctx).plan, id).await?.map(Plan::new)),
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
        match &self.1.source {
            Some(source) => Ok(source.as_deref().cloned().map(Source)),
            None => source_of(ctx, self.0.source_id).await,
        }
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
    pub(super) async fn id(&self) -> ID {
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
