//! `importObservations`: a CSV of observations is written whole or not at all, and a file
//! whose header is wrong is refused before any row is read.

use serde_json::json;

use super::{HOFU, hofu_observation};
use crate::db_tests;
use crate::helpers::{Backend, TestApp};

fn thousand_rows(bad_line: Option<usize>) -> String {
    let metrics = [
        "promotion_officers",
        "promotion_coordinators",
        "collaboration_projects",
        "registered_groups",
        "proposals_received",
        "staff_training_participants",
        "support_center_visits",
    ];
    let mut csv = String::from("municipality,metric,fiscal_year,value,approximate,note\n");
    for i in 0..1000 {
        let line = i + 2;
        let value = if Some(line) == bad_line {
            "-3".to_owned()
        } else {
            (i % 97).to_string()
        };
        csv.push_str(&format!(
            "{HOFU},{},{},{value},{},row {i}\n",
            metrics[i % metrics.len()],
            1940 + i / metrics.len(),
            i % 5 == 0
        ));
    }
    csv
}

const IMPORT: &str =
    "mutation($csv: String!) { importObservations(csv: $csv) { created updated unchanged } }";

async fn a_bad_row_in_a_thousand_row_csv_leaves_the_database_unchanged(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    let before = app.fingerprint().await;

    // Act: row 777 (line 779) has a negative count.
    let (code, message) = app
        .error_as(&token, IMPORT, json!({ "csv": thousand_rows(Some(779)) }))
        .await;

    // Assert
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.contains("1 bad row(s), nothing was imported"),
        "{message}"
    );
    assert!(message.contains("line 779: value: a count of"), "{message}");
    assert_eq!(app.fingerprint().await, before);

    // The same file without the bad row goes in whole, and again changes nothing.
    let first = app
        .data_as(&token, IMPORT, json!({ "csv": thousand_rows(None) }))
        .await["importObservations"]
        .clone();
    // A few rows fall on years Hofu reported already; those are updates.
    let (created, updated) = (first["created"].as_i64(), first["updated"].as_i64());
    assert_eq!(
        created.zip(updated).map(|(c, u)| c + u),
        Some(1000),
        "{first}"
    );
    assert_eq!(first["unchanged"], 0);
    let after_first = app.fingerprint().await;
    let count = |f: &[(String, i64)], key: &str| f.iter().find(|(k, _)| k == key).map(|x| x.1);
    assert_eq!(
        count(&after_first, "changes rows"),
        count(&before, "changes rows").map(|n| n + 1000)
    );
    assert_eq!(
        count(&after_first, "observations rows"),
        count(&before, "observations rows")
            .zip(created)
            .map(|(n, c)| n + c)
    );
    let again = app
        .data_as(&token, IMPORT, json!({ "csv": thousand_rows(None) }))
        .await["importObservations"]
        .clone();
    assert_eq!(
        again,
        json!({ "created": 0, "updated": 0, "unchanged": 1000 })
    );
    assert_eq!(app.fingerprint().await, after_first);
    let stored = hofu_observation(&app, "registered_groups", 1940)
        .await
        .expect("row 3");
    assert_eq!(stored["value"], 3.0);
    assert_eq!(stored["note"], "row 3");

    // Missing columns and unknown columns are named.
    let (_, message) = app
        .error_as(
            &token,
            IMPORT,
            json!({ "csv": "municipality,metric,value\n352063,promotion_officers,3\n" }),
        )
        .await;
    assert!(message.contains("no \"fiscal_year\" column"), "{message}");
    let (_, message) = app
        .error_as(
            &token,
            IMPORT,
            json!({ "csv": "municipality,metric,fiscal_year,value,colour\n" }),
        )
        .await;
    assert!(message.contains("unknown column \"colour\""), "{message}");
}

db_tests!(a_bad_row_in_a_thousand_row_csv_leaves_the_database_unchanged);
