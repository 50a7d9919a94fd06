//! `/graphql` over GET and POST: reading the request, the gate, the response cache, execution,
//! and an answer in the media type the client asked for; `/schema.graphql`, the public SDL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql_axum::GraphQLRequest;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;

use crate::error::{AppError, ErrorCode};
use crate::http::{AppState, graphiql, refuse};
use crate::write::auth::Auth;

/// `GET /graphql`: GraphiQL for a browser, or a query (never a mutation) given in the URL,
/// as portals send persisted queries so that caches can keep the answers.
pub(super) async fn graphql_get(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<crate::gate::ratelimit::ClientKey>,
    axum::Extension(auth): axum::Extension<Auth>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    let Some(query) = uri.query().filter(|q| !q.is_empty()) else {
        return graphiql::page(State(state)).await;
    };
    let req = match async_graphql::http::parse_query_string(query) {
        Ok(req) => req,
        Err(e) => return refuse(unreadable("query string", &e.to_string())),
    };
    execute(state, req, client, auth, true, MediaType::of(&headers)).await
}

pub(super) async fn graphql(
    State(state): State<AppState>,
    axum::Extension(client): axum::Extension<crate::gate::ratelimit::ClientKey>,
    axum::Extension(auth): axum::Extension<Auth>,
    headers: HeaderMap,
    req: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> axum::response::Response {
    match req {
        Ok(req) => {
            let media = MediaType::of(&headers);
            execute(state, req.into_inner(), client, auth, false, media).await
        }
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
    media: MediaType,
) -> axum::response::Response {
    let started = Instant::now();
    // Only public answers are shared between clients; a token's are its own.
    let key = (state.cache.enabled() && matches!(auth, Auth::Anonymous))
        .then(|| cache_key(&req))
        .flatten();
    if let Some(body) = key.as_deref().and_then(|k| state.cache.get(k)) {
        state.metrics.observe(started.elapsed(), &[]);
        return graphql_body(StatusCode::OK, media, body, "hit");
    }
    let epoch = state.cache.epoch();
    let mut facts = crate::gate::DocumentFacts::default();
    let requested = req.operation_name.clone();
    // Whether execution started: a document that does not parse, validate or take its
    // variables is a request error, answered 400 without `data` under
    // `application/graphql-response+json`.
    let mut executed = false;
    let mut response = match state
        .gate
        .admit(&mut req, via_get, client, &mut facts)
        .await
    {
        Err(refused) => async_graphql::Response::from_errors(vec![refused]),
        Ok(()) => {
            let req = req.data(auth);
            let timeout = Duration::from_secs(state.limits.query.request_timeout_secs);
            let schema = if facts.introspection_only {
                &state.introspection
            } else {
                &state.schema
            };
            // Kept for naming a bad argument in an error; a copy of a few KiB at most.
            let text = req.query.clone();
            match tokio::time::timeout(timeout, schema.execute(req)).await {
                Ok(mut response) => {
                    if !response.errors.is_empty() {
                        crate::gate::name_arguments(&mut response, &text);
                    }
                    // async-graphql answers a request it refused with no data and errors
                    // without a path; errors of resolvers have one.
                    executed = response.data != async_graphql::Value::Null
                        || response.errors.iter().any(|e| !e.path.is_empty());
                    response
                }
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
                return graphql_body(StatusCode::OK, media, body, "miss");
            }
            Err(e) => tracing::warn!(error = %e, "cannot serialise a response for the cache"),
        }
    }
    // The refusal a client must act on decides the status: an unavailable database (retry)
    // over a spent budget (wait) over a mutation sent by GET (use POST).
    let decisive = crate::gate::refusals(&response)
        .filter_map(|e| Some((e.answer_status()?, e.retry_after_secs(), e.allow())))
        .max_by_key(|(status, _, _)| status.as_u16());
    let request_error = !executed && !response.errors.is_empty();
    let mut http = answer(response, media, request_error);
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

/// The media type of a GraphQL answer, as the client's `Accept` asks (GraphQL over HTTP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    /// `application/json`: every answer 200 unless a refusal calls for another status, as
    /// clients written before `application/graphql-response+json` expect.
    Json,
    /// `application/graphql-response+json`: a request error is 400, without `data`.
    GraphQLResponse,
}

impl MediaType {
    const GRAPHQL_RESPONSE: &'static str = "application/graphql-response+json";

    /// The type the client prefers: `application/graphql-response+json` when it asks for it at
    /// least as much as for JSON, else `application/json` (also without `Accept`, for `*/*`,
    /// and for a list naming neither, as the specification lets a server do).
    fn of(headers: &HeaderMap) -> MediaType {
        let mut graphql = 0.0_f32;
        let mut json = 0.0_f32;
        for value in headers.get_all(header::ACCEPT) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut parts = item.split(';');
                let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                match range.as_str() {
                    MediaType::GRAPHQL_RESPONSE => graphql = graphql.max(q),
                    "application/json" | "application/*" | "*/*" => json = json.max(q),
                    _ => {}
                }
            }
        }
        if graphql > 0.0 && graphql >= json {
            MediaType::GraphQLResponse
        } else {
            MediaType::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            MediaType::Json => "application/json",
            MediaType::GraphQLResponse => MediaType::GRAPHQL_RESPONSE,
        }
    }
}

/// `response` in `media`; a request error (nothing executed) under
/// `application/graphql-response+json` is 400 and has no `data` entry.
fn answer(
    response: async_graphql::Response,
    media: MediaType,
    request_error: bool,
) -> axum::response::Response {
    let extra = response.http_headers.clone();
    let strict = media == MediaType::GraphQLResponse && request_error;
    // Straight to bytes: going through a `serde_json::Value` first built a second tree of
    // the whole answer (5 MB for a national comparison) only to write it out.
    let body = if strict {
        serde_json::to_value(&response).and_then(|mut v| {
            if let Some(object) = v.as_object_mut() {
                object.remove("data");
            }
            serde_json::to_vec(&v)
        })
    } else {
        serde_json::to_vec(&response)
    };
    let mut http = match body {
        Ok(body) => (
            if strict {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            },
            [(header::CONTENT_TYPE, media.content_type())],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a GraphQL response");
            refuse(AppError::Internal(Arc::new(anyhow::anyhow!(
                "cannot serialise a GraphQL response: {e}"
            ))))
        }
    };
    http.headers_mut().extend(extra);
    http
}

fn graphql_body(
    status: StatusCode,
    media: MediaType,
    body: axum::body::Bytes,
    cache: &'static str,
) -> axum::response::Response {
    (
        status,
        [
            (header::CONTENT_TYPE, media.content_type()),
            (header::HeaderName::from_static("x-kyodo-cache"), cache),
        ],
        body,
    )
        .into_response()
}

/// The public SDL (`schema/public.graphql`), for code generators and schema viewers; off with
/// introspection in production mode.
pub(super) async fn schema_sdl(State(state): State<AppState>) -> axum::response::Response {
    static SDL: std::sync::LazyLock<String> = std::sync::LazyLock::new(crate::graphql::public_sdl);
    if state.limits.production {
        return (
            StatusCode::NOT_FOUND,
            "the schema is not served in production mode, as introspection is off",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        SDL.as_str(),
    )
        .into_response()
}
