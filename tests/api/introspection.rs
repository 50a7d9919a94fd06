//! Introspection under the default limits: the standard IntrospectionQuery that GraphiQL,
//! graphql-codegen and Postman send (graphql-js 16.15 `getIntrospectionQuery()`, in
//! `introspection/`) answers, while circular introspection is refused before it runs.

use serde_json::json;

use crate::helpers::{Backend, TestApp};

/// `getIntrospectionQuery()` with its default options.
const STANDARD: &str = include_str!("introspection/standard.graphql");
/// `getIntrospectionQuery({ descriptions, specifiedByUrl, directiveIsRepeatable,
/// schemaDescription, inputValueDeprecation })`, every option on.
const ALL_OPTIONS: &str = include_str!("introspection/all-options.graphql");

#[tokio::test]
async fn the_standard_introspection_query_answers_under_the_default_limits() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    for query in [STANDARD, ALL_OPTIONS] {
        let data = app.data(query, json!({})).await;
        let types = data["__schema"]["types"].as_array().expect("types");
        let municipality = types
            .iter()
            .find(|t| t["name"] == "Municipality")
            .expect("Municipality among the types");
        assert!(
            municipality["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .any(|f| f["name"] == "nameJa"),
            "{municipality}"
        );
        assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    }
}

#[tokio::test]
async fn circular_introspection_is_refused_before_it_runs() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    // Three type lists deep, as graphql-js's MaxIntrospectionDepthRule refuses; only 8 fields
    // deep, within every other limit.
    let circular =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let before = app.statements.get();
    let errors = app.errors(circular, json!({})).await;
    assert_eq!(errors[0].0, "LIMIT_EXCEEDED", "{errors:?}");
    assert!(errors[0].1.contains("fields"), "{errors:?}");
    assert_eq!(app.statements.get(), before);
    // The same through fragments and `__type`, and with interfaces and possibleTypes.
    let through_fragments = "query { __type(name: \"Municipality\") { ...A } }
        fragment A on __Type { interfaces { ...B } }
        fragment B on __Type { possibleTypes { inputFields { name } } }";
    let errors = app.errors(through_fragments, json!({})).await;
    assert_eq!(errors[0].0, "LIMIT_EXCEEDED", "{errors:?}");
    // Two lists deep is what tools need, and answers.
    app.data(
        "{ __schema { types { fields { type { fields { name } } } } } }",
        json!({}),
    )
    .await;

    // Past the introspection depth bound (16) through `ofType`, which is no list.
    let mut deep = String::from("{ __schema { types { fields { type { ");
    for _ in 0..14 {
        deep.push_str("ofType { ");
    }
    deep.push_str("name ");
    deep.push_str(&"} ".repeat(14 + 5));
    let errors = app.errors(&deep, json!({})).await;
    assert_eq!(errors[0].0, "LIMIT_EXCEEDED", "{errors:?}");
    assert!(errors[0].1.contains("nested too deep"), "{errors:?}");
}

#[tokio::test]
async fn data_queries_keep_the_depth_limit_beside_introspection() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    // 11 levels of data, past `--max-depth` 10: a `__typename` or `__schema` beside it does not
    // lift the limit.
    let deep = r#"{ __typename municipality(slug: "yamaguchi") { plans { policies { plan { policies { plan {
        policies { plan { policies { plan { title } } } } } } } } } } }"#;
    let errors = app.errors(deep, json!({})).await;
    assert_eq!(errors[0].0, "LIMIT_EXCEEDED", "{errors:?}");
    let mixed = format!("{} {}", "{ __schema { queryType { name } }", &deep[1..]);
    let errors = app.errors(&mixed, json!({})).await;
    assert_eq!(errors[0].0, "LIMIT_EXCEEDED", "{errors:?}");
    // The standard query with a data field beside it is a data query, under the data limit.
    let standard_and_data =
        STANDARD.replacen("__schema {", "municipalities { slug } __schema {", 1);
    let errors = app.errors(&standard_and_data, json!({})).await;
    assert_eq!(errors[0].0, "LIMIT_EXCEEDED", "{errors:?}");
}

#[tokio::test]
async fn production_mode_answers_the_standard_query_without_a_schema() {
    let limits = kyodo_hub::config::ServeConfig {
        production: true,
        ..Default::default()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let body = app.post(STANDARD, json!({})).await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
}
