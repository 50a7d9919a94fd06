//! The HTTP surface: the portal at `/` ([`portal`]), `POST /graphql`, GraphiQL at
//! `GET /graphiql` (and on `GET /graphql` without a query; its files under `/graphiql/`),
//! `/healthz` (the process is up), `/readyz` (the database answers), and the liaison-meeting
//! exports (CSV, SVG). Every answer passes [`middleware::headers`]: validators and lifetimes
//! for caches, security headers.

pub mod export;
pub mod graphiql;
mod graphql;
mod middleware;
mod ops;
pub mod portal;
pub mod server;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::config::ServeConfig;
use crate::db::StatementCounter;
use crate::error::{AppError, ErrorCode};
use crate::graphql::AppSchema;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema, holding the connection pool and the loaders.
    pub schema: AppSchema,
    /// The same schema for documents asking for introspection only, under the gate's bound
    /// for introspection in place of `--max-depth`.
    pub introspection: AppSchema,
    /// The pool, for readiness checks.
    pub db: sea_orm::DatabaseConnection,
    /// SQL statements sent so far, for tests and diagnostics.
    pub statements: StatementCounter,
    /// What one request may ask for.
    pub limits: Arc<ServeConfig>,
    /// Counters behind `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Answers to public queries, until the data changes.
    pub cache: Arc<crate::cache::ResponseCache>,
    /// The in-memory search index (the schema holds it too), for diagnostics and benchmarks.
    pub search: Arc<crate::read::search::engine::SearchIndex>,
    /// The metric catalogue held between requests (the schema holds it too), for the exports.
    pub catalogue: Arc<crate::read::catalogue::Catalogue>,
    /// Tokens whose secret this process has verified already.
    pub verified_tokens: Arc<crate::write::auth::VerifiedTokens>,
    /// What a request passes before it executes.
    pub gate: Arc<crate::gate::Gate>,
    /// Each client's budget of bad tokens (`None`: unlimited).
    pub auth_failures: Option<crate::gate::ratelimit::FailureBudget>,
}

pub fn router(state: AppState) -> Router {
    // The tighter per-request limits are applied by `authenticate`; this one bounds every
    // route.
    let body_limit = state
        .limits
        .http
        .max_body_bytes
        .max(state.limits.http.max_body_bytes_authenticated);
    let cors = cors(&state.limits.http.cors_origins);
    Router::new()
        .route(
            "/graphql",
            get(graphql::graphql_get)
                .post(graphql::graphql)
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::auth::authenticate,
                ))
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::csrf::refuse_simple_posts,
                )),
        )
        .route("/graphiql", get(graphiql::page))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/schema.graphql", get(graphql::schema_sdl))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(exports(state.clone()))
        // The round trip (issue 12): the page that sends an edited observations file back.
        .route("/upload", get(upload::page))
        .route("/upload/upload.js", get(upload::script))
        .route("/upload/upload.css", get(upload::style))
        .merge(portal::routes())
        .fallback(portal::not_found)
        .layer(axum::middleware::from_fn(
            middleware::headers::conditional_get,
        ))
        .layer(axum::middleware::from_fn(middleware::headers::security))
        // Bodies over the limit are refused with 413 before they are read into memory.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
        // A body sent a byte at a time would hold its connection for ever; reading it and
        // answering may take the two timeouts together.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(
                state
                    .limits
                    .http
                    .body_read_timeout_secs
                    .saturating_add(state.limits.query.request_timeout_secs),
            ),
        ))
        .layer(cors)
        .with_state(state)
}

/// The liaison-meeting exports and charts, each through the cost budget and the response
/// cache ([`export::cached`]).
fn exports(state: AppState) -> Router<AppState> {
    use crate::http::export as x;
    Router::new()
        .route("/export/compare.csv", get(x::compare_csv))
        .route("/export/indicators.csv", get(x::indicators_csv))
        .route("/export/compare.xlsx", get(x::compare_xlsx))
        .route("/export/indicators.xlsx", get(x::indicators_xlsx))
        .route("/export/dataset.zip", get(x::dataset_zip))
        .route("/charts/compare.svg", get(x::compare_svg))
        .route("/charts/compare.png", get(x::compare_png))
        .route("/export/observations.csv", get(x::observations_csv))
        .route("/export/observations.xlsx", get(x::observations_xlsx))
        .route_layer(axum::middleware::from_fn_with_state(state, x::cached))
}

/// Browsers may call the API only from the configured portal origins; without any, the layer
/// adds no CORS headers and browsers keep to same-origin requests. `*` lets every origin read
/// the public API, but never with credentials (browsers refuse `*` with them anyway).
fn cors(origins: &[crate::config::CorsOrigin]) -> tower_http::cors::CorsLayer {
    use crate::config::CorsOrigin;
    use axum::http::{HeaderName, HeaderValue, Method};
    use tower_http::cors::AllowOrigin;
    let allow = if origins.contains(&CorsOrigin::Any) {
        AllowOrigin::any()
    } else {
        // Origins were checked when the flags were read; one that is still no header value
        // cannot be sent by a browser either.
        AllowOrigin::list(origins.iter().filter_map(|o| match o {
            CorsOrigin::Exact(o) => HeaderValue::from_str(o).ok(),
            CorsOrigin::Any => None,
        }))
    };
    tower_http::cors::CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
            HeaderName::from_static("apollo-require-preflight"),
        ])
        // What a portal's script may read of an answer: when to retry, the validator to send
        // back, a download's file name, how long to keep it, and whether the hub's cache
        // answered.
        .expose_headers([
            header::RETRY_AFTER,
            header::ETAG,
            header::CONTENT_DISPOSITION,
            header::CACHE_CONTROL,
            HeaderName::from_static("x-kyodo-cache"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// A request refused before GraphQL runs, in the shape of a GraphQL error response, with the
/// status and headers the error calls for.
pub(crate) fn refuse(e: AppError) -> axum::response::Response {
    let status = e.status();
    let code = e.code();
    let retry_after = e.retry_after_secs();
    let allow = e.allow();
    let mut response = (
        status,
        axum::Json(serde_json::json!({ "errors": [{
            "message": e.client_message(),
            "extensions": { "code": code.as_str() }
        }] })),
    )
        .into_response();
    let headers = response.headers_mut();
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let Some(allow) = allow {
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    if code == ErrorCode::Unauthenticated {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}
