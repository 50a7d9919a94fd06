//! `Query.recentChanges`: what changed lately, for anyone. The audit trail (`changes`) names
//! the token behind each change and keeps whole records before and after; both stay behind a
//! token. This feed reads the same table and says only when, where, what kind of record and how,
//! so a portal's home page can show "the latest changes" without a token.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::changes;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::ChangeOperation;
use crate::error::AppResult;
use crate::graphql::pagination::{TotalCount, connection, page_window};
use crate::graphql::types::municipality::Municipality;
use crate::graphql::{db, loaders};

#[derive(Default)]
pub struct RecentChangesQuery;

/// 更新履歴 One entry of the public change feed: when a record of which municipality was
/// created, updated or deleted, or a whole municipality imported. Who made the change and the
/// values before and after are not here: they are in the token-only `changes`.
pub struct RecentChange {
    row: changes::Model,
    label: Option<String>,
}

impl RecentChange {
    fn of(row: changes::Model) -> RecentChange {
        let label = label_of(&row);
        RecentChange { row, label }
    }
}

#[Object]
impl RecentChange {
    async fn at(&self) -> DateTime<Utc> {
        self.row.at
    }
    /// CREATE, UPDATE, DELETE, or IMPORT (the whole municipality replaced from its file: one
    /// entry per municipality, however many records the file held).
    async fn operation(&self) -> &str {
        &self.row.operation
    }
    /// The GraphQL type of the record, e.g. `Observation`; `Municipality` for an IMPORT.
    async fn entity(&self) -> &str {
        &self.row.entity
    }
    /// The record's global ID, which `node` resolves while the record exists (a deleted one
    /// resolves to null).
    async fn record(&self) -> ID {
        super::changes::record_global_id(&self.row.entity, self.row.record_id)
    }
    /// A name for the record where it has one (a programme's title, a body's name, an
    /// observation's metric code and fiscal year); null where it has none.
    async fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
    /// The municipality that owns the record; null if it has left the hub since.
    async fn municipality(&self, ctx: &Context<'_>) -> AppResult<Option<Municipality>> {
        Ok(crate::graphql::loaders::one(
            &loaders(ctx).municipality,
            self.row.municipality_code.clone(),
        )
        .await?
        .map(Municipality))
    }
    /// The owning municipality's code, kept even if it leaves the hub.
    async fn municipality_code(&self) -> &str {
        &self.row.municipality_code
    }
}

/// The record's name as the audit image holds it: the names only, never values, so that the
/// public feed shows nothing the record's page would not. A deletion names what was deleted.
fn label_of(row: &changes::Model) -> Option<String> {
    let image = if row.operation == ChangeOperation::Delete.as_str() {
        row.before.as_deref()
    } else {
        row.after.as_deref().or(row.before.as_deref())
    }?;
    let image: serde_json::Value = serde_json::from_str(image).ok()?;
    let text = |name: &str| {
        image
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let named = ["title", "name_ja", "nameJa", "name", "heading", "label_ja"]
        .into_iter()
        .find_map(text);
    if let Some(name) = named {
        return Some(name.chars().take(120).collect());
    }
    let year = image.get("fiscal_year").and_then(serde_json::Value::as_i64);
    match (text("metric_code"), year) {
        (Some(metric), Some(year)) => Some(format!("{metric} FY{year}")),
        (Some(metric), None) => Some(metric.to_owned()),
        (None, Some(year)) => Some(format!("FY{year}")),
        (None, None) => None,
    }
}

#[Object]
impl RecentChangesQuery {
    /// 最近の更新 The public change feed, newest first: what was created, updated, deleted or
    /// imported, in every municipality or in `municipality` (a code or slug). Paged like every
    /// connection (`first` 1–100, default 20, `after`). Needs no token; it leaves out who made
    /// each change and the values before and after, which `changes` gives to a token.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity + 1")]
    async fn recent_changes(
        &self,
        ctx: &Context<'_>,
        municipality: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<String, RecentChange, TotalCount>> {
        let (offset, size) = page_window(first, after)?;
        let mut query = changes::Entity::find();
        if let Some(m) = &municipality {
            let code = super::resolve_municipality(db(ctx), "municipality", m).await?;
            query = query.filter(changes::Column::MunicipalityCode.eq(code));
        }
        let total = query.clone().count(db(ctx)).await?;
        let page = query
            .order_by_desc(changes::Column::Id)
            .offset(offset as u64)
            .limit(size as u64)
            .all(db(ctx))
            .await?;
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        Ok(connection(page, offset.min(total), total, RecentChange::of))
    }
}
