//! Mutations of a municipality's values of the shared metric catalogue: one value at a time,
//! or a whole file (CSV or xlsx) in one transaction, tried first with `dryRun`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject, Upload};
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
use crate::graphql::types::municipality::Municipality;
use crate::write::observations::{ImportSummary, RowKind};
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

/// What `importObservations` did, or with `dryRun` would do.
#[derive(SimpleObject)]
pub struct ObservationImport {
    pub created: i32,
    pub updated: i32,
    /// Rows equal to what the hub holds already; they leave no change behind.
    pub unchanged: i32,
    /// Nothing was written: the rows say what the import would do.
    pub dry_run: bool,
    /// How the file was read: `CSV, UTF-8`, `CSV, UTF-8 with BOM`, `CSV, CP932 (Shift_JIS)` or
    /// `xlsx`.
    pub read_as: String,
    /// Every row of the file, in its order.
    pub rows: Vec<ObservationImportRow>,
}

/// 取込結果 What an import does with one row.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportRowKind {
    /// A value the hub did not hold.
    Created,
    /// A value the row changes.
    Updated,
    /// The row says what the hub holds already.
    Unchanged,
}

pub struct ObservationImportRow(crate::write::observations::RowOutcome);

/// 取込行 One row of an imported file: the value before and after, and which fields differ.
#[Object]
impl ObservationImportRow {
    /// The CSV line or spreadsheet row, the header being 1.
    async fn row(&self) -> i32 {
        i32::try_from(self.0.row).unwrap_or(i32::MAX)
    }
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Municipality> {
        crate::graphql::loaders::one(
            &crate::graphql::loaders(ctx).municipality,
            self.0.municipality.clone(),
        )
        .await?
        .map(Municipality)
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "municipality {} vanished",
                self.0.municipality
            ))
        })
    }
    async fn municipality_code(&self) -> &str {
        &self.0.municipality
    }
    /// The metric's catalogue code.
    async fn metric(&self) -> &str {
        &self.0.metric
    }
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// The value the hub holds; null for a new one.
    async fn before(&self) -> Option<f64> {
        self.0.before
    }
    /// The value in the file.
    async fn after(&self) -> f64 {
        self.0.after
    }
    async fn kind(&self) -> ImportRowKind {
        match self.0.kind {
            RowKind::Created => ImportRowKind::Created,
            RowKind::Updated => ImportRowKind::Updated,
            RowKind::Unchanged => ImportRowKind::Unchanged,
        }
    }
    /// The fields the row changes, as `Observation` names them (`value`, `approximate`,
    /// `labelJa`, `note`, `source`); empty for a new or an unchanged value.
    async fn changed(&self) -> Vec<&'static str> {
        self.0.changed.clone()
    }
}

impl ObservationImport {
    fn of(s: ImportSummary, dry_run: bool) -> Self {
        ObservationImport {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            dry_run,
            read_as: s.format.label().to_owned(),
            rows: s.rows.into_iter().map(ObservationImportRow).collect(),
        }
    }
}

/// The bytes of an uploaded file.
fn uploaded(ctx: &Context<'_>, file: &Upload) -> AppResult<Vec<u8>> {
    use std::io::Read as _;
    let mut value = file
        .value(ctx)
        .map_err(|e| AppError::BadInput(format!("file: the upload cannot be read: {e}")))?;
    let mut bytes = Vec::new();
    value
        .content
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::BadInput(format!("file: the upload cannot be read: {e}")))?;
    Ok(bytes)
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

    /// Creates or replaces many observations, all or nothing, from the file
    /// `/export/observations.csv` or `.xlsx` gives (edited), given as `csv` text or uploaded
    /// as `file` (GraphQL multipart request: CSV in UTF-8, with or without BOM, or CP932 as
    /// Japanese Excel saves it; or an .xlsx workbook, its first sheet). The header names the
    /// columns in Japanese, English or both (`自治体コード / municipality`): `municipality`
    /// (code or slug; a code whose leading zero a spreadsheet dropped is restored), `metric`,
    /// `fiscal_year`, `value`, and optionally `approximate`, `label_ja`, `note`, `source`
    /// (a source key); `municipality_name`, `metric_name` and `unit` are for people and
    /// ignored. A bad row rejects the whole file, naming each bad row's number. With
    /// `dryRun: true` nothing is written and the rows say what would change.
    async fn import_observations(
        &self,
        ctx: &Context<'_>,
        csv: Option<String>,
        file: Option<Upload>,
        #[graphql(default)] dry_run: bool,
    ) -> AppResult<ObservationImport> {
        let bytes = match (csv, &file) {
            (Some(text), None) => text.into_bytes(),
            (None, Some(upload)) => uploaded(ctx, upload)?,
            _ => {
                return Err(AppError::BadInput(
                    "importObservations: give either csv (the text) or file (an upload), not both or neither".into(),
                ));
            }
        };
        let mut w = begin(ctx).await?;
        let summary = crate::write::observations::import_file(&mut w, &bytes).await?;
        if dry_run {
            w.rollback().await?;
        } else {
            w.commit().await?;
        }
        Ok(ObservationImport::of(summary, dry_run))
    }
}
