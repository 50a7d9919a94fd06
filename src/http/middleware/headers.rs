//! 応答ヘッダ What portals behind a CDN and browsers need on every answer: validators and
//! lifetimes for GET answers (ETag, Cache-Control, Vary, 304 on If-None-Match), and the usual
//! security headers with a Content-Security-Policy.
//!
//! The ETag is a hash of what is sent (type and body), so it changes exactly when the answer
//! does: after a write, when the data generation (src/cache.rs) moves, or a new binary renders
//! differently. Two processes on one database agree on it, so a CDN in front of several gets
//! 304s from any of them; a counter kept per process could not promise that. tower-http has
//! no conditional-GET layer outside its file server, hence this one.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

/// How long a shared cache may serve a public answer before it asks again: the data changes a
/// few times a day, and a minute bounds how long an edit takes to show.
pub const PUBLIC: &str = "public, max-age=60";

/// Answers a cache must never keep: a token's own, and the probes'.
const NO_STORE: &str = "no-store";

/// Larger answers are sent without a validator rather than held in memory to hash.
const MAX_HASHED_BYTES: usize = 32 * 1024 * 1024;

/// The portal's policy: its own stylesheet and images, forms to itself, no script, no frames.
pub const PORTAL_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Paths whose answers describe this process at this moment.
fn never_cached(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// What, besides the URL, changes the answer at `path`.
fn varies_on(path: &str) -> Option<&'static str> {
    // A token sees its own answers; `Accept` picks the media type.
    (path == "/graphql").then_some("Authorization, Accept")
}

/// ETag, Cache-Control and Vary on successful GET answers, and 304 when the client's copy is
/// current. Other answers are marked `no-store` unless their handler chose otherwise.
pub(in crate::http) async fn conditional_get(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let path = request.uri().path().to_owned();
    let private = request.headers().contains_key(header::AUTHORIZATION);
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if !readable {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if let Some(vary) = varies_on(&path) {
        parts
            .headers
            .insert(header::VARY, HeaderValue::from_static(vary));
    }
    if parts.status != StatusCode::OK || private || never_cached(&path) {
        if private || !parts.headers.contains_key(header::CACHE_CONTROL) {
            parts
                .headers
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
        }
        return Response::from_parts(parts, body);
    }
    if !parts.headers.contains_key(header::CACHE_CONTROL) {
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC));
    }
    // A URL that names its content (`?v=` + hash) never changes: no validator to compute.
    let immutable = parts
        .headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes().ends_with(b"immutable"));
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if immutable || declared.is_some_and(|n| n > MAX_HASHED_BYTES) {
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, MAX_HASHED_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %e, %path, "cannot read an answer to give it an ETag");
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .header(header::CACHE_CONTROL, NO_STORE)
                .body(Body::from("the answer could not be sent"))
                .unwrap_or_default();
        }
    };
    let etag = match parts.headers.get(header::ETAG) {
        Some(etag) => etag.clone(),
        None => {
            let etag = etag_of(&parts.headers, &bytes);
            parts.headers.insert(header::ETAG, etag.clone());
            etag
        }
    };
    if if_none_match.is_some_and(|given| matches(&given, &etag)) {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        // RFC 9110 §15.4.5: the headers a 200 would carry that describe the cache entry.
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
            header::EXPIRES,
        ] {
            if let Some(value) = parts.headers.get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        return not_modified;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A strong validator for this representation: its media type and its bytes.
fn etag_of(headers: &HeaderMap, body: &[u8]) -> HeaderValue {
    let mut hash = Sha256::new();
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        hash.update(content_type.as_bytes());
    }
    hash.update([0]);
    hash.update(body);
    let hex = format!("{:x}", hash.finalize());
    HeaderValue::from_str(&format!("\"{}\"", &hex[..32]))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET).
fn matches(given: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(given) = given.to_str() else {
        return false;
    };
    let ours = etag.to_str().unwrap_or("");
    let ours = ours.strip_prefix("W/").unwrap_or(ours);
    given
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// The security headers every answer carries; a handler that set its own policy (GraphiQL)
/// keeps it.
pub(in crate::http) async fn security(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, PORTAL_CSP),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        let ours = HeaderValue::from_static("\"abc\"");
        for given in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"] {
            assert!(matches(&HeaderValue::from_static(given), &ours), "{given}");
        }
        for given in ["\"abd\"", "abc", ""] {
            assert!(!matches(&HeaderValue::from_static(given), &ours), "{given}");
        }
    }
}
