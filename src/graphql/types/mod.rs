//! The object types of the public API, each a thin wrapper around its sea-orm model, one file
//! per family of records. Nested fields go through the batched
//! [`Loaders`](crate::graphql::loaders::Loaders), never a query of their own; a municipality's
//! `plans` load the tree below them as deep as the query asks, through one of them
//! ([`crate::read::plan_tree`]). This file keeps the readers of columns and links that every
//! family shares.

pub mod body;
pub mod calendar;
pub mod indicator;
pub mod municipality;
pub mod node;
pub mod ordinance;
pub mod plan;
pub mod program;
pub mod region;
pub mod source;
pub mod support_center;

use async_graphql::Context;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};
use crate::graphql::loaders;
use crate::graphql::loaders::one;
use municipality::Municipality;
use source::Source;

/// Decodes a JSON list column; the importer wrote it, so a failure is a defect, not input.
fn list<T: DeserializeOwned>(text: &str) -> AppResult<Vec<T>> {
    crate::domain::json_list::decode(text)
        .map_err(|e| AppError::internal(anyhow::anyhow!("corrupt list column: {e}")))
}

/// Reads an enum column written by the importer.
fn vocab<T: std::str::FromStr<Err = String>>(text: &str) -> AppResult<T> {
    text.parse()
        .map_err(|e: String| AppError::internal(anyhow::anyhow!(e)))
}

async fn source_of(ctx: &Context<'_>, id: Option<i32>) -> AppResult<Option<Source>> {
    match id {
        Some(id) => Ok(one(&loaders(ctx).source, id).await?.map(Source)),
        None => Ok(None),
    }
}

async fn municipality_of(ctx: &Context<'_>, code: &str) -> AppResult<Municipality> {
    one(&loaders(ctx).municipality, code.to_owned())
        .await?
        .map(Municipality)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("municipality {code} vanished")))
}
