//! Search as an index: what it finds is exactly what a scan of the search documents finds,
//! for queries of one, two and five characters; text folds as Japanese readers expect (NFKC:
//! full-width and half-width forms, and letter case); and a write through one hub process is
//! found through another on the same PostgreSQL.

use std::collections::BTreeMap;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::db_tests;
use crate::helpers::{Backend, TestApp, TestDb};
use crate::support::Serve;

const SEARCH: &str = r#"query($text: String!, $first: Int, $after: String) {
    search(text: $text, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { kind title snippet municipality { code } } } } }"#;

/// Every hit for `text`, page by page, with the `totalCount` each page reported.
async fn every_hit(app: &TestApp, text: &str, first: u32) -> (Vec<Value>, Vec<u64>) {
    let (mut hits, mut totals) = (Vec::new(), Vec::new());
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                SEARCH,
                json!({ "text": text, "first": first, "after": after }),
            )
            .await;
        let conn = &data["search"];
        totals.push(conn["totalCount"].as_u64().expect("totalCount"));
        hits.extend(
            conn["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != true {
            return (hits, totals);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// Text as the test folds it, independently of the hub: NFKC over the whole text, lowercase.
fn fold(text: &str) -> String {
    text.nfkc().collect::<String>().to_lowercase()
}

/// (municipality, kind, title) of every search document holding `text`, by a scan of the
/// table over SQL: what an exact index must find, as a sorted list (titles may repeat).
async fn scanned(app: &TestApp, text: &str) -> Vec<(String, String, String)> {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT municipality_code, kind, title, body FROM search_documents",
        ))
        .await
        .expect("scan");
    let needle = fold(text);
    let mut out: Vec<(String, String, String)> = rows
        .iter()
        .filter_map(|r| {
            let title: String = r.try_get("", "title").ok()?;
            let body: String = r.try_get("", "body").ok()?;
            (fold(&title).contains(&needle) || fold(&body).contains(&needle)).then(|| {
                (
                    r.try_get("", "municipality_code").unwrap_or_default(),
                    r.try_get("", "kind").unwrap_or_default(),
                    title,
                )
            })
        })
        .collect();
    out.sort();
    out
}

fn keys(hits: &[Value]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = hits
        .iter()
        .map(|h| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (s(&h["municipality"]["code"]), s(&h["kind"]), s(&h["title"]))
        })
        .collect();
    out.sort();
    out
}

async fn queries_of_one_two_and_five_characters_find_exactly_what_a_scan_finds(b: Backend) {
    let app = TestApp::spawn(&b).await;
    for (text, page) in [
        ("防", 50),
        ("会", 100),
        ("研修", 7),
        ("防災", 3),
        ("協働推進員", 4),
        ("npo", 5),
        ("H23～27年度", 2),
    ] {
        // Arrange: what a scan of every document finds.
        let expected = scanned(&app, text).await;
        assert!(!expected.is_empty(), "{text} is in the bundled documents");

        // Act: every page of the search.
        let (hits, totals) = every_hit(&app, text, page).await;

        // Assert: the same documents, each once, and every page counts all of them.
        assert_eq!(keys(&hits), expected, "{text}");
        assert!(
            totals.iter().all(|&t| t == expected.len() as u64),
            "{text}: totalCount {totals:?} for {} matches",
            expected.len()
        );
    }
}

/// Hofu re-imported with its FY2013 lecture's topic written in half-width katakana and
/// full-width Latin letters and digits, as documents typed on Japanese systems often are.
async fn import_hofu_with(app: &TestApp, topic: &str) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/municipalities/hofu.yaml"
    ))
    .expect("hofu.yaml")
    .replacen(
        "        topic: 防災について\n",
        &format!("        topic: 防災について {topic}\n"),
        1,
    );
    let ds = kyodo_hub::dataset::Dataset::from_texts([("hofu.yaml", text.as_str())])
        .expect("valid file");
    kyodo_hub::dataset::import::import(&app.db, &ds)
        .await
        .expect("import");
}

async fn full_width_half_width_and_case_match_each_other(b: Backend) {
    // Arrange: the forms as written in the document.
    let app = TestApp::spawn(&b).await;
    import_hofu_with(&app, "ｶﾀｶﾅ講座ＢＯＳＡＩ２０２３ 全角カタカナ").await;

    // Act and assert: each query, in another form, finds the lecture and marks the text as
    // it is written.
    for (query, marked) in [
        ("カタカナ講座", "<mark>ｶﾀｶﾅ講座</mark>"),
        ("ｶﾀｶﾅ講座", "<mark>ｶﾀｶﾅ講座</mark>"),
        ("bosai2023", "<mark>ＢＯＳＡＩ２０２３</mark>"),
        ("Bosai２０２３", "<mark>ＢＯＳＡＩ２０２３</mark>"),
        ("ＢＯＳＡＩ", "<mark>ＢＯＳＡＩ</mark>"),
        ("全角ｶﾀｶﾅ", "<mark>全角カタカナ</mark>"),
    ] {
        let (hits, totals) = every_hit(&app, query, 20).await;
        assert_eq!(totals, [1], "{query}: {hits:?}");
        assert_eq!(hits[0]["kind"], "Activity", "{query}");
        assert_eq!(hits[0]["municipality"]["code"], "352063", "{query}");
        let snippet = hits[0]["snippet"].as_str().unwrap_or_default();
        assert!(snippet.contains(marked), "{query}: {snippet}");
        assert_eq!(keys(&hits), scanned(&app, query).await, "{query}");
    }
}

/// The moments after `serve` starts, before its task has built the search index (half a
/// minute at 1,741 cities): every other question is answered, a search is refused as
/// `UNAVAILABLE` with 503 and `Retry-After`, and `/readyz` holds traffic back until the index
/// finds what a scan finds.
async fn search_waits_for_the_index_while_everything_else_answers(b: Backend) {
    use std::sync::Arc;

    use kyodo_hub::read::search::engine::SearchIndex;

    // Arrange: a hub whose schema searches an index not built yet.
    let test_db = TestDb::create(&b).await;
    let mut state = kyodo_hub::app::prepare_with(&test_db.url, crate::helpers::uncached())
        .await
        .expect("prepare app");
    let index = Arc::new(SearchIndex::empty().expect("an empty index"));
    assert!(!index.is_ready());
    (state.schema, state.introspection) = kyodo_hub::graphql::build_schemas(
        state.db.clone(),
        &state.limits,
        state.cache.clone(),
        index.clone(),
        state.catalogue.clone(),
    )
    .expect("schemas");
    state.search = index.clone();
    let db = state.db.clone();
    let app = TestApp::serve_state(test_db, state).await;

    // Act: a search, another question and the probes before the build.
    let search = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": SEARCH, "variables": { "text": "防災" } }))
        .send()
        .await
        .expect("search");
    let (status, retry_after) = (
        search.status(),
        search.headers().get("retry-after").cloned(),
    );
    let body: Value = search.json().await.expect("JSON body");
    let city = app
        .data(r#"{ municipality(slug: "hofu") { nameJa } }"#, json!({}))
        .await;
    let (ready, health) = (
        app.get("/readyz").await.status(),
        app.get("/healthz").await.status(),
    );
    // The portal's search page asks the same operation.
    let page = app.get("/search?q=%E9%98%B2%E7%81%BD").await;
    let (page_status, page_retry) = (page.status(), page.headers().get("retry-after").cloned());
    let page_html = page.text().await.expect("the page's HTML");

    // Assert: only search waits, and says why, in the API and on the page.
    assert_eq!(status, 503, "{body:#}");
    assert_eq!(
        retry_after.as_ref().and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body:#}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("search index is being built"), "{message}");
    assert_eq!(city["municipality"]["nameJa"], "防府市");
    assert_eq!((ready.as_u16(), health.as_u16()), (503, 200));
    assert_eq!(page_status, 503, "{page_html}");
    assert_eq!(page_retry.as_ref().and_then(|v| v.to_str().ok()), Some("1"));
    assert!(
        page_html.contains("ただいま表示できません")
            && page_html.contains("search index is being built"),
        "{page_html}"
    );

    // Act: the build, as `serve`'s task runs it.
    index.build(&db).await.expect("build");

    // Assert: ready, and finding what a scan finds.
    assert_eq!(app.get("/readyz").await.status(), 200);
    let (hits, totals) = every_hit(&app, "防災", 20).await;
    let expected = scanned(&app, "防災").await;
    assert!(!expected.is_empty());
    assert_eq!(keys(&hits), expected);
    assert!(
        totals.iter().all(|&t| t == expected.len() as u64),
        "{totals:?}"
    );
    let page = app.get("/search?q=%E9%98%B2%E7%81%BD").await;
    assert_eq!(page.status(), 200);
}

db_tests!(
    queries_of_one_two_and_five_characters_find_exactly_what_a_scan_finds,
    full_width_half_width_and_case_match_each_other,
    search_waits_for_the_index_while_everything_else_answers,
);

/// How many records of each kind the hub at `url` finds for `text`, and the answer itself (for
/// a failure's message: an answer with `errors` counts nothing).
async fn found_through(url: &str, text: &str) -> (BTreeMap<String, usize>, Value) {
    let body: Value = reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": SEARCH, "variables": { "text": text, "first": 10 } }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let mut out = BTreeMap::new();
    for e in body["data"]["search"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
    {
        *out.entry(e["node"]["kind"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    (out, body)
}

#[tokio::test]
async fn a_write_through_one_process_is_found_through_another() {
    let Some(backend) = Backend::postgres() else {
        eprintln!("skipped: set TEST_DATABASE_URL=postgres://… to run on PostgreSQL");
        return;
    };
    // Arrange: two hub processes on one database, and an editor for Yamaguchi.
    let db = TestDb::create(&backend).await;
    let a = Serve::new(&db.url).start().await;
    let b = Serve::new(&db.url).start().await;
    let pool = kyodo_hub::db::connect(&db.url).await.expect("connect");
    let token = kyodo_hub::write::auth::create(
        &pool.conn,
        Some("352039"),
        "EDITOR".parse().expect("role"),
        "two processes",
    )
    .await
    .expect("token")
    .secret;
    let word = "相互検索確認センター";
    let (before, answer) = found_through(&b.url, word).await;
    assert!(
        before.is_empty() && answer.get("errors").is_none(),
        "{answer}"
    );

    // Act: a support centre created through the first process.
    let response: Value = reqwest::Client::new()
        .post(format!("{}/graphql", a.url))
        .bearer_auth(&token)
        .json(&json!({
            "query": "mutation($v: CreateSupportCenterInput!) { createSupportCenter(input: $v) { id } }",
            "variables": { "v": { "municipality": "352039", "key": "mutual", "nameJa": word,
                                   "managementModel": "DIRECT" } }
        }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(response.get("errors").is_none(), "{response}");

    // Assert: the writer finds it at once, the other process within a few seconds.
    let expected = BTreeMap::from([("SupportCenter".to_owned(), 1)]);
    let (found, answer) = found_through(&a.url, word).await;
    assert_eq!(found, expected, "{answer}");
    // The other process polls the generation every second. Under CI's parallel tests one
    // run once needed more than 5 s (stop 26); 20 s bounds a hang, not the poll.
    let (mut seen, mut answer) = found_through(&b.url, word).await;
    let started = std::time::Instant::now();
    while seen != expected && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        (seen, answer) = found_through(&b.url, word).await;
    }
    assert_eq!(
        seen,
        expected,
        "{} does not find the new centre after {:?}; its last answer: {answer}",
        b.url,
        started.elapsed()
    );
    pool.conn.close().await.ok();
}
