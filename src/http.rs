//! The HTTP surface: `POST /graphql`, GraphiQL on `GET /graphql`, `/healthz` (the process is
//! up), `/readyz` (the database answers), and the liaison-meeting exports (CSV, SVG).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::db::StatementCounter;
use crate::graphql::AppSchema;
use crate::limits::{Limits, limit_error};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema, holding the connection pool and the loaders.
    pub schema: AppSchema,
    /// The pool, for readiness checks.
    pub db: sea_orm::DatabaseConnection,
    /// SQL statements sent so far, for tests and diagnostics.
    pub statements: StatementCounter,
    /// What one request may ask for.
    pub limits: Arc<Limits>,
    /// Counters behind `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    let cors = cors(&state.limits.cors_origins);
    Router::new()
        .route(
            "/graphql",
            get(graphiql)
                .post(graphql)
                .route_layer(axum::middleware::from_fn(refuse_simple_posts)),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/export/compare.csv", get(crate::export::compare_csv))
        .route("/export/indicators.csv", get(crate::export::indicators_csv))
        .route("/charts/compare.svg", get(crate::export::compare_svg))
        // Bodies over the limit are refused with 413 before they are read into memory.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
        .layer(cors)
        .with_state(state)
}

/// Browsers may call the API only from the configured portal origins; without any, the layer
/// adds no CORS headers and browsers keep to same-origin requests.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, HeaderValue, Method};
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .filter_map(|o| match HeaderValue::from_str(o) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring a CORS origin that is not a valid header value");
                None
            }
        })
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("apollo-require-preflight"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// Refuses a POST that is not JSON before its body is read (see [`csrf_safe`]).
async fn refuse_simple_posts(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Who is asking (the peer address, when the server knows it), for rate limiting.
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    request
        .extensions_mut()
        .insert(crate::ratelimit::ClientKey(peer));
    if request.method() == axum::http::Method::POST && !csrf_safe(request.headers()) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            axum::Json(serde_json::json!({ "errors": [{
                "message": "POST /graphql takes Content-Type: application/json (or an apollo-require-preflight header)",
                "extensions": { "code": "BAD_USER_INPUT" }
            }] })),
        )
            .into_response();
    }
    next.run(request).await
}

/// A browser sends a cross-site POST without a preflight only with a "simple" content type
/// (form or text); refusing those stops cross-site request forgery. Clients that cannot send
/// JSON may send an `apollo-require-preflight` or `x-apollo-operation-name` header instead.
fn csrf_safe(headers: &HeaderMap) -> bool {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|t| t == "application/json" || t == "application/graphql-response+json");
    json || headers.contains_key("apollo-require-preflight")
        || headers.contains_key("x-apollo-operation-name")
}

async fn graphql(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<crate::ratelimit::ClientKey>,
    req: GraphQLRequest,
) -> axum::response::Response {
    let req = req.into_inner().data(client);
    let started = Instant::now();
    let operation = req.operation_name.clone().unwrap_or_else(|| "-".to_owned());
    let timeout = Duration::from_secs(state.limits.request_timeout_secs);
    let response = match tokio::time::timeout(timeout, state.schema.execute(req)).await {
        Ok(response) => response,
        Err(_) => async_graphql::Response::from_errors(vec![limit_error(format!(
            "the request took longer than {} s and was stopped",
            state.limits.request_timeout_secs
        ))]),
    };
    let codes: Vec<String> = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("code").map(|c| c.to_string()))
        .collect();
    state.metrics.observe(started.elapsed(), &codes);
    tracing::info!(
        operation = %operation,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        errors = %codes.join(","),
        "graphql"
    );
    let retry_after = response.errors.iter().find_map(|e| {
        e.extensions
            .as_ref()?
            .get(crate::ratelimit::RETRY_AFTER)
            .map(|v| v.to_string())
    });
    let mut http = GraphQLResponse::from(response).into_response();
    if let Some(seconds) = retry_after {
        *http.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = axum::http::HeaderValue::from_str(&seconds) {
            http.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    http
}

async fn graphiql(State(state): State<AppState>) -> axum::response::Response {
    if state.limits.production {
        return (
            StatusCode::NOT_FOUND,
            "GraphiQL is off in production mode; POST queries to /graphql",
        )
            .into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(state.statements.get(), &state.db),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
