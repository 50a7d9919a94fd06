//! Migrations on both databases: the schema goes up, down and up again, and a database
//! already at the newest version is left as it is.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::db_tests;
use crate::helpers::{Backend, TestApp, TestDb};

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    use migration::{Migrator, MigratorTrait};
    for backend in std::iter::once(Backend::Sqlite).chain(Backend::postgres()) {
        let test_db = TestDb::create(&backend).await;
        let db = kyodo_hub::db::connect(&test_db.url).await.expect("connect");
        Migrator::up(&db.conn, None).await.expect("up");
        Migrator::down(&db.conn, None).await.expect("down");
        Migrator::up(&db.conn, None).await.expect("up again");
        assert_eq!(
            entity::municipalities::Entity::find()
                .count(&db.conn)
                .await
                .expect("count"),
            0
        );
        db.conn.close().await.ok();
    }
}

/// `migrate` on a database that is already at the newest version, holding the five cities,
/// changes nothing: starting a newer hub against a live database must not disturb it.
async fn migrating_a_current_database_again_changes_nothing(b: Backend) {
    use migration::{Migrator, MigratorTrait};
    let app = TestApp::spawn(&b).await;
    let before = app.fingerprint().await;
    assert!(before.iter().any(|(_, n)| *n > 0), "{before:?}");
    Migrator::up(&app.db, None)
        .await
        .expect("up on a current database");
    assert!(
        Migrator::get_pending_migrations(&app.db)
            .await
            .expect("pending")
            .is_empty()
    );
    assert_eq!(app.fingerprint().await, before);
}

db_tests!(migrating_a_current_database_again_changes_nothing);

/// A database in use before spans, phase lists and date kinds (the previous migration), holding
/// cities' edits made through the API, is carried into the new model: every edit survives, a
/// single year becomes a span of one year, a combined cell the importer had read gets all its
/// phases while a phase a city set by hand stays its only one, and a date written with まで
/// becomes a deadline.
async fn a_database_with_api_edits_migrates_into_the_new_model(b: Backend) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    use serde_json::{Value, json};

    use crate::helpers::find;

    let app = TestApp::spawn(&b).await;
    let yamaguchi = app.token(Some("352039"), "EDITOR", "yamaguchi").await;
    let toyonaka = app.token(Some("272035"), "EDITOR", "toyonaka").await;
    let hofu = app.token(Some("352063"), "EDITOR", "hofu").await;
    let items = |data: &Value| data["municipality"]["plans"][0]["items"].clone();
    let schedule = r#"{ municipality(slug: "yamaguchi") { plans { items { label schedule { id version fiscalYear labelJa phase phases } } } } }"#;
    let before = items(&app.data(schedule, json!({})).await);
    // Edits: a relabelled cell (its phase read from the new label), a phase set by hand.
    let advisor = find(&before, "label", "I-(2)-⑧");
    let h22 = find(&advisor["schedule"], "fiscalYear", 2010);
    app.data_as(
        &yamaguchi,
        r#"mutation($id: ID!, $v: Int!) { updateScheduleEntry(input: { id: $id, version: $v, labelJa: "検討・実施" }) { id } }"#,
        json!({ "id": h22["id"], "v": h22["version"] }),
    )
    .await;
    let staff = find(&before, "label", "V-(3)-①");
    let h21 = find(&staff["schedule"], "fiscalYear", 2009);
    app.data_as(
        &yamaguchi,
        r#"mutation($id: ID!, $v: Int!) { updateScheduleEntry(input: { id: $id, version: $v, phases: [REVIEW] }) { id } }"#,
        json!({ "id": h21["id"], "v": h21["version"] }),
    )
    .await;
    // An activity created and one changed; a meeting's date wording changed.
    let programs = app
        .data(
            r#"{ municipality(slug: "hofu") { programs(first: 100) { edges { node { id kind activities { id version title participants } } } } } }"#,
            json!({}),
        )
        .await;
    let edges = programs["municipality"]["programs"]["edges"].clone();
    let forum = edges
        .as_array()
        .expect("programs")
        .iter()
        .find(|e| e["node"]["kind"] == "FORUM")
        .expect("the forum")["node"]
        .clone();
    let session = &forum["activities"][0];
    app.data_as(
        &hofu,
        r#"mutation($id: ID!, $v: Int!) { updateActivity(input: { id: $id, version: $v, participants: 131, note: "edited" }) { id } }"#,
        json!({ "id": session["id"], "v": session["version"] }),
    )
    .await;
    app.data_as(
        &hofu,
        r#"mutation($p: ID!) { createActivity(input: { program: $p, title: "令和2年度フォーラム", fiscalYear: "R2", participants: 90 }) { id } }"#,
        json!({ "p": forum["id"] }),
    )
    .await;
    let bodies = app
        .data(
            r#"{ municipality(slug: "toyonaka") { bodies { nameJa meetings { id version date } } } }"#,
            json!({}),
        )
        .await;
    let secretariat = find(
        &bodies["municipality"]["bodies"],
        "nameJa",
        "協働推進本部会議幹事会",
    );
    let m = find(&secretariat["meetings"], "date", "2023-07-07");
    app.data_as(
        &toyonaka,
        r#"mutation($id: ID!, $v: Int!) { updateMeeting(input: { id: $id, version: $v, dateNote: "令和5年7月7日まで 書面にて意見照会" }) { id } }"#,
        json!({ "id": m["id"], "v": m["version"] }),
    )
    .await;

    // Back to the previous schema, as a database of the previous release would be: its
    // importer had filed 「実施・完了予定」 as COMPLETION.
    Migrator::down(
        &app.db,
        Some(steps_back_to("m20261130_000001_spans_phases_date_kinds")),
    )
    .await
    .expect("down to before spans");
    assert!(
        app.db
            .execute_unprepared("SELECT phases FROM schedule_entries")
            .await
            .is_err(),
        "the previous schema has no phase list"
    );
    app.db
        .execute_unprepared(
            "UPDATE schedule_entries SET phase = 'COMPLETION' WHERE label_ja = '実施・完了予定'",
        )
        .await
        .expect("the previous importer's phase");
    Migrator::up(&app.db, None).await.expect("up");

    // A hub of this release on the migrated database reads every edit back.
    let next = TestApp::serve(app.test_db.alias()).await;
    let after = items(&next.data(schedule, json!({})).await);
    let cell = find(
        &find(&after, "label", "I-(2)-⑧")["schedule"],
        "fiscalYear",
        2010,
    );
    assert_eq!(cell["labelJa"], "検討・実施");
    assert_eq!(cell["phases"], json!(["STUDY", "IMPLEMENTATION"]));
    let hand_set = find(
        &find(&after, "label", "V-(3)-①")["schedule"],
        "fiscalYear",
        2009,
    );
    assert_eq!(hand_set["labelJa"], "検討・実施");
    assert_eq!(hand_set["phases"], json!(["REVIEW"]));
    assert_eq!(hand_set["version"], json!(int(&h21["version"]) + 1));
    let completes = after
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["schedule"].as_array().cloned().unwrap_or_default())
        .find(|e| e["labelJa"] == "実施・完了予定")
        .expect("the 実施・完了予定 cell");
    assert_eq!(completes["phases"], json!(["IMPLEMENTATION", "COMPLETION"]));
    assert_eq!(completes["phase"], "IMPLEMENTATION");

    let programs = next
        .data(
            r#"{ municipality(slug: "hofu") { programs(first: 100) { edges { node { kind activities { title participants note fiscalYearFrom fiscalYearTo } } } } } }"#,
            json!({}),
        )
        .await;
    let forum = programs["municipality"]["programs"]["edges"]
        .as_array()
        .expect("programs")
        .iter()
        .find(|e| e["node"]["kind"] == "FORUM")
        .expect("the forum")["node"]
        .clone();
    let edited = find(&forum["activities"], "note", "edited");
    assert_eq!(edited["participants"], 131);
    assert_eq!(edited["fiscalYearFrom"], edited["fiscalYearTo"]);
    let created = find(&forum["activities"], "title", "令和2年度フォーラム");
    assert_eq!(
        (
            &created["fiscalYearFrom"],
            &created["fiscalYearTo"],
            &created["participants"]
        ),
        (&json!(2020), &json!(2020), &json!(90))
    );
    let bodies = next
        .data(
            r#"{ municipality(slug: "toyonaka") { bodies { nameJa meetings { date dateKind dateNote } } } }"#,
            json!({}),
        )
        .await;
    let secretariat = find(
        &bodies["municipality"]["bodies"],
        "nameJa",
        "協働推進本部会議幹事会",
    );
    let m = find(&secretariat["meetings"], "date", "2023-07-07");
    assert_eq!(m["dateNote"], "令和5年7月7日まで 書面にて意見照会");
    assert_eq!(m["dateKind"], "DEADLINE");
}

/// How many migrations `down` undoes to reach the state before `name`: it and every later one.
fn steps_back_to(name: &str) -> u32 {
    use migration::{Migrator, MigratorTrait};
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration {name} in {names:?}"));
    u32::try_from(names.len() - at).expect("a few migrations")
}

fn int(v: &serde_json::Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

db_tests!(a_database_with_api_edits_migrates_into_the_new_model);

/// `kyodo-hub reindex` rebuilds the search index of a database whose index is missing or was
/// built by an older hub: what search found before, it finds again.
async fn reindex_rebuilds_the_search_index(b: Backend) {
    use sea_orm::ConnectionTrait;
    use serde_json::json;

    let app = TestApp::spawn(&b).await;
    let query =
        r#"{ search(text: "H23～27年度", first: 5) { totalCount edges { node { kind title } } } }"#;
    let before = app.data(query, json!({})).await;
    assert!(
        before["search"]["totalCount"].as_i64().unwrap_or(0) > 0,
        "the span's wording is indexed: {before}"
    );
    // Documents emptied as a hub would: with each city's revision and the data generation
    // raised in the same transaction, which is how serving processes learn of it.
    for sql in [
        "DELETE FROM search_documents",
        "INSERT INTO search_revisions (municipality_code, generation) \
         SELECT code, 1 FROM municipalities WHERE 1 = 1 \
         ON CONFLICT (municipality_code) DO UPDATE SET generation = search_revisions.generation + 1",
        "UPDATE data_generation SET generation = generation + 1 WHERE id = 1",
    ] {
        app.db
            .execute_unprepared(sql)
            .await
            .expect("empty the index");
    }
    assert_eq!(app.data(query, json!({})).await["search"]["totalCount"], 0);
    let (ok, stdout, stderr) = crate::helpers::cli(&app, &["reindex"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("5 municipalities"), "{stdout}");
    assert_eq!(app.data(query, json!({})).await, before);
}

db_tests!(reindex_rebuilds_the_search_index);

/// A database from before the latest values were kept ready, holding an observation the
/// previous release wrote, gets them filled on upgrade: each city's newest value of each
/// metric, as a recomputation from `observations` finds it.
async fn upgrading_fills_the_latest_values_from_existing_observations(b: Backend) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    use serde_json::json;

    let app = TestApp::spawn(&b).await;
    Migrator::down(
        &app.db,
        Some(steps_back_to("m20261130_000003_create_latest_observations")),
    )
    .await
    .expect("down to before latest values");
    assert!(
        app.db
            .execute_unprepared("SELECT 1 FROM latest_observations")
            .await
            .is_err(),
        "the previous schema has no latest values"
    );
    // A newer value written while the table did not exist.
    app.db
        .execute_unprepared(
            "INSERT INTO observations (municipality_code, metric_code, fiscal_year, value, approximate, version) \
             VALUES ('352063', 'promotion_officers', 2030, 77, false, 1)",
        )
        .await
        .expect("a newer observation");
    Migrator::up(&app.db, None).await.expect("up");

    let next = TestApp::serve(app.test_db.alias()).await;
    let (ready, recomputed) = crate::compare_page::ready_and_recomputed(&next).await;
    assert!(!recomputed.is_empty());
    assert_eq!(ready, recomputed);
    assert!(
        ready
            .iter()
            .any(|r| *r == json!(["352063", "promotion_officers", 2030, r[3], 77.0])),
        "{ready:?}"
    );
}

db_tests!(upgrading_fills_the_latest_values_from_existing_observations);
