//! Cross-site request forgery: a browser sends a cross-site POST without a preflight only with
//! a "simple" content type, so a POST that is not JSON is refused before its body is read. The
//! same middleware names the client (peer or trusted proxy's word) for the rate limits.

use axum::extract::State;
use axum::http::{HeaderMap, header};

use crate::error::AppError;
use crate::http::{AppState, refuse};

/// Refuses a POST that is not JSON before its body is read (see [`csrf_safe`]).
pub(in crate::http) async fn refuse_simple_posts(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let client = client(&state, &request);
    request.extensions_mut().insert(client);
    if request.method() == axum::http::Method::POST && !csrf_safe(request.headers()) {
        return refuse(AppError::CrossSitePost);
    }
    next.run(request).await
}

/// Who is asking (the peer address when the server knows it, or the client a trusted proxy
/// names), for rate limiting.
pub(in crate::http) fn client(
    state: &AppState,
    request: &axum::extract::Request,
) -> crate::gate::ratelimit::ClientKey {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    crate::gate::ratelimit::client_of(
        peer,
        request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        &state.limits.http.trusted_proxies,
    )
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
