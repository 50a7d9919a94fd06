//! 事業: mutations of programmes and of what hangs off them, their activities and proposals.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{activities, programs, proposals};
use sea_orm::ActiveValue::{self, NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{
    Deleted, begin, dated, delete_record, json_list, municipality_code, optional_source, patch,
    patch_nullable, patch_required, patch_source, patch_text, position, record_id,
};
use crate::domain::{ProgramKind, ProposalStage, ProposalTrack};
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::types::program::{Activity, Program, Proposal};
use crate::write;
use crate::write::validate::{self as v, MAX_LABEL, MAX_TEXT, MAX_TITLE};

#[derive(Default)]
pub struct ProgramMutation;

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
    /// The end of a period that starts at `date`, in the same form.
    pub date_end: Option<String>,
    /// Needed unless the date gives at least the month; the first year of a span.
    pub fiscal_year: Option<FiscalYear>,
    /// The last fiscal year of a span the document counts as one (「H23～27年度」); the same
    /// as `fiscalYear` when left out.
    pub fiscal_year_to: Option<FiscalYear>,
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
    /// The end of a period that starts at `date`; null for a single date.
    pub date_end: MaybeUndefined<String>,
    /// The first year of the span.
    pub fiscal_year: Option<FiscalYear>,
    /// The last year of the span. Left out, a single-year activity stays single-year when
    /// `fiscalYear` moves, and a span keeps its last year.
    pub fiscal_year_to: Option<FiscalYear>,
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

#[Object]
impl ProgramMutation {
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
        let date_end = period_end(
            date.as_ref().map(|d| d.0.as_str()),
            input.date_end.as_deref(),
        )?;
        let siblings = activities::Entity::find()
            .filter(activities::Column::ProgramId.eq(program_id))
            .count(w.txn())
            .await?;
        let am = activities::ActiveModel {
            program_id: Set(program_id),
            title: Set(v::required("input.title", &input.title, MAX_TITLE)?),
            date: Set(date.map(|d| d.0)),
            date_end: Set(date_end),
            fiscal_year: Set(fiscal_year),
            fiscal_year_to: Set(v::span_end(
                "input.fiscalYearTo",
                fiscal_year,
                input.fiscal_year_to.map_or(fiscal_year, |y| y.0),
            )?),
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
        // The period's end, checked against the start as it is after the update.
        let start = match &input.date {
            MaybeUndefined::Undefined => loaded.model.date.clone(),
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(d) => Some(v::partial_date("input.date", d)?.0),
        };
        let date_end = match &input.date_end {
            MaybeUndefined::Undefined => match (&start, &loaded.model.date_end) {
                // A period whose start goes away, or moves past its end, must be restated.
                (None, Some(_)) => Set(None),
                (Some(_), Some(end)) => Set(period_end(start.as_deref(), Some(end))?),
                _ => NotSet,
            },
            MaybeUndefined::Null => Set(None),
            MaybeUndefined::Value(end) => Set(period_end(start.as_deref(), Some(end))?),
        };
        let single_year = loaded.model.fiscal_year_to == loaded.model.fiscal_year;
        let fiscal_year_to = v::span_end(
            "input.fiscalYearTo",
            fiscal_year,
            match input.fiscal_year_to {
                Some(y) => y.0,
                None if single_year => fiscal_year,
                None => loaded.model.fiscal_year_to,
            },
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
            date_end,
            fiscal_year: Set(fiscal_year),
            fiscal_year_to: Set(fiscal_year_to),
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
}

/// The end of an activity's period: a partial date not before the start, which it needs.
fn period_end(start: Option<&str>, end: Option<&str>) -> AppResult<Option<String>> {
    let Some(end) = end else {
        return Ok(None);
    };
    let end = v::partial_date("input.dateEnd", end)?.0;
    match start {
        None => Err(AppError::BadInput(
            "input.dateEnd: a period needs its start in input.date".into(),
        )),
        Some(start) if end.as_str() < start => Err(AppError::BadInput(format!(
            "input.dateEnd: {end} is before the date {start}"
        ))),
        Some(_) => Ok(Some(end)),
    }
}
