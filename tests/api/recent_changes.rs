//! `recentChanges`, the public change feed: anyone reads it, newest first, one entry per
//! imported city, paged like every connection; it never carries who changed what nor the
//! values before and after, which stay in the token-only `changes`.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

const HOFU: &str = "352063";

const FEED: &str = r#"query ($first: Int, $after: String, $m: ID) {
  recentChanges(first: $first, after: $after, municipality: $m) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { at operation entity record label municipalityCode municipality { code slug } }
  }
}"#;

async fn feed(app: &TestApp, variables: Value) -> Value {
    app.data(FEED, variables).await["recentChanges"].clone()
}

fn nodes(page: &Value) -> Vec<Value> {
    page["nodes"].as_array().expect("nodes").clone()
}

async fn the_public_feed_lists_changes_newest_first_without_actors_or_values(b: Backend) {
    // Arrange: the five cities as imported, and a token that writes Hofu's records.
    let app = TestApp::spawn(&b).await;
    let cities = app.data("{ municipalities { code } }", json!({})).await;
    let codes: Vec<String> = cities["municipalities"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["code"].as_str().expect("code").to_owned())
        .collect();
    let imported = feed(&app, json!({ "first": 100 })).await;
    let token = app.token(Some(HOFU), "EDITOR", "feed-test").await;

    // Act: a programme created, renamed and deleted through the API.
    let created = app
        .data_as(
            &token,
            "mutation($v: CreateProgramInput!) { createProgram(input: $v) { id version } }",
            json!({ "v": { "municipality": HOFU, "key": "feed-test", "kind": "FORUM", "title": "更新履歴の試験フォーラム" } }),
        )
        .await["createProgram"]
        .clone();
    let id = created["id"].as_str().expect("id").to_owned();
    app.data_as(
        &token,
        "mutation($v: UpdateProgramInput!) { updateProgram(input: $v) { id } }",
        json!({ "v": { "id": id, "version": created["version"], "title": "改名したフォーラム" } }),
    )
    .await;
    let after_update = feed(&app, json!({ "first": 100 })).await;
    let update = &nodes(&after_update)[0];
    let resolved = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Program { title } } }",
            json!({ "id": update["record"] }),
        )
        .await;
    app.data_as(
        &token,
        "mutation($id: ID!) { deleteProgram(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let latest = feed(&app, json!({ "first": 100 })).await;

    // Assert: the import is one entry per city, each naming its city.
    let imports = nodes(&imported);
    assert_eq!(imports.len(), codes.len(), "{imported:#}");
    for entry in &imports {
        assert_eq!(entry["operation"], "IMPORT");
        assert_eq!(entry["entity"], "Municipality");
        let code = entry["municipalityCode"].as_str().expect("code");
        assert!(codes.iter().any(|c| c == code), "{entry}");
        assert_eq!(entry["municipality"]["code"], code);
        // The record is the city itself, which `node` resolves.
        let node = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Municipality { code } } }",
                json!({ "id": entry["record"] }),
            )
            .await;
        assert_eq!(node["node"]["code"], code);
    }

    // Newest first: delete, update, create, then the imports.
    let entries = nodes(&latest);
    assert_eq!(
        latest["totalCount"].as_u64(),
        Some(imports.len() as u64 + 3)
    );
    let ops: Vec<&str> = entries
        .iter()
        .take(3)
        .map(|e| e["operation"].as_str().expect("op"))
        .collect();
    assert_eq!(ops, ["DELETE", "UPDATE", "CREATE"]);
    for e in entries.iter().take(3) {
        assert_eq!(e["entity"], "Program");
        assert_eq!(e["record"], json!(id));
        assert_eq!(e["municipality"]["slug"], "hofu");
    }
    assert_eq!(
        entries[0]["label"], "改名したフォーラム",
        "a deletion names what went"
    );
    assert_eq!(entries[1]["label"], "改名したフォーラム");
    assert_eq!(entries[2]["label"], "更新履歴の試験フォーラム");
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["at"].as_str().expect("at"))
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    // While the record exists, `node` resolves the entry's record; once deleted, it does not.
    assert_eq!(update["operation"], "UPDATE");
    assert_eq!(resolved["node"]["title"], "改名したフォーラム");
    let gone = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Program { title } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(gone["node"], Value::Null, "{gone}");

    // Nothing of the audit trail's private parts is in the feed's type.
    for field in ["actor", "actorRole", "tokenId", "before", "after"] {
        let errors = app
            .errors(
                &format!("{{ recentChanges {{ nodes {{ {field} }} }} }}"),
                json!({}),
            )
            .await;
        assert!(
            errors.iter().any(|(_, m)| m.contains(field)),
            "{field}: {errors:?}"
        );
    }
    let errors = app
        .errors("{ changes { nodes { actor } } }", json!({}))
        .await;
    assert_eq!(errors[0].0, "UNAUTHENTICATED", "{errors:?}");
}

async fn the_feed_pages_and_narrows_to_one_city(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let whole = feed(&app, json!({ "first": 100 })).await;
    let all = nodes(&whole);
    assert!(all.len() >= 4, "{whole:#}");

    // Two pages of two are the first four of the whole list.
    let first = feed(&app, json!({ "first": 2 })).await;
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = feed(
        &app,
        json!({ "first": 2, "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    let paged: Vec<Value> = nodes(&first).into_iter().chain(nodes(&second)).collect();
    assert_eq!(paged, all[..4].to_vec());

    // One city, by slug or by code: only its entries.
    for m in ["toyonaka", "272035"] {
        let one = feed(&app, json!({ "first": 100, "m": m })).await;
        let entries = nodes(&one);
        assert!(!entries.is_empty(), "{m}");
        assert!(
            entries.iter().all(|e| e["municipalityCode"] == "272035"),
            "{one:#}"
        );
        assert_eq!(
            one["totalCount"].as_u64(),
            Some(
                all.iter()
                    .filter(|e| e["municipalityCode"] == "272035")
                    .count() as u64
            )
        );
    }

    // Bad arguments are named.
    for (variables, named) in [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "after": "garbage" }), "after"),
        (json!({ "m": "no-such-city" }), "municipality"),
    ] {
        let errors = app.errors(FEED, variables.clone()).await;
        assert!(
            errors
                .iter()
                .any(|(code, m)| m.contains(named) && code != "INTERNAL"),
            "{variables}: {errors:?}"
        );
    }
}

db_tests!(
    the_public_feed_lists_changes_newest_first_without_actors_or_values,
    the_feed_pages_and_narrows_to_one_city,
);
