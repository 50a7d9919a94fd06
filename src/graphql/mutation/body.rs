//! 推進体制: mutations of collaboration bodies and their meetings with the agendas.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{agenda_items, bodies, meetings};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{
    Deleted, begin, dated, delete_record, json_list, municipality_code, optional_source, patch,
    patch_required, patch_source, patch_text, position, record_id,
};
use crate::domain::{BodyKind, DateKind, MeetingFormat};
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::body::{Body, Meeting};
use crate::write::validate::{self as v, MAX_TEXT, MAX_TITLE};
use crate::write::{self, Writer};

#[derive(Default)]
pub struct BodyMutation;

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
    /// What the date is; read from `dateNote` when left out (…まで is a deadline).
    pub date_kind: Option<DateKind>,
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
    /// What the date is; a new `dateNote` without it re-reads it from the note.
    pub date_kind: Option<DateKind>,
    pub format: Option<MeetingFormat>,
    pub note: MaybeUndefined<String>,
    /// Replaces the whole agenda when given.
    pub agenda: Option<Vec<String>>,
}

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

#[Object]
impl BodyMutation {
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
            date_kind: Set(input
                .date_kind
                .unwrap_or_else(|| DateKind::from_wording(input.date_note.as_deref()))
                .as_str()
                .to_owned()),
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
        let date_kind = input.date_kind.or(match &input.date_note {
            MaybeUndefined::Value(note) => Some(DateKind::from_wording(Some(note))),
            MaybeUndefined::Null => Some(DateKind::Held),
            MaybeUndefined::Undefined => None,
        });
        let am = meetings::ActiveModel {
            date_kind: patch(date_kind.map(|k| k.as_str().to_owned())),
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
}
