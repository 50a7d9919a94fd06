//! The HTTP surface: `POST /graphql`, GraphiQL on `GET /graphql`, `/healthz` (the process is
//! up), `/readyz` (the database answers), and the liaison-meeting exports (CSV, SVG).

use std::time::Instant;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::db::StatementCounter;
use crate::graphql::AppSchema;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema, holding the connection pool and the loaders.
    pub schema: AppSchema,
    /// The pool, for readiness checks.
    pub db: sea_orm::DatabaseConnection,
    /// SQL statements sent so far, for tests and diagnostics.
    pub statements: StatementCounter,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/export/compare.csv", get(crate::export::compare_csv))
        .route("/export/indicators.csv", get(crate::export::indicators_csv))
        .route("/charts/compare.svg", get(crate::export::compare_svg))
        .with_state(state)
}

async fn graphql(State(state): State<AppState>, req: GraphQLRequest) -> GraphQLResponse {
    let req = req.into_inner();
    let started = Instant::now();
    let operation = req.operation_name.clone().unwrap_or_else(|| "-".to_owned());
    let response = state.schema.execute(req).await;
    let codes: Vec<String> = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("code").map(|c| c.to_string()))
        .collect();
    tracing::info!(
        operation = %operation,
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        errors = %codes.join(","),
        "graphql"
    );
    response.into()
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
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
