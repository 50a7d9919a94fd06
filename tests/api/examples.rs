//! Every operation in `examples/queries/` runs against the five cities without errors and
//! returns data, so the examples portals copy from stay true.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

fn has_content(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty() && a.iter().any(has_content),
        Value::Object(o) => o.values().any(has_content),
        _ => true,
    }
}

async fn every_example_operation_runs(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/queries");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/queries")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    let graphql: Vec<_> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "graphql"))
        .collect();
    assert!(
        graphql.len() >= 6,
        "expected the example operations, found {}",
        graphql.len()
    );
    for file in graphql {
        let query = std::fs::read_to_string(file).expect("read");
        let data = app.data(&query, json!({})).await;
        let object = data.as_object().expect("data object");
        for (field, value) in object {
            assert!(
                has_content(value),
                "{}: {field} came back empty",
                file.display()
            );
        }
    }
}

db_tests!(every_example_operation_runs);
