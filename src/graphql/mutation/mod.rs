//! The root `Mutation`: what cities keep current themselves. Every mutation needs a token
//! (`UNAUTHENTICATED` without one), may touch only records whose municipality, read from the
//! database, is the token's (`FORBIDDEN` otherwise), and runs in one transaction with its
//! audit row (see [`crate::write`]). Updates name the `version` they read (`CONFLICT` when it
//! is stale); deletes may.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::{
    activities, agenda_items, bodies, indicator_values, indicators, meetings, metrics,
    observations, plan_items, programs, proposals, schedule_entries, sources, support_centers,
};
use sea_orm::{
    ActiveValue::{self, NotSet, Set},
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::scalars::FiscalYear;
use super::types::{
    Activity, Body, IndicatorValue, Meeting, Observation, Program, Proposal, ScheduleEntry,
    SupportCenter,
};
use super::{db, ids};
use crate::domain::{
    BodyKind, IndicatorValueKind, ManagementModel, MeetingFormat, ProgramKind, ProposalStage,
    ProposalTrack, SchedulePhase,
};
use crate::error::{AppError, AppResult};
use crate::write::records;
use crate::write::validate::{self as v, MAX_LABEL, MAX_TEXT, MAX_TITLE};
use crate::write::{self, WriteLock, Writer};

#[derive(Default)]
pub struct Mutation;

/// Opens a write transaction for the request's token.
async fn begin(ctx: &Context<'_>) -> AppResult<Writer> {
    let principal = super::principal(ctx)?.clone();
    let lock = ctx.data_opt::<WriteLock>().cloned().unwrap_or_default();
    let cache = ctx
        .data_opt::<std::sync::Arc<crate::cache::ResponseCache>>()
        .cloned();
    Writer::begin(db(ctx), &lock, cache, principal).await
}

/// The row id inside a global id of type `type_name`.
pub fn record_id(field: &str, id: &ID, type_name: &str) -> AppResult<i32> {
    ids::decode(id)
        .filter(|(t, _)| t == type_name)
        .and_then(|(_, key)| key.parse().ok())
        .ok_or_else(|| AppError::BadInput(format!("{field}: {:?} is not a {type_name} id", id.0)))
}

async fn municipality_code(w: &Writer, field: &str, value: &ID) -> AppResult<String> {
    super::query::resolve_municipality(w.txn(), field, value).await
}

/// The id of `owner`'s source document with this key.
async fn source_id(w: &Writer, field: &str, owner: &str, key: &str) -> AppResult<i32> {
    sources::Entity::find()
        .filter(sources::Column::MunicipalityCode.eq(owner))
        .filter(sources::Column::Key.eq(key.trim()))
        .one(w.txn())
        .await?
        .map(|s| s.id)
        .ok_or_else(|| {
            AppError::BadInput(format!(
                "{field}: municipality {owner} has no source with key {key:?}"
            ))
        })
}

async fn optional_source(
    w: &Writer,
    field: &str,
    owner: &str,
    key: Option<String>,
) -> AppResult<Option<i32>> {
    match key {
        Some(k) if !k.trim().is_empty() => Ok(Some(source_id(w, field, owner, &k).await?)),
        _ => Ok(None),
    }
}

async fn patch_source(
    w: &Writer,
    field: &str,
    owner: &str,
    key: MaybeUndefined<String>,
) -> AppResult<ActiveValue<Option<i32>>> {
    Ok(match key {
        MaybeUndefined::Undefined => NotSet,
        MaybeUndefined::Null => Set(None),
        MaybeUndefined::Value(k) => Set(optional_source(w, field, owner, Some(k)).await?),
    })
}

/// A nullable text field of an update: left out keeps it, `null` clears it.
fn patch_text(
    field: &str,
    value: MaybeUndefined<String>,
    max: usize,
) -> AppResult<ActiveValue<Option<String>>> {
    Ok(match value {
        MaybeUndefined::Undefined => NotSet,
        MaybeUndefined::Null => Set(None),
        MaybeUndefined::Value(t) => Set(v::optional(field, Some(t), max)?),
    })
}

fn patch<T: Into<sea_orm::Value>>(value: Option<T>) -> ActiveValue<T> {
    value.map_or(NotSet, Set)
}

fn patch_required(
    field: &str,
    value: Option<String>,
    max: usize,
) -> AppResult<ActiveValue<String>> {
    Ok(match value {
        None => NotSet,
        Some(t) => Set(v::required(field, &t, max)?),
    })
}

fn patch_nullable<T: Into<sea_orm::Value>>(value: MaybeUndefined<T>) -> ActiveValue<Option<T>>
where
    Option<T>: Into<sea_orm::Value>,
{
    match value {
        MaybeUndefined::Undefined => NotSet,
        MaybeUndefined::Null => Set(None),
        MaybeUndefined::Value(x) => Set(Some(x)),
    }
}

fn json_list(field: &str, values: Vec<String>, max: usize) -> AppResult<String> {
    let list = v::list(field, values, max)?;
    serde_json::to_string(&list).map_err(|e| AppError::internal(e.into()))
}

/// The unit a catalogue metric is counted in; `BAD_USER_INPUT` for an unknown code.
async fn metric_unit(w: &Writer, field: &str, code: &str) -> AppResult<String> {
    metrics::Entity::find_by_id(code.trim().to_owned())
        .one(w.txn())
        .await?
        .map(|m| m.unit)
        .ok_or_else(|| {
            AppError::BadInput(format!(
                "{field}: unknown metric code {code:?}; Query.metrics lists the catalogue"
            ))
        })
}

/// What a delete returns: the id of the record that is gone.
#[derive(SimpleObject)]
pub struct Deleted {
    pub id: ID,
}

/// Deletes record `id` of `E` in its own transaction (see [`write::delete`]).
async fn delete_record<E: write::Record>(
    ctx: &Context<'_>,
    id: &ID,
    version: Option<i32>,
) -> AppResult<Deleted>
where
    E::Model: serde::Serialize + sea_orm::IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut w = begin(ctx).await?;
    let id = record_id("id", id, E::NAME)?;
    let loaded = write::load::<E>(&w, id).await?;
    write::delete::<E>(&mut w, loaded, version).await?;
    w.commit().await?;
    Ok(Deleted {
        id: ids::encode(E::NAME, id),
    })
}

// ---------------------------------------------------------------------------------------------
// Inputs. `Create…Input` holds what a new record needs; `Update…Input` the `id` and `version`
// read, plus the fields to change (left out: unchanged; `null`: cleared, where allowed).

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

#[derive(InputObject)]
pub struct CreateIndicatorValueInput {
    pub indicator: ID,
    pub kind: IndicatorValueKind,
    pub fiscal_year: FiscalYear,
    pub value: f64,
    #[graphql(default)]
    pub approximate: bool,
    pub label_ja: Option<String>,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateIndicatorValueInput {
    pub id: ID,
    pub version: i32,
    pub kind: Option<IndicatorValueKind>,
    pub fiscal_year: Option<FiscalYear>,
    pub value: Option<f64>,
    pub approximate: Option<bool>,
    pub label_ja: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateProgramInput {
    pub municipality: ID,
    /// The programme's key within the city: a–z, 0–9, - and _.
    pub key: String,
    pub kind: ProgramKind,
    pub title: String,
    pub organizer: Option<String>,
    pub department: Option<String>,
    pub started_fiscal_year: Option<FiscalYear>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateProgramInput {
    pub id: ID,
    pub version: i32,
    pub kind: Option<ProgramKind>,
    pub title: Option<String>,
    pub organizer: MaybeUndefined<String>,
    pub department: MaybeUndefined<String>,
    pub started_fiscal_year: MaybeUndefined<FiscalYear>,
    pub description: MaybeUndefined<String>,
    pub url: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateActivityInput {
    pub program: ID,
    pub title: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub date: Option<String>,
    /// Needed unless the date gives at least the month.
    pub fiscal_year: Option<FiscalYear>,
    pub label_ja: Option<String>,
    pub sessions: Option<i32>,
    pub participants: Option<i32>,
    #[graphql(default)]
    pub approximate: bool,
    pub audience: Option<String>,
    pub topic: Option<String>,
    pub department: Option<String>,
    pub venue: Option<String>,
    #[graphql(default)]
    pub speakers: Vec<String>,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateActivityInput {
    pub id: ID,
    pub version: i32,
    pub title: Option<String>,
    pub date: MaybeUndefined<String>,
    pub fiscal_year: Option<FiscalYear>,
    pub label_ja: MaybeUndefined<String>,
    pub sessions: MaybeUndefined<i32>,
    pub participants: MaybeUndefined<i32>,
    pub approximate: Option<bool>,
    pub audience: MaybeUndefined<String>,
    pub topic: MaybeUndefined<String>,
    pub department: MaybeUndefined<String>,
    pub venue: MaybeUndefined<String>,
    pub speakers: Option<Vec<String>>,
    pub note: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateProposalInput {
    pub program: ID,
    pub fiscal_year: FiscalYear,
    pub track: ProposalTrack,
    pub title: Option<String>,
    pub count: i32,
    pub stage: ProposalStage,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateProposalInput {
    pub id: ID,
    pub version: i32,
    pub fiscal_year: Option<FiscalYear>,
    pub track: Option<ProposalTrack>,
    pub title: MaybeUndefined<String>,
    pub count: Option<i32>,
    pub stage: Option<ProposalStage>,
    pub note: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateBodyInput {
    pub municipality: ID,
    pub key: String,
    pub kind: BodyKind,
    pub name_ja: String,
    pub name_en: Option<String>,
    /// The body this one belongs to, in the same city.
    pub parent: Option<ID>,
    pub composition: Option<String>,
    pub role: Option<String>,
    #[graphql(default)]
    pub duties: Vec<String>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateBodyInput {
    pub id: ID,
    pub version: i32,
    pub kind: Option<BodyKind>,
    pub name_ja: Option<String>,
    pub name_en: MaybeUndefined<String>,
    pub composition: MaybeUndefined<String>,
    pub role: MaybeUndefined<String>,
    pub duties: Option<Vec<String>>,
    pub note: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateMeetingInput {
    pub body: ID,
    /// 第N回
    pub number: Option<i32>,
    pub date: Option<String>,
    pub fiscal_year: Option<FiscalYear>,
    pub date_note: Option<String>,
    pub format: MeetingFormat,
    pub note: Option<String>,
    /// 案件, in order.
    #[graphql(default)]
    pub agenda: Vec<String>,
}

#[derive(InputObject)]
pub struct UpdateMeetingInput {
    pub id: ID,
    pub version: i32,
    pub number: MaybeUndefined<i32>,
    pub date: MaybeUndefined<String>,
    pub fiscal_year: Option<FiscalYear>,
    pub date_note: MaybeUndefined<String>,
    pub format: Option<MeetingFormat>,
    pub note: MaybeUndefined<String>,
    /// Replaces the whole agenda when given.
    pub agenda: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct CreateSupportCenterInput {
    pub municipality: ID,
    pub key: String,
    pub name_ja: String,
    pub name_en: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub opened: Option<String>,
    pub operator: Option<String>,
    pub management_model: ManagementModel,
    pub management_since_fiscal_year: Option<FiscalYear>,
    pub services: Option<String>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateSupportCenterInput {
    pub id: ID,
    pub version: i32,
    pub name_ja: Option<String>,
    pub name_en: MaybeUndefined<String>,
    pub opened: MaybeUndefined<String>,
    pub operator: MaybeUndefined<String>,
    pub management_model: Option<ManagementModel>,
    pub management_since_fiscal_year: MaybeUndefined<FiscalYear>,
    pub services: MaybeUndefined<String>,
    pub note: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateScheduleEntryInput {
    /// The plan item (推進項目) the entry belongs to.
    pub item: ID,
    pub fiscal_year: FiscalYear,
    /// The cell as printed, e.g. 検討, 実施, →.
    pub label_ja: String,
    /// Read from the label when left out.
    pub phase: Option<SchedulePhase>,
}

#[derive(InputObject)]
pub struct UpdateScheduleEntryInput {
    pub id: ID,
    pub version: i32,
    pub fiscal_year: Option<FiscalYear>,
    pub label_ja: Option<String>,
    pub phase: Option<SchedulePhase>,
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

// ---------------------------------------------------------------------------------------------

async fn write_agenda(w: &Writer, meeting: i32, agenda: Vec<String>) -> AppResult<()> {
    let agenda = v::list("agenda", agenda, MAX_TEXT)?;
    agenda_items::Entity::delete_many()
        .filter(agenda_items::Column::MeetingId.eq(meeting))
        .exec(w.txn())
        .await?;
    let now = w.now();
    let rows: Vec<agenda_items::ActiveModel> = agenda
        .into_iter()
        .enumerate()
        .map(|(i, text)| agenda_items::ActiveModel {
            id: NotSet,
            meeting_id: Set(meeting),
            text: Set(text),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    if !rows.is_empty() {
        agenda_items::Entity::insert_many(rows)
            .exec(w.txn())
            .await?;
    }
    Ok(())
}

/// The date and fiscal year of an activity or meeting after an update: whichever of the two
/// the update changes, they must agree afterwards. Returns the date to write (unset when the
/// update leaves it) and the fiscal year.
fn dated(
    date: &MaybeUndefined<String>,
    fiscal_year: Option<FiscalYear>,
    current_date: Option<&str>,
    current_year: i32,
) -> AppResult<(ActiveValue<Option<String>>, i32)> {
    let (new_date, given_year) = match date {
        MaybeUndefined::Undefined => (
            current_date
                .map(|d| v::partial_date("input.date", d))
                .transpose()?,
            Some(fiscal_year.map_or(current_year, |y| y.0)),
        ),
        MaybeUndefined::Null => (None, fiscal_year.map(|y| y.0)),
        MaybeUndefined::Value(d) => (
            Some(v::partial_date("input.date", d)?),
            fiscal_year.map(|y| y.0),
        ),
    };
    let year = v::fiscal_year_of("input.fiscalYear", given_year, new_date.as_ref())?;
    let write = if date.is_undefined() {
        NotSet
    } else {
        Set(new_date.map(|d| d.0))
    };
    Ok((write, year))
}

fn position(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
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
impl Mutation {
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

    async fn create_indicator_value(
        &self,
        ctx: &Context<'_>,
        input: CreateIndicatorValueInput,
    ) -> AppResult<IndicatorValue> {
        let mut w = begin(ctx).await?;
        let indicator_id = record_id("input.indicator", &input.indicator, "Indicator")?;
        let indicator = indicators::Entity::find_by_id(indicator_id)
            .one(w.txn())
            .await?
            .ok_or_else(|| AppError::NotFound("input.indicator: no such indicator".into()))?;
        let owner = indicator.municipality_code.clone();
        w.authorize(&owner)?;
        let value = v::value_in_unit("input.value", &indicator.unit, input.value)?;
        let siblings = indicator_values::Entity::find()
            .filter(indicator_values::Column::IndicatorId.eq(indicator_id))
            .count(w.txn())
            .await?;
        let am = indicator_values::ActiveModel {
            indicator_id: Set(indicator_id),
            kind: Set(input.kind.as_str().to_owned()),
            fiscal_year: Set(input.fiscal_year.0),
            value: Set(value),
            approximate: Set(input.approximate),
            label_ja: Set(v::optional("input.labelJa", input.label_ja, MAX_LABEL)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<indicator_values::Entity>(
            &mut w,
            &owner,
            "indicator, kind and fiscal year",
            am,
        )
        .await?;
        w.commit().await?;
        Ok(IndicatorValue(m))
    }

    async fn update_indicator_value(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorValueInput,
    ) -> AppResult<IndicatorValue> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "IndicatorValue")?;
        let loaded = write::load::<indicator_values::Entity>(&w, id).await?;
        let value = match input.value {
            Some(x) => {
                let indicator = indicators::Entity::find_by_id(loaded.model.indicator_id)
                    .one(w.txn())
                    .await?
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("indicator vanished")))?;
                Set(v::value_in_unit("input.value", &indicator.unit, x)?)
            }
            None => NotSet,
        };
        let am = indicator_values::ActiveModel {
            kind: patch(input.kind.map(|k| k.as_str().to_owned())),
            fiscal_year: patch(input.fiscal_year.map(|y| y.0)),
            value,
            approximate: patch(input.approximate),
            label_ja: patch_text("input.labelJa", input.label_ja, MAX_LABEL)?,
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            ..Default::default()
        };
        let m = write::update::<indicator_values::Entity>(
            &mut w,
            loaded,
            input.version,
            am,
            "indicator, kind and fiscal year",
        )
        .await?;
        w.commit().await?;
        Ok(IndicatorValue(m))
    }

    async fn delete_indicator_value(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<indicator_values::Entity>(ctx, &id, version).await
    }

    async fn create_program(
        &self,
        ctx: &Context<'_>,
        input: CreateProgramInput,
    ) -> AppResult<Program> {
        let mut w = begin(ctx).await?;
        let owner = municipality_code(&w, "input.municipality", &input.municipality).await?;
        w.authorize(&owner)?;
        let siblings = programs::Entity::find()
            .filter(programs::Column::MunicipalityCode.eq(&owner))
            .count(w.txn())
            .await?;
        let am = programs::ActiveModel {
            municipality_code: Set(owner.clone()),
            key: Set(v::key("input.key", &input.key)?),
            kind: Set(input.kind.as_str().to_owned()),
            title: Set(v::required("input.title", &input.title, MAX_TITLE)?),
            organizer: Set(v::optional("input.organizer", input.organizer, MAX_TITLE)?),
            department: Set(v::optional(
                "input.department",
                input.department,
                MAX_TITLE,
            )?),
            started_fiscal_year: Set(input.started_fiscal_year.map(|y| y.0)),
            description: Set(v::optional(
                "input.description",
                input.description,
                MAX_TEXT,
            )?),
            url: Set(v::url("input.url", input.url)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            source_id: Set(optional_source(&w, "input.source", &owner, input.source).await?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<programs::Entity>(&mut w, &owner, "key", am).await?;
        w.commit().await?;
        Ok(Program(m))
    }

    async fn update_program(
        &self,
        ctx: &Context<'_>,
        input: UpdateProgramInput,
    ) -> AppResult<Program> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "Program")?;
        let loaded = write::load::<programs::Entity>(&w, id).await?;
        let owner = loaded.owner.clone();
        let url = match input.url {
            MaybeUndefined::Undefined => NotSet,
            MaybeUndefined::Null => Set(None),
            MaybeUndefined::Value(u) => Set(v::url("input.url", Some(u))?),
        };
        let am = programs::ActiveModel {
            kind: patch(input.kind.map(|k| k.as_str().to_owned())),
            title: patch_required("input.title", input.title, MAX_TITLE)?,
            organizer: patch_text("input.organizer", input.organizer, MAX_TITLE)?,
            department: patch_text("input.department", input.department, MAX_TITLE)?,
            started_fiscal_year: patch_nullable(input.started_fiscal_year.map_value(|y| y.0)),
            description: patch_text("input.description", input.description, MAX_TEXT)?,
            url,
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            source_id: patch_source(&w, "input.source", &owner, input.source).await?,
            ..Default::default()
        };
        let m = write::update::<programs::Entity>(&mut w, loaded, input.version, am, "key").await?;
        w.commit().await?;
        Ok(Program(m))
    }

    /// Deletes a programme that has no activities or proposals left.
    async fn delete_program(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<programs::Entity>(ctx, &id, version).await
    }

    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        input: CreateActivityInput,
    ) -> AppResult<Activity> {
        let mut w = begin(ctx).await?;
        let program_id = record_id("input.program", &input.program, "Program")?;
        let program = write::load::<programs::Entity>(&w, program_id).await?;
        let date = input
            .date
            .as_deref()
            .map(|d| v::partial_date("input.date", d))
            .transpose()?;
        let fiscal_year = v::fiscal_year_of(
            "input.fiscalYear",
            input.fiscal_year.map(|y| y.0),
            date.as_ref(),
        )?;
        let siblings = activities::Entity::find()
            .filter(activities::Column::ProgramId.eq(program_id))
            .count(w.txn())
            .await?;
        let am = activities::ActiveModel {
            program_id: Set(program_id),
            title: Set(v::required("input.title", &input.title, MAX_TITLE)?),
            date: Set(date.map(|d| d.0)),
            fiscal_year: Set(fiscal_year),
            label_ja: Set(v::optional("input.labelJa", input.label_ja, MAX_LABEL)?),
            sessions: Set(input
                .sessions
                .map(|n| v::count("input.sessions", n))
                .transpose()?),
            participants: Set(input
                .participants
                .map(|n| v::count("input.participants", n))
                .transpose()?),
            approximate: Set(input.approximate),
            audience: Set(v::optional("input.audience", input.audience, MAX_TEXT)?),
            topic: Set(v::optional("input.topic", input.topic, MAX_TEXT)?),
            department: Set(v::optional(
                "input.department",
                input.department,
                MAX_TITLE,
            )?),
            venue: Set(v::optional("input.venue", input.venue, MAX_TEXT)?),
            speakers: Set(json_list("input.speakers", input.speakers, MAX_TITLE)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<activities::Entity>(&mut w, &program.owner, "key", am).await?;
        w.commit().await?;
        Ok(Activity(m))
    }

    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        input: UpdateActivityInput,
    ) -> AppResult<Activity> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "Activity")?;
        let loaded = write::load::<activities::Entity>(&w, id).await?;
        // The date and the fiscal year must agree after the change, whichever of them it makes.
        let (date, fiscal_year) = dated(
            &input.date,
            input.fiscal_year,
            loaded.model.date.as_deref(),
            loaded.model.fiscal_year,
        )?;
        let count = |field: &str, n: MaybeUndefined<i32>| -> AppResult<ActiveValue<Option<i32>>> {
            Ok(match n {
                MaybeUndefined::Undefined => NotSet,
                MaybeUndefined::Null => Set(None),
                MaybeUndefined::Value(n) => Set(Some(v::count(field, n)?)),
            })
        };
        let am = activities::ActiveModel {
            title: patch_required("input.title", input.title, MAX_TITLE)?,
            date,
            fiscal_year: Set(fiscal_year),
            label_ja: patch_text("input.labelJa", input.label_ja, MAX_LABEL)?,
            sessions: count("input.sessions", input.sessions)?,
            participants: count("input.participants", input.participants)?,
            approximate: patch(input.approximate),
            audience: patch_text("input.audience", input.audience, MAX_TEXT)?,
            topic: patch_text("input.topic", input.topic, MAX_TEXT)?,
            department: patch_text("input.department", input.department, MAX_TITLE)?,
            venue: patch_text("input.venue", input.venue, MAX_TEXT)?,
            speakers: match input.speakers {
                Some(s) => Set(json_list("input.speakers", s, MAX_TITLE)?),
                None => NotSet,
            },
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            ..Default::default()
        };
        let m =
            write::update::<activities::Entity>(&mut w, loaded, input.version, am, "key").await?;
        w.commit().await?;
        Ok(Activity(m))
    }

    async fn delete_activity(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<activities::Entity>(ctx, &id, version).await
    }

    async fn create_proposal(
        &self,
        ctx: &Context<'_>,
        input: CreateProposalInput,
    ) -> AppResult<Proposal> {
        let mut w = begin(ctx).await?;
        let program_id = record_id("input.program", &input.program, "Program")?;
        let program = write::load::<programs::Entity>(&w, program_id).await?;
        let siblings = proposals::Entity::find()
            .filter(proposals::Column::ProgramId.eq(program_id))
            .count(w.txn())
            .await?;
        let am = proposals::ActiveModel {
            program_id: Set(program_id),
            fiscal_year: Set(input.fiscal_year.0),
            track: Set(input.track.as_str().to_owned()),
            title: Set(v::optional("input.title", input.title, MAX_TITLE)?),
            count: Set(v::count("input.count", input.count)?),
            stage: Set(input.stage.as_str().to_owned()),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<proposals::Entity>(&mut w, &program.owner, "key", am).await?;
        w.commit().await?;
        Ok(Proposal(m))
    }

    async fn update_proposal(
        &self,
        ctx: &Context<'_>,
        input: UpdateProposalInput,
    ) -> AppResult<Proposal> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "Proposal")?;
        let loaded = write::load::<proposals::Entity>(&w, id).await?;
        let am = proposals::ActiveModel {
            fiscal_year: patch(input.fiscal_year.map(|y| y.0)),
            track: patch(input.track.map(|t| t.as_str().to_owned())),
            title: patch_text("input.title", input.title, MAX_TITLE)?,
            count: patch(
                input
                    .count
                    .map(|n| v::count("input.count", n))
                    .transpose()?,
            ),
            stage: patch(input.stage.map(|s| s.as_str().to_owned())),
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            ..Default::default()
        };
        let m =
            write::update::<proposals::Entity>(&mut w, loaded, input.version, am, "key").await?;
        w.commit().await?;
        Ok(Proposal(m))
    }

    async fn delete_proposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<proposals::Entity>(ctx, &id, version).await
    }

    async fn create_body(&self, ctx: &Context<'_>, input: CreateBodyInput) -> AppResult<Body> {
        let mut w = begin(ctx).await?;
        let owner = municipality_code(&w, "input.municipality", &input.municipality).await?;
        w.authorize(&owner)?;
        let parent_id = match &input.parent {
            Some(p) => {
                let parent =
                    write::load::<bodies::Entity>(&w, record_id("input.parent", p, "Body")?)
                        .await?;
                if parent.owner != owner {
                    return Err(AppError::BadInput(format!(
                        "input.parent: the parent body belongs to {}, not {owner}",
                        parent.owner
                    )));
                }
                Some(parent.model.id)
            }
            None => None,
        };
        let siblings = bodies::Entity::find()
            .filter(bodies::Column::MunicipalityCode.eq(&owner))
            .count(w.txn())
            .await?;
        let am = bodies::ActiveModel {
            municipality_code: Set(owner.clone()),
            key: Set(v::key("input.key", &input.key)?),
            kind: Set(input.kind.as_str().to_owned()),
            name_ja: Set(v::required("input.nameJa", &input.name_ja, MAX_TITLE)?),
            name_en: Set(v::optional("input.nameEn", input.name_en, MAX_TITLE)?),
            parent_id: Set(parent_id),
            composition: Set(v::optional(
                "input.composition",
                input.composition,
                MAX_TEXT,
            )?),
            role: Set(v::optional("input.role", input.role, MAX_TEXT)?),
            duties: Set(json_list("input.duties", input.duties, MAX_TEXT)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            source_id: Set(optional_source(&w, "input.source", &owner, input.source).await?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<bodies::Entity>(&mut w, &owner, "key", am).await?;
        w.commit().await?;
        Ok(Body(m))
    }

    async fn update_body(&self, ctx: &Context<'_>, input: UpdateBodyInput) -> AppResult<Body> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "Body")?;
        let loaded = write::load::<bodies::Entity>(&w, id).await?;
        let owner = loaded.owner.clone();
        let am = bodies::ActiveModel {
            kind: patch(input.kind.map(|k| k.as_str().to_owned())),
            name_ja: patch_required("input.nameJa", input.name_ja, MAX_TITLE)?,
            name_en: patch_text("input.nameEn", input.name_en, MAX_TITLE)?,
            composition: patch_text("input.composition", input.composition, MAX_TEXT)?,
            role: patch_text("input.role", input.role, MAX_TEXT)?,
            duties: match input.duties {
                Some(d) => Set(json_list("input.duties", d, MAX_TEXT)?),
                None => NotSet,
            },
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            source_id: patch_source(&w, "input.source", &owner, input.source).await?,
            ..Default::default()
        };
        let m = write::update::<bodies::Entity>(&mut w, loaded, input.version, am, "key").await?;
        w.commit().await?;
        Ok(Body(m))
    }

    /// Deletes a body that has no meetings, yearly counts or sub-bodies left.
    async fn delete_body(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<bodies::Entity>(ctx, &id, version).await
    }

    /// Creates a meeting of a body, with its agenda.
    async fn create_meeting(
        &self,
        ctx: &Context<'_>,
        input: CreateMeetingInput,
    ) -> AppResult<Meeting> {
        let mut w = begin(ctx).await?;
        let body_id = record_id("input.body", &input.body, "Body")?;
        let body = write::load::<bodies::Entity>(&w, body_id).await?;
        let date = input
            .date
            .as_deref()
            .map(|d| v::partial_date("input.date", d))
            .transpose()?;
        let fiscal_year = v::fiscal_year_of(
            "input.fiscalYear",
            input.fiscal_year.map(|y| y.0),
            date.as_ref(),
        )?;
        let agenda = v::list("input.agenda", input.agenda, MAX_TEXT)?;
        let siblings = meetings::Entity::find()
            .filter(meetings::Column::BodyId.eq(body_id))
            .count(w.txn())
            .await?;
        let am = meetings::ActiveModel {
            body_id: Set(body_id),
            municipality_code: Set(body.owner.clone()),
            number: Set(input
                .number
                .map(|n| v::count("input.number", n))
                .transpose()?),
            date: Set(date.map(|d| d.0)),
            fiscal_year: Set(fiscal_year),
            date_note: Set(v::optional("input.dateNote", input.date_note, MAX_TEXT)?),
            format: Set(input.format.as_str().to_owned()),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        // The audit image includes the agenda, so the creation is recorded after it is written.
        let m = write::insert_row::<meetings::Entity>(&mut w, &body.owner, "key", am).await?;
        write_agenda(&w, m.id, agenda).await?;
        write::audit_created::<meetings::Entity>(&mut w, &body.owner, &m).await?;
        w.commit().await?;
        Ok(Meeting(m))
    }

    /// Changes a meeting; `agenda`, when given, replaces the whole agenda.
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeetingInput,
    ) -> AppResult<Meeting> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "Meeting")?;
        let loaded = write::load::<meetings::Entity>(&w, id).await?;
        // Before the agenda is rewritten; `update` checks again in its WHERE clause.
        write::check_version::<meetings::Entity>(&loaded, input.version)?;
        let (date, fiscal_year) = dated(
            &input.date,
            input.fiscal_year,
            loaded.model.date.as_deref(),
            loaded.model.fiscal_year,
        )?;
        let am = meetings::ActiveModel {
            number: match input.number {
                MaybeUndefined::Undefined => NotSet,
                MaybeUndefined::Null => Set(None),
                MaybeUndefined::Value(n) => Set(Some(v::count("input.number", n)?)),
            },
            date,
            fiscal_year: Set(fiscal_year),
            date_note: patch_text("input.dateNote", input.date_note, MAX_TEXT)?,
            format: patch(input.format.map(|f| f.as_str().to_owned())),
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            ..Default::default()
        };
        if let Some(agenda) = input.agenda {
            write_agenda(&w, id, agenda).await?;
        }
        let m = write::update::<meetings::Entity>(&mut w, loaded, input.version, am, "key").await?;
        w.commit().await?;
        Ok(Meeting(m))
    }

    /// Deletes a meeting and its agenda.
    async fn delete_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<meetings::Entity>(ctx, &id, version).await
    }

    async fn create_support_center(
        &self,
        ctx: &Context<'_>,
        input: CreateSupportCenterInput,
    ) -> AppResult<SupportCenter> {
        let mut w = begin(ctx).await?;
        let owner = municipality_code(&w, "input.municipality", &input.municipality).await?;
        w.authorize(&owner)?;
        let siblings = support_centers::Entity::find()
            .filter(support_centers::Column::MunicipalityCode.eq(&owner))
            .count(w.txn())
            .await?;
        let am = support_centers::ActiveModel {
            municipality_code: Set(owner.clone()),
            key: Set(v::key("input.key", &input.key)?),
            name_ja: Set(v::required("input.nameJa", &input.name_ja, MAX_TITLE)?),
            name_en: Set(v::optional("input.nameEn", input.name_en, MAX_TITLE)?),
            opened: Set(input
                .opened
                .as_deref()
                .map(|d| v::partial_date("input.opened", d).map(|d| d.0))
                .transpose()?),
            operator: Set(v::optional("input.operator", input.operator, MAX_TEXT)?),
            management_model: Set(input.management_model.as_str().to_owned()),
            management_since_fiscal_year: Set(input.management_since_fiscal_year.map(|y| y.0)),
            services: Set(v::optional("input.services", input.services, MAX_TEXT)?),
            note: Set(v::optional("input.note", input.note, MAX_TEXT)?),
            source_id: Set(optional_source(&w, "input.source", &owner, input.source).await?),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m = write::insert::<support_centers::Entity>(&mut w, &owner, "key", am).await?;
        w.commit().await?;
        Ok(SupportCenter(m))
    }

    async fn update_support_center(
        &self,
        ctx: &Context<'_>,
        input: UpdateSupportCenterInput,
    ) -> AppResult<SupportCenter> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "SupportCenter")?;
        let loaded = write::load::<support_centers::Entity>(&w, id).await?;
        let owner = loaded.owner.clone();
        let opened = match input.opened {
            MaybeUndefined::Undefined => NotSet,
            MaybeUndefined::Null => Set(None),
            MaybeUndefined::Value(d) => Set(Some(v::partial_date("input.opened", &d)?.0)),
        };
        let am = support_centers::ActiveModel {
            name_ja: patch_required("input.nameJa", input.name_ja, MAX_TITLE)?,
            name_en: patch_text("input.nameEn", input.name_en, MAX_TITLE)?,
            opened,
            operator: patch_text("input.operator", input.operator, MAX_TEXT)?,
            management_model: patch(input.management_model.map(|m| m.as_str().to_owned())),
            management_since_fiscal_year: patch_nullable(
                input.management_since_fiscal_year.map_value(|y| y.0),
            ),
            services: patch_text("input.services", input.services, MAX_TEXT)?,
            note: patch_text("input.note", input.note, MAX_TEXT)?,
            source_id: patch_source(&w, "input.source", &owner, input.source).await?,
            ..Default::default()
        };
        let m = write::update::<support_centers::Entity>(&mut w, loaded, input.version, am, "key")
            .await?;
        w.commit().await?;
        Ok(SupportCenter(m))
    }

    async fn delete_support_center(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<support_centers::Entity>(ctx, &id, version).await
    }

    /// Adds a fiscal year to a plan item's schedule (工程表).
    async fn create_schedule_entry(
        &self,
        ctx: &Context<'_>,
        input: CreateScheduleEntryInput,
    ) -> AppResult<ScheduleEntry> {
        let mut w = begin(ctx).await?;
        let item_id = record_id("input.item", &input.item, "PlanItem")?;
        if plan_items::Entity::find_by_id(item_id)
            .one(w.txn())
            .await?
            .is_none()
        {
            return Err(AppError::NotFound("input.item: no such plan item".into()));
        }
        let owner = records::item_owner(w.txn(), item_id).await?;
        w.authorize(&owner)?;
        let label = v::required("input.labelJa", &input.label_ja, MAX_LABEL)?;
        let phase = input
            .phase
            .unwrap_or_else(|| SchedulePhase::from_label(&label));
        let siblings = schedule_entries::Entity::find()
            .filter(schedule_entries::Column::ItemId.eq(item_id))
            .count(w.txn())
            .await?;
        let am = schedule_entries::ActiveModel {
            item_id: Set(item_id),
            fiscal_year: Set(input.fiscal_year.0),
            phase: Set(phase.as_str().to_owned()),
            label_ja: Set(label),
            position: Set(position(siblings)),
            created_at: Set(w.now()),
            ..Default::default()
        };
        let m =
            write::insert::<schedule_entries::Entity>(&mut w, &owner, "item and fiscal year", am)
                .await?;
        w.commit().await?;
        Ok(ScheduleEntry(m))
    }

    async fn update_schedule_entry(
        &self,
        ctx: &Context<'_>,
        input: UpdateScheduleEntryInput,
    ) -> AppResult<ScheduleEntry> {
        let mut w = begin(ctx).await?;
        let id = record_id("input.id", &input.id, "ScheduleEntry")?;
        let loaded = write::load::<schedule_entries::Entity>(&w, id).await?;
        let label = input
            .label_ja
            .map(|l| v::required("input.labelJa", &l, MAX_LABEL))
            .transpose()?;
        // A new label without a phase re-reads the phase from it.
        let phase = input
            .phase
            .or_else(|| label.as_deref().map(SchedulePhase::from_label));
        let am = schedule_entries::ActiveModel {
            fiscal_year: patch(input.fiscal_year.map(|y| y.0)),
            label_ja: patch(label),
            phase: patch(phase.map(|p| p.as_str().to_owned())),
            ..Default::default()
        };
        let m = write::update::<schedule_entries::Entity>(
            &mut w,
            loaded,
            input.version,
            am,
            "item and fiscal year",
        )
        .await?;
        w.commit().await?;
        Ok(ScheduleEntry(m))
    }

    async fn delete_schedule_entry(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: Option<i32>,
    ) -> AppResult<Deleted> {
        delete_record::<schedule_entries::Entity>(ctx, &id, version).await
    }
}
