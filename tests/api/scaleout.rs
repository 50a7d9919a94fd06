//! PostgreSQL as the scale-out database: the hub keeps no state of its own, so several
//! processes can serve one database, and none lets a statement run unbounded.

use std::process::Command;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestDb};
use crate::support::{Hub, Serve};

async fn population(hub: &Hub) -> Value {
    let body: Value = reqwest::Client::new()
        .post(format!("{}/graphql", hub.url))
        .json(&json!({ "query": r#"{ municipality(slug: "hofu") { population } }"# }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    body["data"]["municipality"]["population"].clone()
}

#[tokio::test]
async fn two_hub_processes_serve_one_postgresql_database() {
    let Some(backend) = Backend::postgres() else {
        eprintln!("skipped: set TEST_DATABASE_URL=postgres://… to run on PostgreSQL");
        return;
    };
    // Arrange: one process fills the empty database; a second joins it.
    let db = TestDb::create(&backend).await;
    let a = Serve::new(&db.url).start().await;
    let b = Serve::new(&db.url).start().await;
    assert_eq!(population(&a).await, 113_979);
    assert_eq!(population(&b).await, 113_979);

    // Act: a third process re-imports Hofu with another population.
    let dir = tempfile::tempdir().expect("dir");
    let hofu = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/municipalities/hofu.yaml"
    ))
    .expect("hofu.yaml")
    .replacen("population: 113979", "population: 114000", 1);
    std::fs::write(dir.path().join("hofu.yaml"), hofu).expect("write");
    let status = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args([
            "import",
            &dir.path().join("hofu.yaml").display().to_string(),
        ])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .status()
        .expect("import");
    assert!(status.success());

    // Assert: both serving processes answer with the new figure once their response caches
    // have seen the change (they look every second).
    for hub in [&a, &b] {
        let mut seen = population(hub).await;
        for _ in 0..30 {
            if seen == 114_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            seen = population(hub).await;
        }
        assert_eq!(seen, 114_000, "{} still answers the old figure", hub.url);
    }
}

#[tokio::test]
async fn postgresql_statements_time_out_after_ten_seconds() {
    let Some(backend) = Backend::postgres() else {
        eprintln!("skipped: set TEST_DATABASE_URL=postgres://… to run on PostgreSQL");
        return;
    };
    let db = TestDb::create(&backend).await;
    let pool = kyodo_hub::db::connect(&db.url).await.expect("connect");
    let row = pool
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT current_setting('statement_timeout') AS t",
        ))
        .await
        .expect("query")
        .expect("a row");
    assert_eq!(row.try_get::<String>("", "t").expect("setting"), "10s");
    pool.conn
        .execute_unprepared("SELECT 1")
        .await
        .expect("still usable");
    pool.conn.close().await.ok();
}

#[tokio::test]
async fn the_request_log_names_the_operation_from_the_document() {
    // Arrange: a hub on a fresh SQLite file, logging requests to a file.
    let dir = tempfile::tempdir().expect("dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("log.sqlite").display()
    );
    let log_path = dir.path().join("hub.log");
    let hub = Serve::new(&url)
        .log_filter("kyodo_hub=info")
        .log_to(&log_path)
        .start()
        .await;

    // Act: one named operation without `operationName`, one with it, one anonymous.
    let client = reqwest::Client::new();
    for body in [
        json!({ "query": "query HofuPopulation { municipality(slug: \"hofu\") { population } }" }),
        json!({ "query": "query A { municipalities { code } } query B { regions { slug } }", "operationName": "B" }),
        json!({ "query": "{ municipalities { code } }" }),
    ] {
        let status = client
            .post(format!("{}/graphql", hub.url))
            .json(&body)
            .send()
            .await
            .expect("request")
            .status();
        assert!(status.is_success(), "{body}: {status}");
    }
    drop(hub);

    // Assert: the log names each, plainly (no colour codes in a file).
    let text = std::fs::read_to_string(&log_path).expect("read log");
    let operations: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" graphql "))
        .filter_map(|l| l.split("operation=").nth(1)?.split(' ').next())
        .collect();
    assert_eq!(operations, ["HofuPopulation", "B", "-"], "{text}");
    assert!(!text.contains('\u{1b}'), "colour codes in the log: {text}");
}
