//! The registered operations behind the portal's pages: the files in `examples/queries/`,
//! compiled into the binary, run through the same gate and schema as a public `GET /graphql`.
//! The portal is the API's first client: it sees exactly what a portal team would.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorCode};
use crate::gate::ratelimit::ClientKey;
use crate::http::AppState;
use crate::write::auth::Auth;

/// One operation: its name and text, as a portal developer finds it in `examples/queries/`.
pub struct Operation {
    pub name: &'static str,
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! operation {
    ($name:literal, $file:literal) => {
        Operation {
            name: $name,
            file: concat!("examples/queries/", $file),
            text: include_str!(concat!("../../../examples/queries/", $file)),
        }
    };
}

pub const HOME: Operation = operation!("PortalHome", "portal-home.graphql");
pub const CITY: Operation = operation!("PortalCity", "portal-city.graphql");
pub const PLANS: Operation = operation!("PortalPlans", "portal-plans.graphql");
pub const PROGRAMS: Operation = operation!("PortalPrograms", "portal-programs.graphql");
pub const COMPARE: Operation = operation!("PortalCompare", "portal-compare.graphql");
pub const INDICATORS: Operation = operation!(
    "PortalIndicatorProgress",
    "portal-indicator-progress.graphql"
);
pub const SEARCH: Operation = operation!("PortalSearch", "portal-search.graphql");

/// Why a page could not get its data, as the page tells it: the status the API's error calls
/// for (400 for a bad parameter, 404 for an unknown city or region, 503 while the database is
/// away), and its message.
#[derive(Debug)]
pub struct Failed {
    pub status: http::StatusCode,
    pub code: ErrorCode,
    pub retry_after: Option<u64>,
    pub message: String,
}

impl Failed {
    pub fn of(e: &AppError) -> Failed {
        Failed {
            status: match e.status() {
                // A persisted-query miss cannot happen to a page that sends its text.
                http::StatusCode::OK => http::StatusCode::INTERNAL_SERVER_ERROR,
                status => status,
            },
            code: e.code(),
            retry_after: e.retry_after_secs(),
            message: e.clone().client_message(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Failed {
        Failed {
            status: http::StatusCode::INTERNAL_SERVER_ERROR,
            code: ErrorCode::Internal,
            retry_after: None,
            message: message.into(),
        }
    }
}

/// Runs `op` with `variables` as an anonymous client, and reads its data as `T`.
pub async fn run<T: DeserializeOwned>(
    state: &AppState,
    client: ClientKey,
    op: &Operation,
    variables: serde_json::Value,
) -> Result<T, Failed> {
    let mut request = async_graphql::Request::new(op.text)
        .operation_name(op.name)
        .variables(async_graphql::Variables::from_json(variables));
    let started = std::time::Instant::now();
    let mut facts = crate::gate::DocumentFacts::default();
    let mut response = match state
        .gate
        .admit(&mut request, true, client, &mut facts)
        .await
    {
        Err(refused) => async_graphql::Response::from_errors(vec![refused]),
        Ok(()) => {
            let timeout = Duration::from_secs(state.limits.query.request_timeout_secs);
            match tokio::time::timeout(timeout, state.schema.execute(request.data(Auth::Anonymous)))
                .await
            {
                Ok(response) => response,
                Err(_) => {
                    return Err(Failed::of(&AppError::LimitExceeded(format!(
                        "the page's data took longer than {} s",
                        state.limits.query.request_timeout_secs
                    ))));
                }
            }
        }
    };
    crate::gate::fill_error_codes(&mut response);
    let codes: Vec<ErrorCode> = crate::gate::refusals(&response)
        .map(AppError::code)
        .collect();
    state.metrics.observe(started.elapsed(), &codes);
    if let Some(e) = crate::gate::refusals(&response).next() {
        let mut failed = Failed::of(e);
        // A value that does not parse as its type (a fiscal year, a date) is reported at its
        // place in the operation; the page's reader needs the parameter's name.
        if let Some(name) = response.errors.first().and_then(|e| {
            e.locations
                .first()
                .and_then(|at| crate::gate::argument_at(op.text, *at))
        }) && !failed.message.starts_with(&format!("{name}:"))
        {
            failed.message = format!("{name}: {}", failed.message);
        }
        return Err(failed);
    }
    if let Some(e) = response.errors.first() {
        return Err(Failed::internal(e.message.clone()));
    }
    let data = response
        .data
        .into_json()
        .map_err(|e| Failed::internal(format!("cannot read the page's data: {e}")))?;
    serde_json::from_value(data).map_err(|e| {
        tracing::error!(operation = op.name, error = %e, "the portal cannot read an operation's data");
        Failed::internal("the page's data has an unexpected shape")
    })
}
