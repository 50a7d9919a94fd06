//! The hub as an Apollo Federation v2 subgraph: `_service { sdl }` and `_entities` for the
//! types other services join on, resolved through the same loaders.

use serde_json::json;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

async fn entities_resolve_by_key_in_one_statement_per_type(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let ids = app
        .data(
            r#"{ municipalities { code plans { id } programs(first: 2) { edges { node { id } } } indicators { id } } }"#,
            json!({}),
        )
        .await;
    let list = ids["municipalities"].as_array().expect("list");
    let mut representations = Vec::new();
    for m in list {
        representations.push(json!({ "__typename": "Municipality", "code": m["code"] }));
        for p in m["plans"].as_array().expect("plans") {
            representations.push(json!({ "__typename": "Plan", "id": p["id"] }));
        }
        for e in m["programs"]["edges"].as_array().expect("edges") {
            representations.push(json!({ "__typename": "Program", "id": e["node"]["id"] }));
        }
        for i in m["indicators"]
            .as_array()
            .expect("indicators")
            .iter()
            .take(2)
        {
            representations.push(json!({ "__typename": "Indicator", "id": i["id"] }));
        }
    }
    // An ID of another type answers null, as federation expects for unknown entities.
    representations
        .push(json!({ "__typename": "Plan", "id": list[0]["programs"]["edges"][0]["node"]["id"] }));
    let n = representations.len();

    let before = app.statements.get();
    let data = app
        .data(
            r#"query($r: [_Any!]!) { _entities(representations: $r) {
                __typename
                ... on Municipality { nameJa }
                ... on Plan { title }
                ... on Program { title }
                ... on Indicator { name }
            } }"#,
            json!({ "r": representations }),
        )
        .await;
    let statements = app.statements.get() - before;

    let entities = data["_entities"].as_array().expect("entities");
    assert_eq!(entities.len(), n);
    assert_eq!(entities[n - 1], serde_json::Value::Null);
    assert!(
        entities[..n - 1].iter().all(|e| !e.is_null()),
        "{entities:?}"
    );
    assert!(
        entities
            .iter()
            .any(|e| e["title"] == "山口市協働推進プラン")
    );
    assert!(entities.iter().any(|e| e["nameJa"] == "豊中市"));
    // Four entity types, each loaded once however many representations name it.
    assert!(statements <= 4, "{statements} statements for {n} entities");

    let sdl = app.data("{ _service { sdl } }", json!({})).await;
    let sdl = sdl["_service"]["sdl"].as_str().expect("sdl");
    assert!(
        sdl.contains("@key(fields: \"code\")")
            && sdl.contains("type Plan implements Node @key(fields: \"id\")")
    );
}

db_tests!(entities_resolve_by_key_in_one_statement_per_type);
