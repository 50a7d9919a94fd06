//! Every mutation of every record kind: refused on another city's record without writing
//! anything, written and audited on the editor's own, refused with the field named when a
//! value is invalid, and never accepted over GET.

use serde_json::{Value, json};

use super::{HOFU, TOYONAKA, UPSERT, changes_as};
use crate::db_tests;
use crate::helpers::{Backend, TestApp};

const SHIMONOSEKI: &str = "352012";

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
    assert_eq!(schedule[1]["before"]["labelJa"], "検討");
    assert_eq!(schedule[1]["after"]["labelJa"], "実施");
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
    every_mutation_on_another_citys_record_is_forbidden_and_changes_nothing,
    every_mutation_path_writes_and_audits,
    invalid_values_are_refused_with_the_field_named,
    mutations_over_get_are_refused_with_405,
);
