//! Issue 10: editors of one city writing at the same time all succeed. Creates never
//! conflict; of two updates of one record at the same `version` one wins and the other gets
//! `CONFLICT`; nothing answers `INTERNAL`. (The fault suite, `tests/faults.rs`, runs the larger
//! 16 × 20 version against spawned processes.)

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

const HOFU: &str = "352063";
const CREATE: &str =
    "mutation($v: CreateProgramInput!) { createProgram(input: $v) { id version } }";
const UPDATE: &str =
    "mutation($v: UpdateProgramInput!) { updateProgram(input: $v) { id version } }";
/// A word in every title written here and nowhere in the bundled data.
const MARKER: &str = "並行編集点検";

/// Sends one mutation with a token; returns the error code (`None` on success) and the body.
async fn send(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    query: &str,
    v: Value,
) -> (Option<String>, Value) {
    let response = client
        .post(format!("{address}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": { "v": v } }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON body");
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| (status != 200).then(|| format!("HTTP {status}")));
    (code, body)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("count")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
}

async fn editors_of_one_city_write_at_once_without_errors(b: Backend) {
    // Arrange: four editors of Hofu, each with its own token.
    const EDITORS: usize = 4;
    const EACH: usize = 10;
    let app = TestApp::spawn(&b).await;
    let mut tokens = Vec::new();
    for e in 0..EDITORS {
        tokens.push(
            app.token(Some(HOFU), "EDITOR", &format!("editor {e}"))
                .await,
        );
    }

    // Act: every editor creates its programmes one after another, all editors at once.
    let mut set = JoinSet::new();
    for (e, token) in tokens.iter().enumerate() {
        let (client, address, token) = (app.client.clone(), app.address.clone(), token.clone());
        set.spawn(async move {
            let mut created = Vec::new();
            let mut failures = Vec::new();
            for i in 0..EACH {
                let (code, body) = send(
                    &client,
                    &address,
                    &token,
                    CREATE,
                    json!({ "municipality": HOFU, "key": format!("concurrent-{e}-{i}"), "kind": "FORUM", "title": format!("{MARKER} {e}-{i}") }),
                )
                .await;
                match code {
                    None => created.push(body["data"]["createProgram"].clone()),
                    Some(code) => failures.push(format!("{code}: {body}")),
                }
            }
            (created, failures)
        });
    }
    let mut created = Vec::new();
    let mut failures = Vec::new();
    while let Some(done) = set.join_next().await {
        let (c, f) = done.expect("editor task");
        created.extend(c);
        failures.extend(f);
    }

    // Assert: every create succeeded, is stored once, audited once and found by search.
    assert!(
        failures.is_empty(),
        "{} of {} creates failed: {failures:#?}",
        failures.len(),
        EDITORS * EACH
    );
    let total = i64::try_from(EDITORS * EACH).expect("small");
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM programs WHERE key LIKE 'concurrent-%'"
        )
        .await,
        total
    );
    assert_eq!(
        count(
            &app,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM changes WHERE entity = 'Program' AND operation = 'CREATE' AND record_id IN (SELECT id FROM programs WHERE key LIKE 'concurrent-%')"
        )
        .await,
        total
    );
    let found = app
        .data(
            "query($t: String!) { search(text: $t, first: 1) { totalCount } }",
            json!({ "t": MARKER }),
        )
        .await;
    assert_eq!(found["search"]["totalCount"], total, "{found}");

    // Act: each editor updates its own first programme at once, and two editors update the
    // same programme at the version both read.
    let mut set = JoinSet::new();
    for (e, token) in tokens.iter().enumerate() {
        let id = created[e * EACH]["id"].clone();
        let (client, address, token) = (app.client.clone(), app.address.clone(), token.clone());
        set.spawn(async move {
            send(
                &client,
                &address,
                &token,
                UPDATE,
                json!({ "id": id, "version": 1, "title": format!("{MARKER} 更新 {e}") }),
            )
            .await
        });
    }
    let contested = created[1]["id"].clone();
    for token in &tokens[..2] {
        let (client, address, token) = (app.client.clone(), app.address.clone(), token.clone());
        let id = contested.clone();
        set.spawn(async move {
            send(
                &client,
                &address,
                &token,
                UPDATE,
                json!({ "id": id, "version": 1, "title": format!("{MARKER} 競合") }),
            )
            .await
        });
    }
    let mut codes = Vec::new();
    while let Some(done) = set.join_next().await {
        let (code, body) = done.expect("update task");
        if let Some(code) = &code {
            assert_eq!(code, "CONFLICT", "{body}");
        }
        codes.push(code);
    }

    // Assert: the distinct updates and one of the contested pair won; the other was told why.
    let conflicts = codes.iter().filter(|c| c.is_some()).count();
    assert_eq!(conflicts, 1, "{codes:?}");
    let found = app
        .data(
            "query($t: String!) { search(text: $t, first: 1) { totalCount } }",
            json!({ "t": format!("{MARKER} 更新") }),
        )
        .await;
    assert_eq!(found["search"]["totalCount"], EDITORS, "{found}");
    eprintln!(
        "{b:?}: {EDITORS} editors × {EACH} creates: {} stored; {} updates, {conflicts} CONFLICT",
        created.len(),
        codes.len()
    );
}

db_tests!(editors_of_one_city_write_at_once_without_errors);
