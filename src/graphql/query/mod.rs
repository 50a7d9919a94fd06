//! The root `Query`: entry points into the dataset by municipality, region and catalogue,
//! questions across cities, the audit trail and federation's entity resolvers, each in its own
//! file and merged here.

pub mod changes;
pub mod city;
pub mod crosscity;
pub mod federation;
pub mod recent;

use async_graphql::MergedObject;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::graphql::ids;
use entity::municipalities;

/// The root query: each municipality's records, and questions across municipalities.
#[derive(MergedObject, Default)]
pub struct Query(
    city::CityQuery,
    crosscity::CrossCityQuery,
    changes::ChangesQuery,
    recent::RecentChangesQuery,
    federation::FederationQuery,
);
// The parts keep the order their fields had, which the SDL shows; federation composes on the
// name `Query`.

/// A municipality named by code, slug or global id, as its code; `NOT_FOUND` naming `field`
/// if the hub does not have it.
pub(crate) async fn resolve_municipality(
    db: &impl sea_orm::ConnectionTrait,
    field: &str,
    value: &str,
) -> AppResult<String> {
    let value = value.trim();
    let by_code = ids::key_of::<String>(value, "Municipality").or_else(|| {
        (value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit())).then(|| value.to_owned())
    });
    let found = match by_code {
        Some(code) => municipalities::Entity::find_by_id(code).one(db).await?,
        None => {
            municipalities::Entity::find()
                .filter(municipalities::Column::Slug.eq(value))
                .one(db)
                .await?
        }
    };
    found
        .map(|m| m.code)
        .ok_or_else(|| AppError::NotFound(format!("{field}: no municipality {value:?} in the hub")))
}
