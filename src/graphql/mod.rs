//! The GraphQL schema: types, loaders and the root query, assembled by [`build_schema`].

pub mod crosscity;
pub mod ids;
pub mod loaders;
pub mod query;
pub mod scalars;
pub mod types;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{
    EmptyMutation, EmptySubscription, MergedObject, Response, Schema, SchemaBuilder,
};
use sea_orm::DatabaseConnection;

/// The root query: one city's records ([`query::Query`]) and questions across cities
/// ([`crosscity::CrossCityQuery`]).
#[derive(MergedObject, Default)]
pub struct QueryRoot(query::Query, crosscity::CrossCityQuery);

pub type AppSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// The schema without data, for exporting its SDL.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
}

/// The schema serving `db`.
pub fn build_schema(db: DatabaseConnection) -> AppSchema {
    schema_builder()
        .data(loaders::Loaders::new(&db))
        .data(db)
        .finish()
}

/// The SDL clients see, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    schema_builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}

/// Gives every error an `extensions.code`. Resolver errors carry theirs already; what is left
/// comes from async-graphql itself rejecting the request (syntax, unknown fields, a variable or
/// argument that does not coerce, such as a fiscal year that is no year), which is the client's
/// input.
struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            let ext = error.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                ext.set("code", "BAD_USER_INPUT");
            }
        }
        response
    }
}
