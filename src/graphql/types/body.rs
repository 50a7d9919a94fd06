//! 推進体制: collaboration bodies, their yearly counts and meetings.

use async_graphql::{Context, ID, Object};
use entity::*;

use super::municipality::Municipality;
use super::source::Source;
use super::{list, municipality_of, source_of, vocab};
use crate::domain::{BodyKind, DateKind, MeetingFormat};
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::{children_as, one};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::{ids, loaders};

/// 推進体制: a collaboration body.
pub struct Body(pub bodies::Model);

/// How often a body met in a fiscal year.
pub struct BodyYear(pub body_years::Model);

#[Object]
impl Body {
    pub(super) async fn id(&self) -> ID {
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
    pub(super) async fn id(&self) -> ID {
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
    /// What `date` is: the day it was held, or a deadline (「令和5年8月10日まで 開催案内送付」 is
    /// the deadline of a written meeting, not a sitting). Null without a date.
    async fn date_kind(&self) -> AppResult<Option<DateKind>> {
        if self.0.date.is_none() {
            return Ok(None);
        }
        vocab(&self.0.date_kind).map(Some)
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
