//! Bearer tokens, checked before the body is read: a bad token is refused at once, a client
//! guessing tokens is slowed, and only a verified token earns the larger body limit.

use std::time::Duration;

use axum::extract::State;
use axum::http::header;

use crate::error::{AppError, ErrorCode};
use crate::http::{AppState, refuse};
use crate::write::auth::Auth;

/// Verifies a bearer token, if any, before the body is read: a request with a bad token is
/// refused at once (401), and only a verified token earns the larger body limit.
pub(in crate::http) async fn authenticate(
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
