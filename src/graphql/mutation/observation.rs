//! Mutations of a municipality's values of the shared metric catalogue: one value at a time,
//! or a whole CSV file in one transaction.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::observations;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    Deleted, begin, delete_record, metric_unit, municipality_code, optional_source, patch,
    patch_source, patch_text, record_id,
};
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::indicator::Observation;
use crate::write::records;
use crate::write::validate::{self as v, MAX_LABEL, MAX_TEXT};
use crate::write::{self, Writer};

#[derive(Default)]
pub struct ObservationMutation;

/// A value of a catalogue metric for a municipality and fiscal year, created or replaced.
#[derive(InputObject)]
pub struct ObservationInput {
    /// Code, slug or id of the municipality.
    pub municipality: ID,
    /// Catalogue code, e.g. `promotion_officers`.
    pub metric: String,
    pub fiscal_year: FiscalYear,
    pub value: f64,
    /// The document says 約 (about).
    #[graphql(default)]
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub note: Option<String>,
    /// Key of one of the municipality's sources.
    pub source: Option<String>,
    /// The version read, when replacing an existing value; left out, the last write wins.
    pub version: Option<i32>,
}

#[derive(InputObject)]
pub struct UpdateObservationInput {
    pub id: ID,
    pub version: i32,
    pub value: Option<f64>,
    pub approximate: Option<bool>,
    pub label_ja: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
}

/// What `importObservations` did.
#[derive(SimpleObject)]
pub struct ObservationImport {
    pub created: i32,
    pub updated: i32,
    /// Rows equal to what the hub holds already; they leave no change behind.
    pub unchanged: i32,
}

impl From<crate::write::observations::ImportSummary> for ObservationImport {
    fn from(s: crate::write::observations::ImportSummary) -> Self {
        ObservationImport {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
        }
    }
}

async fn upsert_observation(
    w: &mut Writer,
    input: ObservationInput,
) -> AppResult<observations::Model> {
    let owner = municipality_code(w, "input.municipality", &input.municipality).await?;
    w.authorize(&owner)?;
    let metric = input.metric.trim().to_owned();
    let unit = metric_unit(w, "input.metric", &metric).await?;
    let value = v::value_in_unit("input.value", &unit, input.value)?;
    let label_ja = v::optional("input.labelJa", input.label_ja, MAX_LABEL)?;
    let note = v::optional("input.note", input.note, MAX_TEXT)?;
    let source = optional_source(w, "input.source", &owner, input.source).await?;
    let existing = observations::Entity::find()
        .filter(observations::Column::MunicipalityCode.eq(&owner))
        .filter(observations::Column::MetricCode.eq(&metric))
        .filter(observations::Column::FiscalYear.eq(input.fiscal_year.0))
        .one(w.txn())
        .await?;
    if existing.is_none()
        && let Some(version) = input.version
    {
        return Err(AppError::Conflict(format!(
            "Observation: version {version} was given, but {owner} has no {metric} value for fiscal year {} (it may have been deleted)",
            input.fiscal_year.0
        )));
    }
    let value = records::ObservationValue {
        municipality: owner,
        metric,
        fiscal_year: input.fiscal_year.0,
        value,
        approximate: input.approximate,
        label_ja,
        note,
        source_id: source,
    };
    records::save_observation(w, value, existing, input.version).await
}

#[Object]
impl ObservationMutation {
    /// Creates or replaces a municipality's value of a catalogue metric for a fiscal year.
    async fn upsert_observation(
        &self,
        ctx: &Context<'_>,
        input: ObservationInput,
    ) -> AppResult<Observation> {
        let mut w = begin(ctx).await?;
        let m = upsert_observation(&mut w, input).await?;
        w.commit().await?;
        Ok(Observation(m))
    }

    async fn update_observation(
        &self,
        ctx: &Context<'_>,
        input: UpdateObservationInput,
    ) -> AppResult<Observation> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "Observation")?;
        let loaded = write::load::<observations::Entity>(&w, id).await?;
        let value = match input.value {
            Some(x) => {
                let unit = metric_unit(&w, "input.value", &loaded.model.metric_code).await?;
                Set(v::value_in_unit("input.value", &unit, x)?)
            }
            None => NotSet,
        };
        let owner = loaded.owner.clone();
        let am = observations::ActiveModel {
            value,
            approximate: patch(input.approximate),
            label_ja: patch_text("input.labelJa", input.label_ja, MAX_LABEL)?,
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            source_id: patch_source(&w, "input.source", &owner, input.source).await?,
            ..Default::default()
        };
        let m =
            write::update::<observations::Entity>(&mut w, loaded, input.version, am, "key").await?;
        w.commit().await?;
        Ok(Observation(m))
    }

    async fn delete_observation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<observations::Entity>(ctx, &id, version).await
    }

    /// Creates or replaces many observations from CSV, all or nothing. The header names the
    /// columns: `municipality,metric,fiscal_year,value` and optionally `approximate`,
    /// `label_ja`, `note`, `source`. A bad row rejects the whole file, naming the row.
    async fn import_observations(
        &self,
        ctx: &Context<'_>,
        csv: String,
    ) -> AppResult<ObservationImport> {
        let mut w = begin(ctx).await?;
        let summary = crate::write::observations::import(&mut w, &csv).await?;
        w.commit().await?;
        Ok(summary.into())
    }
}
