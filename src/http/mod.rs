//! The HTTP surface: `POST /graphql`, GraphiQL on `GET /graphql`, `/healthz` (the process is
//! up), `/readyz` (the database answers), and the liaison-meeting exports (CSV, SVG).

pub mod export;
pub mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::config::ServeConfig;
use crate::db::StatementCounter;
use crate::error::{AppError, ErrorCode};
use crate::graphql::AppSchema;
use crate::write::auth::Auth;

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
    pub limits: Arc<ServeConfig>,
    /// Counters behind `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Answers to public queries, until the data changes.
    pub cache: Arc<crate::cache::ResponseCache>,
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
            get(graphql_get)
                .post(graphql)
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    authenticate,
                ))
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    refuse_simple_posts,
                )),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/export/compare.csv", get(crate::http::export::compare_csv))
        .route(
            "/export/indicators.csv",
            get(crate::http::export::indicators_csv),
        )
        .route(
            "/export/compare.xlsx",
            get(crate::http::export::compare_xlsx),
        )
        .route(
            "/export/indicators.xlsx",
            get(crate::http::export::indicators_xlsx),
        )
        .route("/charts/compare.svg", get(crate::http::export::compare_svg))
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
            HeaderName::from_static("apollo-require-preflight"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// A request refused before GraphQL runs, in the shape of a GraphQL error response, with the
/// status and headers the error calls for.
fn refuse(e: AppError) -> axum::response::Response {
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

/// Refuses a POST that is not JSON before its body is read (see [`csrf_safe`]).
async fn refuse_simple_posts(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Who is asking (the peer address when the server knows it, or the client a trusted
    // proxy names), for rate limiting.
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let client = crate::gate::ratelimit::client_of(
        peer,
        request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        &state.limits.http.trusted_proxies,
    );
    request.extensions_mut().insert(client);
    if request.method() == axum::http::Method::POST && !csrf_safe(request.headers()) {
        return refuse(AppError::CrossSitePost);
    }
    next.run(request).await
}

/// Verifies a bearer token, if any, before the body is read: a request with a bad token is
/// refused at once (401), and only a verified token earns the larger body limit.
async fn authenticate(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = match request.headers().get(header::AUTHORIZATION) {
        None => {
            request.extensions_mut().insert(Auth::Anonymous);
            state.limits.http.max_body_bytes
        }
        Some(value) => {
            let client = request
                .extensions()
                .get::<crate::gate::ratelimit::ClientKey>()
                .copied()
                .unwrap_or(crate::gate::ratelimit::ClientKey(None));
            // A client that keeps presenting bad tokens is guessing: stop checking its tokens
            // (each check of a known token costs an argon2 verification) for a while.
            if let Some(limiter) = &state.auth_failures {
                let wait = limiter.wait(client);
                if wait > 0 {
                    let refusal = AppError::RateLimited {
                        message: format!(
                            "too many bad tokens from this client; retry in {wait} s (requests without a token are not affected)"
                        ),
                        retry_after_secs: wait,
                    };
                    state.metrics.observe(Duration::ZERO, &[refusal.code()]);
                    return refuse(refusal);
                }
            }
            // A value that is not text cannot be a token; the empty string is refused as
            // malformed with the same message.
            let text = value.to_str().unwrap_or_default();
            let verified =
                crate::write::auth::authenticate(&state.db, &state.verified_tokens, text).await;
            match verified {
                Ok(principal) => {
                    request.extensions_mut().insert(Auth::Token(principal));
                    state.limits.http.max_body_bytes_authenticated
                }
                Err(e) => {
                    // Only a token found wanting is a bad token: a database that cannot be
                    // asked says nothing about the token.
                    if let Some(limiter) = &state.auth_failures
                        && e.code() == ErrorCode::Unauthenticated
                    {
                        limiter.spend(client);
                    }
                    state.metrics.observe(Duration::ZERO, &[e.code()]);
                    return refuse(e);
                }
            }
        }
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return refuse(AppError::BodyTooLarge { limit: Some(limit) });
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
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

/// `GET /graphql`: GraphiQL for a browser, or a query (never a mutation) given in the URL,
/// as portals send persisted queries so that caches can keep the answers.
async fn graphql_get(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<crate::gate::ratelimit::ClientKey>,
    axum::Extension(auth): axum::Extension<Auth>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        return graphiql(State(state)).await;
    };
    let req = match async_graphql::http::parse_query_string(query) {
        Ok(req) => req,
        Err(e) => return refuse(unreadable("query string", &e.to_string())),
    };
    execute(state, req, client, auth, true).await
}

async fn graphql(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<crate::gate::ratelimit::ClientKey>,
    axum::Extension(auth): axum::Extension<Auth>,
    req: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> axum::response::Response {
    match req {
        Ok(req) => execute(state, req.into_inner(), client, auth, false).await,
        Err(rejected) => unreadable_body(rejected.0),
    }
}

/// A POST body that is no GraphQL request (not JSON, nested past serde_json's 128 levels, a
/// batch), answered like every other refusal instead of async-graphql-axum's plain text.
fn unreadable_body(e: async_graphql::ParseRequestError) -> axum::response::Response {
    let message = e.to_string();
    if matches!(e, async_graphql::ParseRequestError::PayloadTooLarge)
        || message.contains("length limit exceeded")
    {
        return refuse(AppError::BodyTooLarge { limit: None });
    }
    refuse(unreadable("request body", &message))
}

/// A request whose `what` cannot be read. JSON nested past serde_json's bound of 128 levels is
/// a limit; anything else unreadable is the client's mistake.
fn unreadable(what: &str, message: &str) -> AppError {
    let message = format!("cannot read the {what}: {message}");
    if message.contains("recursion limit exceeded") {
        AppError::LimitExceeded(message)
    } else {
        AppError::BadInput(message)
    }
}

async fn execute(
    state: AppState,
    mut req: async_graphql::Request,
    client: crate::gate::ratelimit::ClientKey,
    auth: Auth,
    via_get: bool,
) -> axum::response::Response {
    let started = Instant::now();
    // Only public answers are shared between clients; a token's are its own.
    let key = (state.cache.enabled() && matches!(auth, Auth::Anonymous))
        .then(|| cache_key(&req))
        .flatten();
    if let Some(body) = key.as_deref().and_then(|k| state.cache.get(k)) {
        state.metrics.observe(started.elapsed(), &[]);
        return graphql_body(StatusCode::OK, body, "hit");
    }
    let epoch = state.cache.epoch();
    let mut facts = crate::gate::DocumentFacts::default();
    let requested = req.operation_name.clone();
    let mut response = match state
        .gate
        .admit(&mut req, via_get, client, &mut facts)
        .await
    {
        Err(refused) => async_graphql::Response::from_errors(vec![refused]),
        Ok(()) => {
            let req = req.data(auth);
            let timeout = Duration::from_secs(state.limits.query.request_timeout_secs);
            match tokio::time::timeout(timeout, state.schema.execute(req)).await {
                Ok(response) => response,
                Err(_) => async_graphql::Response::from_errors(vec![
                    AppError::LimitExceeded(format!(
                        "the request took longer than {} s and was stopped",
                        state.limits.query.request_timeout_secs
                    ))
                    .into_server_error(),
                ]),
            }
        }
    };
    crate::gate::fill_error_codes(&mut response);
    let codes: Vec<ErrorCode> = crate::gate::refusals(&response)
        .map(AppError::code)
        .collect();
    state.metrics.observe(started.elapsed(), &codes);
    tracing::info!(
        operation = %requested.as_deref().or(facts.operation.as_deref()).unwrap_or("-"),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        errors = %codes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","),
        "graphql"
    );
    if let Some(key) = key
        && response.errors.is_empty()
        && facts.query_only
    {
        match serde_json::to_vec(&response) {
            Ok(body) => {
                let body = axum::body::Bytes::from(body);
                state.cache.put(key, epoch, body.clone());
                return graphql_body(StatusCode::OK, body, "miss");
            }
            Err(e) => tracing::warn!(error = %e, "cannot serialise a response for the cache"),
        }
    }
    // The refusal a client must act on decides the status: an unavailable database (retry)
    // over a spent budget (wait) over a mutation sent by GET (use POST).
    let decisive = crate::gate::refusals(&response)
        .filter_map(|e| Some((e.answer_status()?, e.retry_after_secs(), e.allow())))
        .max_by_key(|(status, _, _)| status.as_u16());
    let mut http = GraphQLResponse::from(response).into_response();
    if let Some((status, retry_after, allow)) = decisive {
        *http.status_mut() = status;
        if let Some(seconds) = retry_after {
            http.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = allow {
            http.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
    }
    http
}

/// What makes two requests the same question: the text (or persisted-query hash), the
/// operation and the variables.
fn cache_key(req: &async_graphql::Request) -> Option<String> {
    serde_json::to_string(&(
        &req.query,
        &req.operation_name,
        &req.variables,
        &req.extensions,
    ))
    .ok()
}

fn graphql_body(
    status: StatusCode,
    body: axum::body::Bytes,
    cache: &'static str,
) -> axum::response::Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/graphql-response+json"),
            (header::HeaderName::from_static("x-kyodo-cache"), cache),
        ],
        body,
    )
        .into_response()
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
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        state.metrics.render(),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

/// Longest `/readyz` waits for the database: a probe must learn quickly that it is down.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("database did not answer within {READY_TIMEOUT:?}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
