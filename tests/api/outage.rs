//! Issue 10: a database that cannot be reached is reported as what it is: HTTP 503 with
//! `UNAVAILABLE` and `Retry-After`, never a bad token (401) or an internal error, and quickly.
//! The outage here is the hub's own pool closed under it, so every statement fails to get a
//! connection as it does while the server is down; `tests/faults.rs` stops a real PostgreSQL.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

const HOFU: &str = "352063";

async fn check_unavailable(response: reqwest::Response, what: &str) -> Value {
    assert_eq!(response.status(), 503, "{what}");
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1"),
        "{what}"
    );
    assert!(
        response.headers().get("www-authenticate").is_none(),
        "{what}"
    );
    response.json().await.expect("JSON body")
}

async fn a_lost_database_is_503_unavailable_never_401(b: Backend) {
    // Arrange: a hub with a valid token, then its connections gone.
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    app.db.close_by_ref().await.expect("close the pool");
    let graphql = format!("{}/graphql", app.address);

    // Act and assert: a public query.
    let started = Instant::now();
    let response = app
        .client
        .post(&graphql)
        .json(&json!({ "query": "{ municipality(slug: \"hofu\") { population } }" }))
        .send()
        .await
        .expect("request");
    let body = check_unavailable(response, "public query").await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("database is unavailable")),
        "{body}"
    );

    // A request with a valid token: the token is not what failed.
    let response = app
        .client
        .post(&graphql)
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation($v: CreateProgramInput!) { createProgram(input: $v) { id } }", "variables": { "v": { "municipality": HOFU, "key": "outage", "kind": "FORUM", "title": "停止中" } } }))
        .send()
        .await
        .expect("request");
    let body = check_unavailable(response, "request with a token").await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );

    // An export.
    let response = app
        .client
        .get(format!(
            "{}/export/compare.csv?metric=promotion_officers",
            app.address
        ))
        .send()
        .await
        .expect("request");
    let body = check_unavailable(response, "export").await;
    assert_eq!(body["error"]["code"], "UNAVAILABLE", "{body}");

    // Readiness says so, at once.
    let response = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

db_tests!(a_lost_database_is_503_unavailable_never_401);
