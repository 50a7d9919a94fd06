//! Issue 10: editors of one city writing at the same time all succeed. Creates never
//! conflict; of two updates of one record at the same `version` one wins and the other gets
//! `CONFLICT`; nothing answers `INTERNAL`. Fifty writers raising one shared figure, retrying
//! on `CONFLICT`, raise it exactly fifty times. (The fault suite, `tests/faults.rs`, runs the
//! larger 16 × 20 version against spawned processes.)

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::{HOFU, UPDATE_OBSERVATION, UPSERT, changes_as};
use crate::db_tests;
use crate::helpers::{Backend, TestApp};

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

async fn fifty_concurrent_writers_are_all_accounted_for(b: Backend) {
    // Arrange: a shared counter every writer raises, retrying on CONFLICT.
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    let counter = app
        .data_as(
            &token,
            UPSERT,
            json!({ "i": { "municipality": HOFU, "metric": "collaboration_projects", "fiscalYear": 2099, "value": 0 } }),
        )
        .await["upsertObservation"]
        .clone();
    let counter_id = counter["id"].as_str().expect("id").to_owned();
    let changes_before = changes_as(&app, &token, None).await.len();

    // Act: 50 writers at once, each creating its own value and raising the counter once.
    let writers = (0..50).map(|i| {
        let app = &app;
        let token = token.clone();
        let counter_id = counter_id.clone();
        async move {
            app.data_as(
                &token,
                UPSERT,
                json!({ "i": { "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2040 + i, "value": i } }),
            )
            .await;
            let mut conflicts = 0;
            loop {
                let current = app
                    .data(
                        "query($id: ID!) { node(id: $id) { ... on Observation { version value } } }",
                        json!({ "id": counter_id }),
                    )
                    .await["node"]
                    .clone();
                let (_, body) = app
                    .post_as(
                        &token,
                        UPDATE_OBSERVATION,
                        json!({ "i": { "id": counter_id, "version": current["version"], "value": current["value"].as_f64().unwrap_or(0.0) + 1.0 } }),
                    )
                    .await;
                match body["errors"][0]["extensions"]["code"].as_str() {
                    None => return conflicts,
                    Some("CONFLICT") => conflicts += 1,
                    Some(other) => panic!("writer {i}: {other}: {body}"),
                }
            }
        }
    });
    let conflicts: Vec<u32> = futures_join_all(writers).await;

    // Assert: every write is in the data and in the trail, no more and no less.
    let counter = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Observation { version value } } }",
            json!({ "id": counter_id }),
        )
        .await["node"]
        .clone();
    assert_eq!(counter["value"], 50.0, "lost updates");
    assert_eq!(counter["version"], 51);
    let own = app
        .data(
            "{ municipality(code: \"352063\") { observations(metric: \"promotion_officers\", from: 2040, to: 2089) { fiscalYear } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        own["municipality"]["observations"].as_array().map(Vec::len),
        Some(50)
    );
    let changes = changes_as(&app, &token, None).await;
    let new = &changes[changes_before..];
    assert_eq!(new.len(), 100, "50 creations and 50 raises");
    let raises: Vec<f64> = new
        .iter()
        .filter(|c| c["operation"] == "UPDATE")
        .map(|c| c["after"]["value"].as_f64().expect("value"))
        .collect();
    let mut sorted = raises.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(
        sorted,
        (1..=50).map(f64::from).collect::<Vec<_>>(),
        "each raise once"
    );
    // The latest values kept ready agree with the observations the writers left.
    let (ready, recomputed) = crate::compare_page::ready_and_recomputed(&app).await;
    assert_eq!(ready, recomputed, "latest values after 50 writers");
    let hofu = |metric: &str| {
        ready
            .iter()
            .find(|r| r[0] == HOFU && r[1] == metric)
            .map(|r| (r[2].clone(), r[4].clone()))
    };
    assert_eq!(hofu("promotion_officers"), Some((json!(2089), json!(49.0))));
    assert_eq!(
        hofu("collaboration_projects"),
        Some((json!(2099), json!(50.0)))
    );
    eprintln!(
        "{b:?}: 50 writers, {} conflicts retried",
        conflicts.iter().sum::<u32>()
    );
}

/// Runs futures concurrently on the test's runtime (no extra dependency for `join_all`).
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

db_tests!(
    editors_of_one_city_write_at_once_without_errors,
    fifty_concurrent_writers_are_all_accounted_for,
);
