//! 事業: programmes with their activities and proposals.

use async_graphql::{Context, ID, Object};
use entity::*;

use super::municipality::Municipality;
use super::source::Source;
use super::{list, municipality_of, source_of, vocab};
use crate::domain::{ProgramKind, ProposalStage, ProposalTrack};
use crate::error::AppResult;
use crate::graphql::loaders::{children_as, one};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::{ids, loaders};

/// 事業: a programme — a proposal scheme, training, course, forum …
pub struct Program(pub programs::Model);

#[Object]
impl Program {
    pub(super) async fn id(&self) -> ID {
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
    pub(super) async fn id(&self) -> ID {
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
    /// The end of a period the document gives (「令和5年7月から9月まで」: date 2023-07,
    /// dateEnd 2023-09); null for a single date.
    async fn date_end(&self) -> Option<&str> {
        self.0.date_end.as_deref()
    }
    /// The first fiscal year the activity covers.
    #[graphql(
        deprecation = "An activity may cover a span of fiscal years: this is its first year only. Use fiscalYearFrom and fiscalYearTo."
    )]
    async fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// The first fiscal year the activity covers.
    async fn fiscal_year_from(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year)
    }
    /// The last fiscal year it covers: the same as `fiscalYearFrom` unless the document gives
    /// one line, and one count, for several years (「H23～27年度 … 計411名」).
    async fn fiscal_year_to(&self) -> FiscalYear {
        FiscalYear(self.0.fiscal_year_to)
    }
    /// The document's date wording (for a span, its wording of the years, e.g. H25～H27).
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
    pub(super) async fn id(&self) -> ID {
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
