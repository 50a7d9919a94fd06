//! Issue 4: cities keep their own records current through the API, only their own, and every
//! change is traced. Tokens are created as `kyodo-hub token create` creates them; every
//! request goes over HTTP.

mod concurrency;
mod tokens;

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp, cli};

const HOFU: &str = "352063";
const TOYONAKA: &str = "272035";
const SHIMONOSEKI: &str = "352012";

const UPSERT: &str = "mutation($i: ObservationInput!) { upsertObservation(input: $i) { id version value fiscalYear approximate note } }";
const UPDATE_OBSERVATION: &str = "mutation($i: UpdateObservationInput!) { updateObservation(input: $i) { id version value note } }";
const DELETE_OBSERVATION: &str =
    "mutation($id: ID!, $v: Int) { deleteObservation(id: $id, version: $v) { id } }";
const CHANGES: &str = "query($m: ID, $first: Int, $after: String) { changes(municipality: $m, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { at operation entity recordId actor actorRole tokenId municipalityCode before after } } } }";

async fn hofu_observation(app: &TestApp, metric: &str, year: i32) -> Option<Value> {
    let data = app
        .data(
            "query($m: String) { municipality(code: \"352063\") { observations(metric: $m) { id version value fiscalYear note } } }",
            json!({ "m": metric }),
        )
        .await;
    data["municipality"]["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| o["fiscalYear"] == year)
        .cloned()
}

async fn changes_as(app: &TestApp, token: &str, municipality: Option<&str>) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .data_as(
                token,
                CHANGES,
                json!({ "m": municipality, "first": 100, "after": after }),
            )
            .await;
        let page = &data["changes"];
        all.extend(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    all
}

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

/// Global ids of one record of each kind, taken from a municipality.
async fn records_of(app: &TestApp, code: &str) -> Value {
    let data = app
        .data(
            r#"query($c: ID) { municipality(code: $c) {
                observations { id version }
                indicators { id unit baseline { id version } targets { id version } observations { id version } }
                programs(first: 100) { edges { node { id version activities { id version } proposals { id version } } } }
                bodies { id version meetings { id version } }
                supportCenters { id version }
                plans { policies { measures { items { id schedule { id version } } } } }
            } }"#,
            json!({ "c": code }),
        )
        .await;
    let m = &data["municipality"];
    let first = |list: &Value| list.as_array().and_then(|l| l.first()).cloned();
    let programs: Vec<Value> = m["programs"]["edges"]
        .as_array()
        .expect("programs")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let value = m["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .flat_map(|i| {
            [i["baseline"].clone()]
                .into_iter()
                .chain(i["targets"].as_array().cloned().unwrap_or_default())
        })
        .find(|v| v.is_object());
    let items: Vec<Value> = m["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .flat_map(|p| p["policies"].as_array().cloned().unwrap_or_default())
        .flat_map(|p| p["measures"].as_array().cloned().unwrap_or_default())
        .flat_map(|m| m["items"].as_array().cloned().unwrap_or_default())
        .collect();
    json!({
        "observation": first(&m["observations"]),
        "indicator": first(&m["indicators"]),
        "indicatorValue": value,
        "program": programs.first(),
        "activity": programs.iter().find_map(|p| first(&p["activities"])),
        "proposal": programs.iter().find_map(|p| first(&p["proposals"])),
        "body": first(&m["bodies"]),
        "meeting": m["bodies"].as_array().expect("bodies").iter().find_map(|b| first(&b["meetings"])),
        "supportCenter": first(&m["supportCenters"]),
        "item": items.first(),
        "scheduleEntry": items.iter().find_map(|i| first(&i["schedule"])),
    })
}

/// Every mutation, aimed at a record of `city`, with valid input. The list must name every
/// field of `Mutation`, so a new mutation cannot forget its tenancy test.
fn every_mutation(r: &Value, city: &str) -> Vec<(&'static str, String, Value)> {
    let id = |k: &str| r[k]["id"].clone();
    let version = |k: &str| r[k]["version"].clone();
    let m = |q: &str| q.to_owned();
    vec![
        (
            "upsertObservation",
            m("mutation($v: ObservationInput!) { upsertObservation(input: $v) { id } }"),
            json!({ "municipality": city, "metric": "promotion_officers", "fiscalYear": 2030, "value": 1 }),
        ),
        (
            "updateObservation",
            m("mutation($v: UpdateObservationInput!) { updateObservation(input: $v) { id } }"),
            json!({ "id": id("observation"), "version": version("observation"), "value": 1 }),
        ),
        (
            "deleteObservation",
            m("mutation($v: ID!) { deleteObservation(id: $v) { id } }"),
            id("observation"),
        ),
        (
            "importObservations",
            m("mutation($v: String!) { importObservations(csv: $v) { created } }"),
            json!(format!(
                "municipality,metric,fiscal_year,value\n{HOFU},promotion_officers,2031,5\n{city},promotion_officers,2031,5\n"
            )),
        ),
        (
            "createIndicatorValue",
            m(
                "mutation($v: CreateIndicatorValueInput!) { createIndicatorValue(input: $v) { id } }",
            ),
            json!({ "indicator": id("indicator"), "kind": "OBSERVED", "fiscalYear": 2031, "value": 1 }),
        ),
        (
            "updateIndicatorValue",
            m(
                "mutation($v: UpdateIndicatorValueInput!) { updateIndicatorValue(input: $v) { id } }",
            ),
            json!({ "id": id("indicatorValue"), "version": version("indicatorValue"), "labelJa": "x" }),
        ),
        (
            "deleteIndicatorValue",
            m("mutation($v: ID!) { deleteIndicatorValue(id: $v) { id } }"),
            id("indicatorValue"),
        ),
        (
            "createProgram",
            m("mutation($v: CreateProgramInput!) { createProgram(input: $v) { id } }"),
            json!({ "municipality": city, "key": "forbidden-test", "kind": "FORUM", "title": "x" }),
        ),
        (
            "updateProgram",
            m("mutation($v: UpdateProgramInput!) { updateProgram(input: $v) { id } }"),
            json!({ "id": id("program"), "version": version("program"), "title": "x" }),
        ),
        (
            "deleteProgram",
            m("mutation($v: ID!) { deleteProgram(id: $v) { id } }"),
            id("program"),
        ),
        (
            "createActivity",
            m("mutation($v: CreateActivityInput!) { createActivity(input: $v) { id } }"),
            json!({ "program": id("program"), "title": "x", "fiscalYear": 2024 }),
        ),
        (
            "updateActivity",
            m("mutation($v: UpdateActivityInput!) { updateActivity(input: $v) { id } }"),
            json!({ "id": id("activity"), "version": version("activity"), "title": "x" }),
        ),
        (
            "deleteActivity",
            m("mutation($v: ID!) { deleteActivity(id: $v) { id } }"),
            id("activity"),
        ),
        (
            "createProposal",
            m("mutation($v: CreateProposalInput!) { createProposal(input: $v) { id } }"),
            json!({ "program": id("program"), "fiscalYear": 2024, "track": "CITIZEN", "count": 1, "stage": "APPLIED" }),
        ),
        (
            "updateProposal",
            m("mutation($v: UpdateProposalInput!) { updateProposal(input: $v) { id } }"),
            json!({ "id": id("proposal"), "version": version("proposal"), "count": 1 }),
        ),
        (
            "deleteProposal",
            m("mutation($v: ID!) { deleteProposal(id: $v) { id } }"),
            id("proposal"),
        ),
        (
            "createBody",
            m("mutation($v: CreateBodyInput!) { createBody(input: $v) { id } }"),
            json!({ "municipality": city, "key": "forbidden-test", "kind": "COMMITTEE", "nameJa": "x" }),
        ),
        (
            "updateBody",
            m("mutation($v: UpdateBodyInput!) { updateBody(input: $v) { id } }"),
            json!({ "id": id("body"), "version": version("body"), "nameJa": "x" }),
        ),
        (
            "deleteBody",
            m("mutation($v: ID!) { deleteBody(id: $v) { id } }"),
            id("body"),
        ),
        (
            "createMeeting",
            m("mutation($v: CreateMeetingInput!) { createMeeting(input: $v) { id } }"),
            json!({ "body": id("body"), "date": "2024-05-01", "format": "IN_PERSON", "agenda": ["x"] }),
        ),
        (
            "updateMeeting",
            m("mutation($v: UpdateMeetingInput!) { updateMeeting(input: $v) { id } }"),
            json!({ "id": id("meeting"), "version": version("meeting"), "agenda": ["x"] }),
        ),
        (
            "deleteMeeting",
            m("mutation($v: ID!) { deleteMeeting(id: $v) { id } }"),
            id("meeting"),
        ),
        (
            "createSupportCenter",
            m("mutation($v: CreateSupportCenterInput!) { createSupportCenter(input: $v) { id } }"),
            json!({ "municipality": city, "key": "forbidden-test", "nameJa": "x", "managementModel": "DIRECT" }),
        ),
        (
            "updateSupportCenter",
            m("mutation($v: UpdateSupportCenterInput!) { updateSupportCenter(input: $v) { id } }"),
            json!({ "id": id("supportCenter"), "version": version("supportCenter"), "nameJa": "x" }),
        ),
        (
            "deleteSupportCenter",
            m("mutation($v: ID!) { deleteSupportCenter(id: $v) { id } }"),
            id("supportCenter"),
        ),
        (
            "createScheduleEntry",
            m("mutation($v: CreateScheduleEntryInput!) { createScheduleEntry(input: $v) { id } }"),
            json!({ "item": id("item"), "fiscalYear": 2040, "labelJa": "実施" }),
        ),
        (
            "updateScheduleEntry",
            m("mutation($v: UpdateScheduleEntryInput!) { updateScheduleEntry(input: $v) { id } }"),
            json!({ "id": id("scheduleEntry"), "version": version("scheduleEntry"), "labelJa": "検討" }),
        ),
        (
            "deleteScheduleEntry",
            m("mutation($v: ID!) { deleteScheduleEntry(id: $v) { id } }"),
            id("scheduleEntry"),
        ),
    ]
}

async fn mutation_fields(app: &TestApp) -> Vec<String> {
    let data = app
        .data(
            "{ __type(name: \"Mutation\") { fields { name } } }",
            json!({}),
        )
        .await;
    let mut names: Vec<String> = data["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn every_mutation_on_another_citys_record_is_forbidden_and_changes_nothing(b: Backend) {
    // Arrange: Hofu's editor, and records of the other four cities.
    let app = TestApp::spawn(&b).await;
    let hofu = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    let mut targets = Vec::new();
    for city in ["yamaguchi", "kurashiki", "shimonoseki", "toyonaka"] {
        let code = app
            .data(
                "query($s: String) { municipality(slug: $s) { code } }",
                json!({ "s": city }),
            )
            .await["municipality"]["code"]
            .as_str()
            .expect("code")
            .to_owned();
        targets.push((code.clone(), records_of(&app, &code).await));
    }
    // Each kind of record from a city that has one.
    let mut pick = json!({});
    for key in [
        "observation",
        "indicator",
        "indicatorValue",
        "program",
        "activity",
        "proposal",
        "body",
        "meeting",
        "supportCenter",
        "item",
        "scheduleEntry",
    ] {
        let found = targets
            .iter()
            .find(|(_, r)| r[key].is_object())
            .unwrap_or_else(|| panic!("no city other than Hofu has a {key}"));
        pick[key] = found.1[key].clone();
    }
    let city = TOYONAKA;
    let cases = every_mutation(&pick, city);

    // The table covers every mutation of the schema.
    let mut covered: Vec<String> = cases.iter().map(|(n, _, _)| (*n).to_owned()).collect();
    covered.sort();
    assert_eq!(
        covered,
        mutation_fields(&app).await,
        "every mutation needs a row here"
    );

    for (name, query, variables) in cases {
        // Act
        let before = app.fingerprint().await;
        let (code, message) = app.error_as(&hofu, &query, json!({ "v": variables })).await;
        // Assert
        assert_eq!(code, "FORBIDDEN", "{name}: {message}");
        assert!(message.contains("352063"), "{name}: {message}");
        assert_eq!(app.fingerprint().await, before, "{name} wrote something");
    }

    // The same table with an admin token succeeds for the creations (the table is not vacuous).
    let admin = app.token(None, "ADMIN", "Hub operators").await;
    let (name, query, variables) = every_mutation(&pick, city).remove(0);
    app.data_as(&admin, &query, json!({ "v": variables })).await;
    assert_eq!(name, "upsertObservation");
}

async fn every_mutation_path_writes_and_audits(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    let before = changes_as(&app, &token, None).await.len();
    let run = |q: &'static str, v: Value| {
        let app = &app;
        let token = token.clone();
        async move { app.data_as(&token, q, json!({ "v": v })).await }
    };

    // Act and assert, kind by kind: create, update, then delete.
    let program = run(
        "mutation($v: CreateProgramInput!) { createProgram(input: $v) { id version title kind url } }",
        json!({ "municipality": HOFU, "key": "bousai-caravan", "kind": "FORUM", "title": "防災キャラバン協働フォーラム", "url": "https://www.city.hofu.yamaguchi.jp/" }),
    )
    .await["createProgram"]
    .clone();
    assert_eq!(
        (program["version"].clone(), program["kind"].clone()),
        (json!(1), json!("FORUM"))
    );
    let found = app
        .data(
            "{ search(text: \"防災キャラバン\") { totalCount edges { node { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["search"]["totalCount"], 1,
        "a new programme is searchable at once: {found}"
    );
    let program = run(
        "mutation($v: UpdateProgramInput!) { updateProgram(input: $v) { id version title url } }",
        json!({ "id": program["id"], "version": 1, "title": "防災キャラバン市民フォーラム", "url": null }),
    )
    .await["updateProgram"]
    .clone();
    assert_eq!(program["version"], 2);
    assert_eq!(program["url"], Value::Null, "null clears a field");

    let activity = run(
        "mutation($v: CreateActivityInput!) { createActivity(input: $v) { id version fiscalYear date participants } }",
        json!({ "program": program["id"], "title": "第1回", "date": "2025-02-15", "participants": 48, "speakers": ["防災士"] }),
    )
    .await["createActivity"]
    .clone();
    assert_eq!(activity["fiscalYear"], 2024, "February 2025 is in FY2024");
    let activity = run(
        "mutation($v: UpdateActivityInput!) { updateActivity(input: $v) { id version participants } }",
        json!({ "id": activity["id"], "version": 1, "participants": 52 }),
    )
    .await["updateActivity"]
    .clone();
    assert_eq!(
        (
            activity["version"].clone(),
            activity["participants"].clone()
        ),
        (json!(2), json!(52))
    );
    // A new date moves the fiscal year with it; a contradicting pair is refused.
    let moved = run(
        "mutation($v: UpdateActivityInput!) { updateActivity(input: $v) { version fiscalYear date } }",
        json!({ "id": activity["id"], "version": 2, "date": "2025-06-01" }),
    )
    .await["updateActivity"]
    .clone();
    assert_eq!(
        moved,
        json!({ "version": 3, "fiscalYear": 2025, "date": "2025-06-01" })
    );
    let (code, message) = app
        .error_as(
            &token,
            "mutation($v: UpdateActivityInput!) { updateActivity(input: $v) { version } }",
            json!({ "v": { "id": activity["id"], "version": 3, "fiscalYear": 2023 } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.contains("falls in fiscal year 2025, not 2023"),
        "{message}"
    );

    let proposal = run(
        "mutation($v: CreateProposalInput!) { createProposal(input: $v) { id version count } }",
        json!({ "program": program["id"], "fiscalYear": "R6", "track": "CITIZEN", "count": 3, "stage": "APPLIED" }),
    )
    .await["createProposal"]
    .clone();
    let proposal = run(
        "mutation($v: UpdateProposalInput!) { updateProposal(input: $v) { id version count stage } }",
        json!({ "id": proposal["id"], "version": 1, "count": 2, "stage": "ADOPTED" }),
    )
    .await["updateProposal"]
    .clone();
    assert_eq!(
        (proposal["count"].clone(), proposal["stage"].clone()),
        (json!(2), json!("ADOPTED"))
    );

    // A programme with activities and proposals is not deleted under them.
    let (code, message) = app
        .error_as(
            &token,
            "mutation($v: ID!) { deleteProgram(id: $v) { id } }",
            json!({ "v": program["id"] }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("1 activity and 1 proposal"), "{message}");
    run(
        "mutation($v: ID!) { deleteActivity(id: $v) { id } }",
        activity["id"].clone(),
    )
    .await;
    run(
        "mutation($v: ID!) { deleteProposal(id: $v) { id } }",
        proposal["id"].clone(),
    )
    .await;
    run(
        "mutation($v: ID!) { deleteProgram(id: $v) { id } }",
        program["id"].clone(),
    )
    .await;

    let body = run(
        "mutation($v: CreateBodyInput!) { createBody(input: $v) { id version nameJa duties } }",
        json!({ "municipality": HOFU, "key": "bousai-kaigi", "kind": "COUNCIL", "nameJa": "防災協働会議", "duties": ["計画の審議"] }),
    )
    .await["createBody"]
    .clone();
    assert_eq!(body["duties"], json!(["計画の審議"]));
    let body = run(
        "mutation($v: UpdateBodyInput!) { updateBody(input: $v) { id version nameEn } }",
        json!({ "id": body["id"], "version": 1, "nameEn": "Disaster prevention council" }),
    )
    .await["updateBody"]
        .clone();
    let meeting = run(
        "mutation($v: CreateMeetingInput!) { createMeeting(input: $v) { id version fiscalYear agenda } }",
        json!({ "body": body["id"], "number": 1, "date": "2024-06-03", "format": "IN_PERSON", "agenda": ["委員長の選出", "計画の諮問"] }),
    )
    .await["createMeeting"]
    .clone();
    assert_eq!(meeting["agenda"], json!(["委員長の選出", "計画の諮問"]));
    let meeting = run(
        "mutation($v: UpdateMeetingInput!) { updateMeeting(input: $v) { id version agenda } }",
        json!({ "id": meeting["id"], "version": 1, "agenda": ["計画の諮問"] }),
    )
    .await["updateMeeting"]
        .clone();
    assert_eq!(
        (meeting["version"].clone(), meeting["agenda"].clone()),
        (json!(2), json!(["計画の諮問"]))
    );
    run(
        "mutation($v: ID!) { deleteMeeting(id: $v) { id } }",
        meeting["id"].clone(),
    )
    .await;
    run(
        "mutation($v: ID!) { deleteBody(id: $v) { id } }",
        body["id"].clone(),
    )
    .await;

    let center = run(
        "mutation($v: CreateSupportCenterInput!) { createSupportCenter(input: $v) { id version opened } }",
        json!({ "municipality": HOFU, "key": "east-branch", "nameJa": "東部市民活動支援センター", "opened": "2025-04", "managementModel": "DESIGNATED_MANAGER" }),
    )
    .await["createSupportCenter"]
    .clone();
    let center = run(
        "mutation($v: UpdateSupportCenterInput!) { updateSupportCenter(input: $v) { id version services } }",
        json!({ "id": center["id"], "version": 1, "services": "相談・情報提供" }),
    )
    .await["updateSupportCenter"]
    .clone();
    run(
        "mutation($v: ID!) { deleteSupportCenter(id: $v) { id } }",
        center["id"].clone(),
    )
    .await;

    // Indicators and schedules are other cities' (Hofu's document has neither); an admin
    // writes them.
    let admin = app.token(None, "ADMIN", "Hub operators").await;
    let shimonoseki = records_of(&app, SHIMONOSEKI).await;
    let as_admin = |q: &'static str, v: Value| {
        let app = &app;
        let admin = admin.clone();
        async move { app.data_as(&admin, q, json!({ "v": v })).await }
    };
    let value = as_admin(
        "mutation($v: CreateIndicatorValueInput!) { createIndicatorValue(input: $v) { id version kind fiscalYear } }",
        json!({ "indicator": shimonoseki["indicator"]["id"], "kind": "OBSERVED", "fiscalYear": 2035, "value": 10 }),
    )
    .await["createIndicatorValue"]
    .clone();
    assert_eq!(
        (value["kind"].clone(), value["fiscalYear"].clone()),
        (json!("OBSERVED"), json!(2035))
    );
    let value = as_admin(
        "mutation($v: UpdateIndicatorValueInput!) { updateIndicatorValue(input: $v) { id version value } }",
        json!({ "id": value["id"], "version": 1, "value": 12 }),
    )
    .await["updateIndicatorValue"]
    .clone();
    assert_eq!(
        (value["version"].clone(), value["value"].clone()),
        (json!(2), json!(12.0))
    );
    as_admin(
        "mutation($v: ID!) { deleteIndicatorValue(id: $v) { id } }",
        value["id"].clone(),
    )
    .await;

    // Schedules are Yamaguchi's (the only plan with yearly schedules); an admin writes them.
    let yamaguchi = records_of(&app, "352039").await;
    let entry = app
        .data_as(
            &admin,
            "mutation($v: CreateScheduleEntryInput!) { createScheduleEntry(input: $v) { id version phase labelJa } }",
            json!({ "v": { "item": yamaguchi["item"]["id"], "fiscalYear": 2040, "labelJa": "検討" } }),
        )
        .await["createScheduleEntry"]
        .clone();
    assert_eq!(entry["phase"], "STUDY", "the phase is read from the label");
    let entry = app
        .data_as(
            &admin,
            "mutation($v: UpdateScheduleEntryInput!) { updateScheduleEntry(input: $v) { id version phase } }",
            json!({ "v": { "id": entry["id"], "version": 1, "labelJa": "実施" } }),
        )
        .await["updateScheduleEntry"]
        .clone();
    assert_eq!(entry["phase"], "IMPLEMENTATION");
    app.data_as(
        &admin,
        "mutation($v: ID!) { deleteScheduleEntry(id: $v) { id } }",
        json!({ "v": entry["id"] }),
    )
    .await;

    // Every change above is in the trail, attributed to its token.
    let hofu_changes = changes_as(&app, &token, None).await;
    assert_eq!(hofu_changes.len() - before, 19, "Hofu's 19 writes");
    assert!(hofu_changes[before..].iter().all(|c| c["actor"] == "Hofu"));
    let all = changes_as(&app, &admin, None).await;
    assert_eq!(
        all.iter()
            .filter(|c| c["entity"] == "IndicatorValue")
            .count(),
        3
    );
    let schedule: Vec<&Value> = all
        .iter()
        .filter(|c| c["entity"] == "ScheduleEntry")
        .collect();
    assert_eq!(schedule.len(), 3);
    assert!(
        schedule
            .iter()
            .all(|c| c["actor"] == "Hub operators" && c["actorRole"] == "ADMIN")
    );
    assert_eq!(schedule[1]["before"]["label_ja"], "検討");
    assert_eq!(schedule[1]["after"]["label_ja"], "実施");
}

async fn missing_malformed_unknown_and_revoked_tokens_are_refused(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;
    let editor = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    let viewer = app.token(Some(HOFU), "VIEWER", "Hofu council office").await;
    let upsert = json!({ "i": { "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2030, "value": 1 } });
    let before = app.fingerprint().await;

    // No token: reads work, writes and the audit trail do not.
    let errors = app.errors(UPSERT, upsert.clone()).await;
    assert_eq!(errors[0].0, "UNAUTHENTICATED", "{errors:?}");
    let errors = app.errors(CHANGES, json!({})).await;
    assert_eq!(errors[0].0, "UNAUTHENTICATED");

    // Malformed, unknown, wrong secret: 401 before anything runs.
    let (id, secret) = editor
        .strip_prefix("khub_")
        .and_then(|r| r.split_once('_'))
        .expect("token shape");
    let wrong_secret = format!("khub_{id}_{}", "A".repeat(secret.len()));
    for bad in [
        "not-a-token".to_owned(),
        format!("khub_{id}"),
        format!("khub_x_{secret}"),
        format!("khub_9999_{secret}"),
        wrong_secret,
    ] {
        let (status, body) = app.post_as(&bad, UPSERT, upsert.clone()).await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{bad}"
        );
    }
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", format!("Basic {editor}"))
        .json(&json!({ "query": "{ metrics { code } }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401, "only Bearer is accepted");

    // A viewer reads its city's trail but writes nothing, and reads no other city's trail.
    let (code, _) = app.error_as(&viewer, UPSERT, upsert.clone()).await;
    assert_eq!(code, "FORBIDDEN");
    assert!(!changes_as(&app, &viewer, None).await.is_empty());
    let (code, message) = app
        .error_as(&viewer, CHANGES, json!({ "m": TOYONAKA }))
        .await;
    assert_eq!(code, "FORBIDDEN", "{message}");
    let (code, _) = app
        .error_as(&editor, CHANGES, json!({ "m": "toyonaka" }))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(
        app.fingerprint().await,
        before,
        "no refused request wrote anything"
    );

    // The editor's token works until it is revoked, then stops at once.
    app.data_as(&editor, UPSERT, upsert.clone()).await;
    let token_id: i32 = id.parse().expect("id");
    kyodo_hub::write::auth::revoke(&app.db, token_id)
        .await
        .expect("revoke");
    let (status, body) = app.post_as(&editor, UPSERT, upsert).await;
    assert_eq!(status, 401);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("revoked"),
        "{body}"
    );

    // An admin sees every city's changes.
    let admin = app.token(None, "ADMIN", "Hub operators").await;
    let all = changes_as(&app, &admin, None).await;
    let cities: std::collections::BTreeSet<&str> = all
        .iter()
        .filter_map(|c| c["municipalityCode"].as_str())
        .collect();
    assert_eq!(cities.len(), 5, "{cities:?}");
}

async fn invalid_values_are_refused_with_the_field_named(b: Backend) {
    // Arrange: an admin, so that only validation can refuse.
    let app = TestApp::spawn(&b).await;
    let admin = app.token(None, "ADMIN", "Hub operators").await;
    let shimonoseki = records_of(&app, SHIMONOSEKI).await;
    let percent = app
        .data(
            "{ municipality(code: \"352012\") { indicators { id unit } } }",
            json!({}),
        )
        .await["municipality"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["unit"] == "PERCENT")
        .expect("a percentage indicator")["id"]
        .clone();
    let hofu = records_of(&app, HOFU).await;
    let program = hofu["program"]["id"].clone();
    let obs = |extra: Value| {
        let mut i = json!({ "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2030, "value": 5 });
        for (k, v) in extra.as_object().expect("object") {
            i[k] = v.clone();
        }
        (UPSERT, json!({ "i": i }))
    };
    let cases: Vec<(&str, (&str, Value), &str)> = vec![
        (
            "a negative count",
            obs(json!({ "value": -1 })),
            "input.value: a count of people must be a non-negative whole number",
        ),
        (
            "a fractional count",
            obs(json!({ "value": 2.5 })),
            "input.value",
        ),
        (
            "an unknown metric",
            obs(json!({ "metric": "volunteers" })),
            "input.metric: unknown metric code \"volunteers\"",
        ),
        (
            "a fiscal year beyond the range",
            obs(json!({ "fiscalYear": 2300 })),
            "2300",
        ),
        (
            "a fiscal year that is no year",
            obs(json!({ "fiscalYear": "来年度" })),
            "来年度",
        ),
        (
            "an unknown source",
            obs(json!({ "source": "no-such-doc" })),
            "input.source: municipality 352063 has no source with key \"no-such-doc\"",
        ),
        (
            "a note too long",
            obs(json!({ "note": "あ".repeat(4001) })),
            "input.note: at most 4000 characters, got 4001",
        ),
        (
            "a percentage over 100",
            (
                "mutation($i: CreateIndicatorValueInput!) { createIndicatorValue(input: $i) { id } }",
                json!({ "i": { "indicator": percent, "kind": "OBSERVED", "fiscalYear": 2031, "value": 120 } }),
            ),
            "input.value: a percentage must be within 0–100, got 120",
        ),
        (
            "a date that does not exist",
            (
                "mutation($i: CreateActivityInput!) { createActivity(input: $i) { id } }",
                json!({ "i": { "program": program, "title": "x", "date": "2023-02-30" } }),
            ),
            "input.date: expected a date",
        ),
        (
            "a date in another fiscal year",
            (
                "mutation($i: CreateActivityInput!) { createActivity(input: $i) { id } }",
                json!({ "i": { "program": program, "title": "x", "date": "2024-03-01", "fiscalYear": 2024 } }),
            ),
            "input.fiscalYear: the date 2024-03-01 falls in fiscal year 2023",
        ),
        (
            "a negative participant count",
            (
                "mutation($i: CreateActivityInput!) { createActivity(input: $i) { id } }",
                json!({ "i": { "program": program, "title": "x", "fiscalYear": 2024, "participants": -4 } }),
            ),
            "input.participants: a count cannot be negative",
        ),
        (
            "an empty title",
            (
                "mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }",
                json!({ "i": { "municipality": HOFU, "key": "k", "kind": "FORUM", "title": "   " } }),
            ),
            "input.title: must not be empty",
        ),
        (
            "a key with spaces",
            (
                "mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }",
                json!({ "i": { "municipality": HOFU, "key": "Bad Key", "kind": "FORUM", "title": "x" } }),
            ),
            "input.key",
        ),
        (
            "a web address that is none",
            (
                "mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }",
                json!({ "i": { "municipality": HOFU, "key": "k", "kind": "FORUM", "title": "x", "url": "javascript:alert(1)" } }),
            ),
            "input.url",
        ),
        (
            "a key that exists",
            (
                "mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }",
                json!({ "i": { "municipality": SHIMONOSEKI, "key": "dup", "kind": "FORUM", "title": "x" } }),
            ),
            "",
        ),
        (
            "an id of the wrong type",
            (
                "mutation($i: UpdateProgramInput!) { updateProgram(input: $i) { id } }",
                json!({ "i": { "id": shimonoseki["body"]["id"], "version": 1 } }),
            ),
            "input.id",
        ),
    ];
    // The duplicate-key case needs its first copy.
    app.data_as(
        &admin,
        "mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }",
        json!({ "i": { "municipality": SHIMONOSEKI, "key": "dup", "kind": "FORUM", "title": "x" } }),
    )
    .await;

    for (what, (query, variables), expected) in cases {
        // Act
        let before = app.fingerprint().await;
        let (code, message) = app.error_as(&admin, query, variables).await;
        // Assert
        let want = if what == "a key that exists" {
            "CONFLICT"
        } else {
            "BAD_USER_INPUT"
        };
        assert_eq!(code, want, "{what}: {message}");
        assert!(
            message.contains(expected),
            "{what}: {message:?} lacks {expected:?}"
        );
        assert_eq!(app.fingerprint().await, before, "{what} wrote something");
    }
}

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

async fn mutations_over_get_are_refused_with_405(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let url = format!(
        "{}/graphql?query={}",
        app.address, "mutation%20%7B%20deleteObservation(id%3A%20%22x%22)%20%7B%20id%20%7D%20%7D"
    );
    let response = app.client.get(url).send().await.expect("request");
    assert_eq!(response.status(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    // A query over GET still answers.
    let url = format!(
        "{}/graphql?query=%7B%20metrics%20%7B%20code%20%7D%20%7D",
        app.address
    );
    let body: Value = app
        .client
        .get(url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(
        body["data"]["metrics"]
            .as_array()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

db_tests!(
    an_editor_keeps_its_numbers_current_and_every_change_is_traced,
    every_mutation_on_another_citys_record_is_forbidden_and_changes_nothing,
    every_mutation_path_writes_and_audits,
    missing_malformed_unknown_and_revoked_tokens_are_refused,
    invalid_values_are_refused_with_the_field_named,
    a_bad_row_in_a_thousand_row_csv_leaves_the_database_unchanged,
    fifty_concurrent_writers_are_all_accounted_for,
    mutations_over_get_are_refused_with_405,
);

async fn tokens_are_created_listed_and_revoked_on_the_command_line(b: Backend) {
    // Arrange
    let app = TestApp::spawn(&b).await;

    // Act: create as the issue spells it.
    let (ok, secret, stderr) = cli(
        &app,
        &[
            "token",
            "create",
            "--municipality",
            HOFU,
            "--role",
            "editor",
            "--label",
            "Hofu citizen activities section",
        ],
    );

    // Assert: the secret works, and only its hash is stored.
    assert!(ok, "{stderr}");
    assert!(secret.starts_with("khub_"), "{secret}");
    assert!(stderr.contains("shown only this once"), "{stderr}");
    app.data_as(
        &secret,
        UPSERT,
        json!({ "i": { "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2030, "value": 1 } }),
    )
    .await;
    let stored = kyodo_hub::write::auth::list(&app.db).await.expect("list");
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].secret_hash.starts_with("$argon2id$"),
        "{}",
        stored[0].secret_hash
    );
    // The secret is what follows `khub_<id>_`; it may hold `_` itself.
    assert!(
        !stored[0]
            .secret_hash
            .contains(secret.splitn(3, '_').nth(2).unwrap_or("-"))
    );

    let id = stored[0].id.to_string();
    let (ok, listed, _) = cli(&app, &["token", "list"]);
    assert!(
        ok && listed.contains("editor\t352063\tactive\tHofu citizen activities section"),
        "{listed}"
    );
    let (ok, out, stderr) = cli(&app, &["token", "revoke", &id]);
    assert!(ok && out.contains("revoked token"), "{out} {stderr}");
    let (status, _) = app
        .post_as(&secret, "{ metrics { code } }", json!({}))
        .await;
    assert_eq!(status, 401, "a revoked token stops at once");

    // Bad requests are named.
    for (args, expected) in [
        (
            vec!["token", "create", "--role", "editor", "--label", "x"],
            "--municipality: an editor token needs",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                "999999",
                "--role",
                "viewer",
                "--label",
                "x",
            ],
            "no municipality with code \"999999\"",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                HOFU,
                "--role",
                "admin",
                "--label",
                "x",
            ],
            "leave it out",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                HOFU,
                "--role",
                "owner",
                "--label",
                "x",
            ],
            "--role: expected editor, viewer or admin",
        ),
        (
            vec![
                "token",
                "create",
                "--municipality",
                HOFU,
                "--role",
                "editor",
                "--label",
                " ",
            ],
            "--label",
        ),
        (vec!["token", "revoke", "4242"], "no token with id 4242"),
    ] {
        let (ok, _, stderr) = cli(&app, &args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

db_tests!(tokens_are_created_listed_and_revoked_on_the_command_line);
