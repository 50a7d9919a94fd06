//! For operators and orchestrators: `/healthz` (the process is up), `/readyz` (the database
//! answers) and `/metrics` (Prometheus).

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::http::AppState;

pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        state.metrics.render(),
    )
}

pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// Longest `/readyz` waits for the database: a probe must learn quickly that it is down.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// Ready: the database answers and the search index is built. A load balancer sends traffic
/// only then, while `/healthz` says the process is alive from the first moment.
pub(super) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if !state.search.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "starting: the search index is being built",
        );
    }
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
