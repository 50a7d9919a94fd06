//! The response cache: public answers are served again without SQL until the data changes,
//! through this process (at once) or another (within the poll interval).

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

const HOFU_OFFICERS: &str = r#"{ municipality(slug: "hofu") { observations(metric: "promotion_officers") { fiscalYear value } } }"#;

const POPULATION: &str = r#"{ municipality(slug: "hofu") { population } }"#;

/// Sends `query` without a token: the `x-kyodo-cache` header, the SQL it cost, the body.
async fn ask(app: &TestApp, query: &str) -> (Option<String>, u64, Value) {
    let before = app.statements.get();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request");
    let cache = response
        .headers()
        .get("x-kyodo-cache")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = response.json().await.expect("json");
    (cache, app.statements.get() - before, body)
}

fn value_for(body: &Value, year: i64) -> Option<f64> {
    body["data"]["municipality"]["observations"]
        .as_array()?
        .iter()
        .find(|o| o["fiscalYear"] == year)?["value"]
        .as_f64()
}

async fn public_answers_are_cached_until_a_write(b: Backend) {
    // Arrange
    let app = TestApp::spawn_with(&b, kyodo_hub::config::ServeConfig::default()).await;
    let token = app.token(Some("352063"), "EDITOR", "Hofu").await;

    // Act and assert: a miss, then a hit without SQL and with the same body.
    let (first, cost, body) = ask(&app, HOFU_OFFICERS).await;
    assert_eq!(first.as_deref(), Some("miss"));
    assert!(cost > 0);
    let (second, cost, again) = ask(&app, HOFU_OFFICERS).await;
    assert_eq!(second.as_deref(), Some("hit"));
    assert_eq!(cost, 0, "a hit reads nothing");
    assert_eq!(again, body);

    // A write through the API empties the cache at once.
    app.data_as(
        &token,
        "mutation($i: ObservationInput!) { upsertObservation(input: $i) { id } }",
        json!({ "i": { "municipality": "352063", "metric": "promotion_officers", "fiscalYear": 2031, "value": 77 } }),
    )
    .await;
    let (third, _, fresh) = ask(&app, HOFU_OFFICERS).await;
    assert_eq!(third.as_deref(), Some("miss"));
    assert_eq!(value_for(&fresh, 2031), Some(77.0));

    // Errors, and answers to a token, are never kept.
    for _ in 0..2 {
        let (cache, _, body) = ask(&app, r#"{ municipality(slug: "atlantis") { code } }"#).await;
        assert_eq!(cache, None, "{body}");
    }
    let (status, _) = app.post_as(&token, HOFU_OFFICERS, json!({})).await;
    assert_eq!(status, 200);
}

async fn a_change_by_another_process_reaches_the_cache_within_its_poll(b: Backend) {
    // Arrange: a cache that looks for other writers every 100 ms.
    let limits = kyodo_hub::config::ServeConfig {
        cache: kyodo_hub::config::CacheConfig {
            response_cache_poll_ms: 100,
            ..Default::default()
        },
        ..Default::default()
    };
    let app = TestApp::spawn_with(&b, limits).await;
    ask(&app, POPULATION).await;
    let (cache, _, body) = ask(&app, POPULATION).await;
    assert_eq!(cache.as_deref(), Some("hit"));
    assert_eq!(body["data"]["municipality"]["population"], 113_979);

    // Act: another connection (as `kyodo-hub import` would) replaces Hofu with a new figure.
    let hofu = kyodo_hub::dataset::BUNDLED
        .iter()
        .find(|(name, _)| name.ends_with("hofu.yaml"))
        .map(|(_, text)| *text)
        .expect("bundled hofu.yaml");
    let changed = format!("{hofu}\n# edited by the cache test\n")
        .replace("population: 113979", "population: 114000");
    crate::helpers::import_elsewhere(&app, "hofu.yaml", &changed).await;

    // Assert
    let mut population = Value::Null;
    for _ in 0..40 {
        let (_, _, body) = ask(&app, POPULATION).await;
        population = body["data"]["municipality"]["population"].clone();
        if population == 114_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(population, 114_000);
}

crate::db_tests!(
    public_answers_are_cached_until_a_write,
    a_change_by_another_process_reaches_the_cache_within_its_poll,
);
