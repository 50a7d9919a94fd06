//! The GraphQL schema: types, loaders and the root query, assembled by [`build_schema`].

pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod scalars;
pub mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::config::ServeConfig;
use crate::read::catalogue::Catalogue;
use crate::read::search::engine::SearchIndex;

pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// The connection pool the schema serves.
pub(crate) fn db<'a>(ctx: &async_graphql::Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The metric catalogue held between requests.
pub(crate) fn catalogue<'a>(ctx: &async_graphql::Context<'a>) -> &'a Catalogue {
    ctx.data_unchecked::<Arc<Catalogue>>()
}

/// The request's verified token, or `UNAUTHENTICATED`.
pub(crate) fn principal<'a>(
    ctx: &async_graphql::Context<'a>,
) -> crate::error::AppResult<&'a crate::write::auth::Principal> {
    ctx.data_opt::<crate::write::auth::Auth>()
        .unwrap_or(&crate::write::auth::Auth::Anonymous)
        .principal()
}

/// The batched loaders every resolver shares.
pub(crate) fn loaders<'a>(ctx: &async_graphql::Context<'a>) -> &'a loaders::Loaders {
    ctx.data_unchecked::<loaders::Loaders>()
}

/// The schema without data, for exporting its SDL.
pub fn schema_builder() -> SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .enable_federation()
}

/// The schema serving `db`, refusing what `limits` do not allow. It has no extensions, which
/// would put every field through async-graphql's slow path; the checks that need the parsed
/// document run before execution in [`crate::gate`].
pub fn build_schema(
    db: DatabaseConnection,
    limits: &ServeConfig,
    cache: Arc<crate::cache::ResponseCache>,
    search: Arc<SearchIndex>,
    catalogue: Arc<Catalogue>,
) -> anyhow::Result<AppSchema> {
    build_schema_nesting(db, limits, cache, search, catalogue, limits.query.max_depth)
}

/// As [`build_schema`], for documents that ask for introspection only: deep enough for the
/// standard IntrospectionQuery, whose other bounds the gate checks
/// ([`crate::gate::introspection`]).
pub fn build_introspection_schema(
    db: DatabaseConnection,
    limits: &ServeConfig,
    cache: Arc<crate::cache::ResponseCache>,
    search: Arc<SearchIndex>,
    catalogue: Arc<Catalogue>,
) -> anyhow::Result<AppSchema> {
    build_schema_nesting(
        db,
        limits,
        cache,
        search,
        catalogue,
        crate::gate::introspection::INTROSPECTION_MAX_DEPTH,
    )
}

/// Both schemas a server answers with, [`build_schema`] and [`build_introspection_schema`],
/// over the same database, response cache, search index and catalogue.
pub fn build_schemas(
    db: DatabaseConnection,
    limits: &ServeConfig,
    cache: Arc<crate::cache::ResponseCache>,
    search: Arc<SearchIndex>,
    catalogue: Arc<Catalogue>,
) -> anyhow::Result<(AppSchema, AppSchema)> {
    Ok((
        build_schema(
            db.clone(),
            limits,
            cache.clone(),
            search.clone(),
            catalogue.clone(),
        )?,
        build_introspection_schema(db, limits, cache, search, catalogue)?,
    ))
}

fn build_schema_nesting(
    db: DatabaseConnection,
    limits: &ServeConfig,
    cache: Arc<crate::cache::ResponseCache>,
    search: Arc<SearchIndex>,
    catalogue: Arc<Catalogue>,
    max_depth: usize,
) -> anyhow::Result<AppSchema> {
    let mut builder = schema_builder()
        .data(cache)
        .data(search)
        .data(catalogue)
        .data(loaders::Loaders::new(&db))
        .data(crate::write::WriteLock::for_connection(&db))
        .data(db)
        .limit_depth(max_depth)
        .limit_complexity(limits.query.max_complexity)
        // One directive per field is all a client needs (@include or @skip).
        .limit_directives(2);
    if limits.production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    Ok(builder.finish())
}

/// The SDL clients see, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    schema_builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}

/// The SDL without federation's directives, which graphql-js `buildSchema` and the tools built
/// on it (graphql-codegen, GraphiQL's schema view) load as it is; served at `/schema.graphql`
/// and committed as `schema/public.graphql`.
pub fn public_sdl() -> String {
    schema_builder()
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new())
}
