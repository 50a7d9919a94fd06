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
        record_global_id(&self.0.entity, self.0.record_id)
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
    /// The record before the change; null for a creation. Its fields are named as the
    /// record's GraphQL type names them (`fiscalYear`, `labelJa`), and the records it points
    /// to are given by global ID (`id`, `municipality`, `source`, `program` …).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        parse(&self.0.entity, self.0.before.as_deref())
    }
    /// The record after the change; null for a deletion. Named as `before` is.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        parse(&self.0.entity, self.0.after.as_deref())
    }
}

/// The global ID of a record the trail names by type and row id.
pub(crate) fn record_global_id(entity: &str, record_id: i32) -> ID {
    if entity == "Municipality" {
        // A municipality's key is its six-digit code, kept in an integer column.
        return ids::encode("Municipality", format!("{record_id:06}"));
    }
    ids::encode(entity, record_id)
}

fn parse(entity: &str, text: Option<&str>) -> Option<Json<serde_json::Value>> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .map(|v| Json(in_api_terms(entity, v)))
}

/// 参照列 The columns that point at another record: the field the API gives the record under,
/// and the type of its global ID.
const REFERENCES: [(&str, &str, &str); 12] = [
    ("municipality_code", "municipality", "Municipality"),
    ("source_id", "source", "Source"),
    ("program_id", "program", "Program"),
    ("indicator_id", "indicator", "Indicator"),
    ("body_id", "body", "Body"),
    ("parent_id", "parent", "Body"),
    ("item_id", "item", "PlanItem"),
    ("plan_id", "plan", "Plan"),
    ("policy_id", "policy", "Policy"),
    ("measure_id", "measure", "Measure"),
    ("meeting_id", "meeting", "Meeting"),
    ("repost_of_id", "repostOf", "PlanItem"),
];

/// Columns that hold a JSON list as text; the API serves them as lists.
const LISTS: [&str; 6] = [
    "speakers",
    "duties",
    "tags",
    "departments",
    "implementers",
    "items",
];

/// An audit image as the API speaks: the trail keeps each record as its table row was
/// (column names, row ids), which no client should have to know. Rows written before this
/// conversion existed and after it read the same; the conversion leaves names and IDs that are
/// already the API's alone, so it is safe on any image.
fn in_api_terms(entity: &str, image: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let Value::Object(fields) = image else {
        return image;
    };
    let mut out = serde_json::Map::new();
    for (name, value) in fields {
        if name == "id" {
            let value = match value.as_i64() {
                Some(id) => Value::String(ids::encode(entity, id).0),
                None => value,
            };
            out.insert(name, value);
            continue;
        }
        if let Some((_, field, type_name)) = REFERENCES.iter().find(|(c, _, _)| *c == name) {
            let id = match &value {
                Value::Number(n) => n.as_i64().map(|k| ids::encode(type_name, k).0),
                Value::String(code) => Some(ids::encode(type_name, code).0),
                _ => None,
            };
            out.insert((*field).to_owned(), id.map_or(Value::Null, Value::String));
            continue;
        }
        if name == "metric_code" {
            // Metrics are known by their catalogue code; the API has no other id for them.
            out.insert("metric".to_owned(), value);
            continue;
        }
        let value = match value {
            Value::String(text) if LISTS.contains(&name.as_str()) => {
                serde_json::from_str::<Vec<Value>>(&text)
                    .map(Value::Array)
                    .unwrap_or(Value::String(text))
            }
            other => other,
        };
        out.insert(camel_case(&name), value);
    }
    Value::Object(out)
}

/// `fiscal_year` → `fiscalYear`; a name without `_` stays as it is.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ids, in_api_terms};

    #[test]
    fn a_stored_row_reads_in_graphql_names_and_global_ids() {
        let stored = json!({
            "id": 7, "municipality_code": "352063", "metric_code": "promotion_officers",
            "fiscal_year": 2023, "label_ja": null, "source_id": 3, "version": 2,
            "updated_at": "2026-11-30T00:00:00Z"
        });
        let api = in_api_terms("Observation", stored);
        assert_eq!(
            api,
            json!({
                "id": ids::encode("Observation", 7).0,
                "municipality": ids::encode("Municipality", "352063").0,
                "metric": "promotion_officers", "fiscalYear": 2023, "labelJa": null,
                "source": ids::encode("Source", 3).0, "version": 2,
                "updatedAt": "2026-11-30T00:00:00Z"
            })
        );
        // Read again, it stays as it is.
        assert_eq!(in_api_terms("Observation", api.clone()), api);
        let body = in_api_terms(
            "Body",
            json!({ "duties": "[\"a\",\"b\"]", "parent_id": null }),
        );
        assert_eq!(body, json!({ "duties": ["a", "b"], "parent": null }));
    }
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
