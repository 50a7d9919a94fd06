//! `Query.changes`: the audit trail. Not public: an admin token sees every change, an editor
//! or viewer token its own municipality's.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::changes;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};
use crate::graphql::pagination::{TotalCount, connection, page_window};
use crate::graphql::types::municipality::Municipality;
use crate::graphql::{db, ids, loaders};

#[derive(Default)]
pub struct ChangesQuery;

/// One change to a record: when, by which token, and the record before and after.
pub struct Change(pub changes::Model);

#[Object]
impl Change {
    async fn id(&self) -> ID {
        ids::encode("Change", self.0.id)
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// CREATE, UPDATE, DELETE, or IMPORT (a whole municipality replaced from a file).
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// The type of the record, e.g. `Observation`.
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The record's global id (usable with `node` while the record exists).
    async fn record_id(&self) -> ID {
        ids::encode(&self.0.entity, self.0.record_id)
    }
    /// The label of the token that made the change.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// ADMIN, EDITOR, or CLI for `kyodo-hub import`.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// The token's id; null for `kyodo-hub import`.
    async fn token_id(&self) -> Option<i32> {
        self.0.token_id
    }
    /// The municipality that owns the record (null if it has left the hub since).
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Option<Municipality>> {
        Ok(crate::graphql::loaders::one(
            &loaders(ctx).municipality,
            self.0.municipality_code.clone(),
        )
        .await?
        .map(Municipality))
    }
    /// The owning municipality's code, kept even if it leaves the hub.
    async fn municipality_code(&self) -> &str {
        &self.0.municipality_code
    }
    /// The record before the change; null for a creation.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        parse(self.0.before.as_deref())
    }
    /// The record after the change; null for a deletion.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        parse(self.0.after.as_deref())
    }
}

fn parse(text: Option<&str>) -> Option<Json<serde_json::Value>> {
    text.and_then(|t| serde_json::from_str(t).ok()).map(Json)
}

#[Object]
impl ChangesQuery {
    /// The audit trail, oldest first. Needs a token: admins see every municipality's changes
    /// (all of them when `municipality`, a code or slug, is left out), editors and viewers
    /// their own's. `since` keeps the changes made at or after that time.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        municipality: Option<ID>,
        since: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<String, Change, TotalCount>> {
        let principal = crate::graphql::principal(ctx)?;
        let (offset, size) = page_window(first, after)?;
        let code = match &municipality {
            Some(m) => {
                Some(crate::graphql::query::resolve_municipality(db(ctx), "municipality", m).await?)
            }
            None => principal.municipality.clone(),
        };
        if let Some(code) = &code
            && !principal.may_read(code)
        {
            return Err(AppError::Forbidden(format!(
                "token {} ({}) may read only municipality {}'s changes, not {code}'s",
                principal.token_id,
                principal.label,
                principal.municipality.as_deref().unwrap_or("-")
            )));
        }
        let mut query = changes::Entity::find();
        if let Some(code) = &code {
            query = query.filter(changes::Column::MunicipalityCode.eq(code.as_str()));
        }
        // Every change is later than year 1; an earlier `since`, which PostgreSQL's timestamps
        // cannot hold, keeps them all.
        if let Some(since) = since.filter(|s| chrono::Datelike::year(s) >= 1) {
            query = query.filter(changes::Column::At.gte(since));
        }
        let total = query.clone().count(db(ctx)).await?;
        let page = query
            .order_by_asc(changes::Column::Id)
            .offset(offset as u64)
            .limit(size as u64)
            .all(db(ctx))
            .await?;
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        Ok(connection(page, offset.min(total), total, Change))
    }
}
