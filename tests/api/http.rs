//! The HTTP endpoints beside GraphQL.

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

async fn health_readiness_and_graphiql_answer(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    let health = get("/healthz").await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = get("/readyz").await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let page = get("/graphql").await.expect("graphiql");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("body")
            .to_lowercase()
            .contains("graphiql")
    );
    // Once the database is gone, the process is still healthy but no longer ready.
    app.db.clone().close().await.expect("close pool");
    assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
    assert_eq!(get("/readyz").await.expect("readyz").status(), 503);
}

db_tests!(health_readiness_and_graphiql_answer);

async fn metrics_count_requests_errors_and_statements(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let scrape = || async {
        let response = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .expect("metrics");
        assert_eq!(response.status(), 200);
        response.text().await.expect("body")
    };
    let value = |text: &str, name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    app.data(
        r#"{ municipality(slug: "hofu") { nameJa } }"#,
        serde_json::json!({}),
    )
    .await;
    app.errors(
        r#"{ municipality(slug: "atlantis") { nameJa } }"#,
        serde_json::json!({}),
    )
    .await;
    let text = scrape().await;
    assert_eq!(value(&text, "kyodo_hub_graphql_requests_total"), 2.0);
    assert_eq!(
        value(&text, "kyodo_hub_graphql_errors_total{code=\"NOT_FOUND\"}"),
        1.0
    );
    assert_eq!(
        value(&text, "kyodo_hub_graphql_request_duration_seconds_count"),
        2.0
    );
    assert_eq!(
        value(
            &text,
            "kyodo_hub_graphql_request_duration_seconds_bucket{le=\"+Inf\"}"
        ),
        2.0
    );
    assert!(value(&text, "kyodo_hub_sql_statements_total") >= 2.0);
    assert!(value(&text, "kyodo_hub_db_pool_connections") >= 1.0);
}

db_tests!(metrics_count_requests_errors_and_statements);
