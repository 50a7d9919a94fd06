//! An editor keeps its own city's figures current: create, replace, a refused stale update,
//! update and delete, each traced in the audit trail with who made it and what it changed.

use serde_json::{Value, json};

use super::{HOFU, UPDATE_OBSERVATION, UPSERT, changes_as, hofu_observation};
use crate::db_tests;
use crate::helpers::{Backend, TestApp};

const DELETE_OBSERVATION: &str =
    "mutation($id: ID!, $v: Int) { deleteObservation(id: $id, version: $v) { id } }";

async fn an_editor_keeps_its_numbers_current_and_every_change_is_traced(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    let token = app
        .token(Some(HOFU), "EDITOR", "Hofu citizen activities section")
        .await;
    let input = json!({ "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": "令和6年度", "value": 61 });

    // Act: create, replace, update with a stale version, update, delete.
    let created =
        app.data_as(&token, UPSERT, json!({ "i": input })).await["upsertObservation"].clone();
    let replaced = app
        .data_as(
            &token,
            UPSERT,
            json!({ "i": { "municipality": "hofu", "metric": "promotion_officers", "fiscalYear": 2024, "value": 62, "version": 1 } }),
        )
        .await["upsertObservation"]
        .clone();
    let id = created["id"].as_str().expect("id").to_owned();
    let stale = app
        .error_as(
            &token,
            UPDATE_OBSERVATION,
            json!({ "i": { "id": id, "version": 1, "value": 99 } }),
        )
        .await;
    let after_stale = hofu_observation(&app, "promotion_officers", 2024).await;
    let updated = app
        .data_as(
            &token,
            UPDATE_OBSERVATION,
            json!({ "i": { "id": id, "version": 2, "value": 63, "note": "4月1日現在" } }),
        )
        .await["updateObservation"]
        .clone();
    let stale_delete = app
        .error_as(&token, DELETE_OBSERVATION, json!({ "id": id, "v": 2 }))
        .await;
    app.data_as(&token, DELETE_OBSERVATION, json!({ "id": id, "v": 3 }))
        .await;

    // Assert: the data
    assert_eq!(created["version"], 1);
    assert_eq!(created["fiscalYear"], 2024, "令和6年度 is FY2024");
    assert_eq!(
        replaced["id"], created["id"],
        "an upsert of the same key replaces"
    );
    assert_eq!(
        (replaced["version"].clone(), replaced["value"].clone()),
        (json!(2), json!(62.0))
    );
    assert_eq!(stale.0, "CONFLICT", "{stale:?}");
    assert!(stale.1.contains("version 2, not 1"), "{}", stale.1);
    assert_eq!(
        after_stale.expect("still there")["value"],
        62.0,
        "a stale update changes nothing"
    );
    assert_eq!(
        (updated["version"].clone(), updated["value"].clone()),
        (json!(3), json!(63.0))
    );
    assert_eq!(updated["note"], "4月1日現在");
    assert_eq!(stale_delete.0, "CONFLICT");
    assert!(
        hofu_observation(&app, "promotion_officers", 2024)
            .await
            .is_none()
    );

    // Assert: the audit trail, as the editor sees it (its own city, the import first).
    let changes = changes_as(&app, &token, None).await;
    let ops: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["operation"].as_str().unwrap_or(""),
                c["entity"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("IMPORT", "Municipality"),
            ("CREATE", "Observation"),
            ("UPDATE", "Observation"),
            ("UPDATE", "Observation"),
            ("DELETE", "Observation"),
        ]
    );
    let create = &changes[1];
    assert_eq!(create["actor"], "Hofu citizen activities section");
    assert_eq!(create["actorRole"], "EDITOR");
    assert_eq!(create["municipalityCode"], HOFU);
    assert_eq!(create["recordId"], created["id"]);
    assert_eq!(create["before"], Value::Null);
    assert_eq!(create["after"]["value"], 61.0);
    assert_eq!(changes[2]["before"]["value"], 61.0);
    assert_eq!(changes[2]["after"]["value"], 62.0);
    assert_eq!(changes[3]["after"]["note"], "4月1日現在");
    assert_eq!(changes[4]["before"]["version"], 3);
    assert_eq!(changes[4]["after"], Value::Null);
    assert!(changes.iter().all(|c| c["municipalityCode"] == HOFU));
    let since = app
        .data_as(
            &token,
            "query($s: DateTime) { changes(since: $s) { totalCount } }",
            json!({ "s": changes[1]["at"] }),
        )
        .await;
    assert_eq!(
        since["changes"]["totalCount"], 4,
        "since keeps the API's four changes"
    );
}

db_tests!(an_editor_keeps_its_numbers_current_and_every_change_is_traced);
