//! The root `Mutation`: what cities keep current themselves. Every mutation needs a token
//! (`UNAUTHENTICATED` without one), may touch only records whose municipality, read from the
//! database, is the token's (`FORBIDDEN` otherwise), and runs in one transaction with its
//! audit row (see [`crate::write`]). Updates name the `version` they read (`CONFLICT` when it
//! is stale); deletes may.
//!
//! Each family of records has its own file with its inputs and resolvers. `Create…Input`
//! holds what a new record needs; `Update…Input` the `id` and `version` read, plus the fields
//! to change (left out: unchanged; `null`: cleared, where allowed). This file keeps what the
//! families share: the transaction, the id and source lookups and the patch helpers.

mod body;
mod indicator;
mod observation;
mod program;
mod schedule;
mod support_center;

use async_graphql::{Context, ID, MaybeUndefined, MergedObject, SimpleObject};
use entity::{metrics, sources};
use sea_orm::{
    ActiveValue::{self, NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter,
};

use crate::error::{AppError, AppResult};
use crate::graphql::scalars::FiscalYear;
use crate::graphql::{db, ids};
use crate::write::validate as v;
use crate::write::{self, WriteLock, Writer};

// The families in the order their fields had in the schema, which the merge keeps. No doc
// comment: it would become the type's description in the SDL.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    observation::ObservationMutation,
    indicator::IndicatorMutation,
    program::ProgramMutation,
    body::BodyMutation,
    support_center::SupportCenterMutation,
    schedule::ScheduleMutation,
);

/// Opens a write transaction for the request's token.
async fn begin(ctx: &Context<'_>) -> AppResult<Writer> {
    let principal = crate::graphql::principal(ctx)?.clone();
    let lock = ctx.data_opt::<WriteLock>().cloned().unwrap_or_default();
    let cache = ctx
        .data_opt::<std::sync::Arc<crate::cache::ResponseCache>>()
        .cloned();
    let search = ctx
        .data_opt::<std::sync::Arc<crate::read::search::engine::SearchIndex>>()
        .cloned();
    Writer::begin(db(ctx), &lock, cache, search, principal).await
}

/// The row id inside a global id of type `type_name`.
pub fn record_id(field: &str, id: &ID, type_name: &str) -> AppResult<i32> {
    ids::key_of(id, type_name)
        .ok_or_else(|| AppError::BadInput(format!("{field}: {:?} is not a {type_name} id", id.0)))
}

async fn municipality_code(w: &Writer, field: &str, value: &ID) -> AppResult<String> {
    crate::graphql::query::resolve_municipality(w.txn(), field, value).await
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

/// A list argument checked and encoded for its column.
fn json_list(field: &str, values: Vec<String>, max: usize) -> AppResult<String> {
    Ok(crate::domain::json_list::encode(&v::list(
        field, values, max,
    )?))
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
