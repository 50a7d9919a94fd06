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
