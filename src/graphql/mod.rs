//! The GraphQL schema: types, loaders and the root query, assembled by [`build_schema`].

pub mod changes;
pub mod crosscity;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod types;

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{EmptySubscription, MergedObject, Response, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::limits::{DocumentLimits, Limits};

/// The root query: each municipality's records, and questions across municipalities.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    query::Query,
    crosscity::CrossCityQuery,
    changes::ChangesQuery,
);
// `query::Query` holds one city's records, `crosscity::CrossCityQuery` the comparisons; the
// root is named `Query` because federation composes on that name.

pub type AppSchema = Schema<QueryRoot, mutation::Mutation, EmptySubscription>;

/// The connection pool the schema serves.
pub(crate) fn db<'a>(ctx: &async_graphql::Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The request's verified token, or `UNAUTHENTICATED`.
pub(crate) fn principal<'a>(
    ctx: &async_graphql::Context<'a>,
) -> crate::error::AppResult<&'a crate::auth::Principal> {
    ctx.data_opt::<crate::auth::Auth>()
        .unwrap_or(&crate::auth::Auth::Anonymous)
        .principal()
}

/// The batched loaders every resolver shares.
pub(crate) fn loaders<'a>(ctx: &async_graphql::Context<'a>) -> &'a loaders::Loaders {
    ctx.data_unchecked::<loaders::Loaders>()
}

/// The schema without data, for exporting its SDL.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, mutation::Mutation, EmptySubscription> {
    Schema::build(QueryRoot::default(), mutation::Mutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
}

/// The schema serving `db`, refusing what `limits` do not allow.
pub fn build_schema(
    db: DatabaseConnection,
    limits: &Limits,
    cache: Arc<crate::cache::ResponseCache>,
) -> anyhow::Result<AppSchema> {
    let mut builder = schema_builder()
        .data(cache)
        .data(loaders::Loaders::new(&db))
        .data(crate::write::WriteLock::for_connection(&db))
        .data(db)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // One directive per field is all a client needs (@include or @skip).
        .limit_directives(2)
        .extension(DocumentLimits {
            max_aliases: limits.max_aliases,
            max_root_fields: limits.max_root_fields,
        })
        // Portals send a query's hash instead of its text once the hub has seen it, which
        // keeps requests small; the cache is per process, and a miss makes the client resend.
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
            limits.persisted_queries.max(1),
        )));
    if let Some(limiter) =
        crate::ratelimit::CostLimiter::new(limits.rate_limit_burst, limits.rate_limit_per_second)
    {
        builder = builder.extension(limiter);
    }
    if let Some(dir) = &limits.safelist {
        builder = builder.extension(crate::limits::Safelist::load(dir)?);
    }
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

/// Gives every error an `extensions.code`. Resolver errors and the document limits carry theirs
/// already; async-graphql's own depth and complexity refusals become `LIMIT_EXCEEDED`; what is
/// left comes from async-graphql rejecting the request (syntax, unknown fields, a variable or
/// argument that does not coerce, such as a fiscal year that is no year), the client's input.
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
                let limit = error.message.starts_with("Query is nested too deep")
                    || error.message.starts_with("Query is too complex");
                ext.set(
                    "code",
                    if limit {
                        "LIMIT_EXCEEDED"
                    } else {
                        "BAD_USER_INPUT"
                    },
                );
            }
        }
        response
    }
}
