//! What the documents say, read back without being bent (issue 13): a count over a span of
//! fiscal years stays on the span, a schedule cell keeps every phase it names, a total that
//! includes a 約 figure says so, a deadline is not a meeting day, a city's internal meeting is
//! not a meeting between municipalities, and a count sits in the year the document counts it.
//! The expected facts are quoted from the source documents (see each city's `sources`); the
//! aggregates are checked against the records the API itself serves.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp, find};

const HOFU: &str = "352063";
const YAMAGUCHI: &str = "352039";

/// Every activity of a municipality with the fields the aggregates are made of.
async fn activities(app: &TestApp, code: &str) -> Vec<Value> {
    let data = app
        .data(
            r#"query($c: ID) { municipality(code: $c) { programs(first: 100) { edges { node {
                kind activities { title labelJa fiscalYearFrom fiscalYearTo sessions participants approximate }
            } } } } }"#,
            json!({ "c": code }),
        )
        .await;
    let mut out = Vec::new();
    for edge in data["municipality"]["programs"]["edges"]
        .as_array()
        .expect("programs")
    {
        for a in edge["node"]["activities"].as_array().expect("activities") {
            let mut a = a.clone();
            a["kind"] = edge["node"]["kind"].clone();
            out.push(a);
        }
    }
    out
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// 防府市: 「H23～27年度 受講者：課長級～主任級 計411名」 and 「H25～H27: 協力団体20団体 来場者数約
/// 2,000名」 are one figure each over a span of fiscal years.
async fn a_count_over_several_years_stays_on_its_span(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let list = activities(&app, HOFU).await;
    let training = list
        .iter()
        .find(|a| a["labelJa"] == "H23～27年度")
        .expect("the H23～27年度 staff training");
    assert_eq!(training["kind"], "STAFF_TRAINING");
    // 平成23年度 = 2011, 平成27年度 = 2015.
    assert_eq!(
        (&training["fiscalYearFrom"], &training["fiscalYearTo"]),
        (&json!(2011), &json!(2015))
    );
    assert_eq!(training["participants"], 411);
    assert_eq!(training["approximate"], false);
    let festival = list
        .iter()
        .find(|a| a["labelJa"] == "H25～H27")
        .expect("the H25～H27 festival");
    assert_eq!(festival["kind"], "FESTIVAL");
    assert_eq!(
        (&festival["fiscalYearFrom"], &festival["fiscalYearTo"]),
        (&json!(2013), &json!(2015))
    );
    assert_eq!(festival["participants"], 2000);
    assert_eq!(festival["approximate"], true, "来場者数約 2,000名");

    // By fiscal year, every (first year, last year) pair is its own row, with exactly the sums
    // of the activities the API serves for it.
    let stats = app
        .data(
            r#"query($c: [ID!]) { activityStats(municipalities: $c, groupBy: [FISCAL_YEAR, PROGRAM_KIND]) {
                fiscalYearFrom fiscalYearTo programKind sessions participants activities approximate approximateParts
            } }"#,
            json!({ "c": [HOFU] }),
        )
        .await;
    let mut expected: BTreeMap<(i64, i64, String), [i64; 4]> = BTreeMap::new();
    for a in &list {
        let key = (
            int(&a["fiscalYearFrom"]),
            int(&a["fiscalYearTo"]),
            a["kind"].as_str().unwrap_or_default().to_owned(),
        );
        let e = expected.entry(key).or_default();
        e[0] += int(&a["sessions"]);
        e[1] += int(&a["participants"]);
        e[2] += 1;
        e[3] += i64::from(a["approximate"] == true && a["participants"].is_i64());
    }
    let mut got: BTreeMap<(i64, i64, String), [i64; 4]> = BTreeMap::new();
    for row in stats["activityStats"].as_array().expect("rows") {
        assert_eq!(
            row["approximate"],
            json!(int(&row["approximateParts"]) > 0),
            "{row}"
        );
        got.insert(
            (
                int(&row["fiscalYearFrom"]),
                int(&row["fiscalYearTo"]),
                row["programKind"].as_str().unwrap_or_default().to_owned(),
            ),
            [
                int(&row["sessions"]),
                int(&row["participants"]),
                int(&row["activities"]),
                int(&row["approximateParts"]),
            ],
        );
    }
    assert_eq!(got, expected);
    let span = &got[&(2011, 2015, "STAFF_TRAINING".to_owned())];
    assert_eq!(span[1], 411);
    assert!(
        !got.contains_key(&(2011, 2011, "STAFF_TRAINING".to_owned())),
        "FY2011 is not credited with the five-year total: {got:?}"
    );

    // A span matches any range it overlaps: FY2013 alone meets both spans.
    let in_2013 = app
        .data(
            r#"query($c: [ID!]) { activityStats(municipalities: $c, from: "H25", to: "H25", groupBy: [FISCAL_YEAR]) {
                fiscalYearFrom fiscalYearTo participants
            } }"#,
            json!({ "c": [HOFU] }),
        )
        .await;
    let spans: Vec<(i64, i64)> = in_2013["activityStats"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (int(&r["fiscalYearFrom"]), int(&r["fiscalYearTo"])))
        .collect();
    assert!(spans.contains(&(2011, 2015)), "{spans:?}");
    assert!(spans.contains(&(2013, 2015)), "{spans:?}");
    assert!(spans.contains(&(2013, 2013)), "{spans:?}");
    assert!(
        spans.iter().all(|(f, t)| *f <= 2013 && *t >= 2013),
        "{spans:?}"
    );
    // From FY2016 (H28) on, neither span (both end in FY2015) is included.
    let from_2016 = app
        .data(
            r#"query($c: [ID!]) { activityStats(municipalities: $c, from: "H28", groupBy: [FISCAL_YEAR]) {
                fiscalYearFrom fiscalYearTo
            } }"#,
            json!({ "c": [HOFU] }),
        )
        .await;
    for row in from_2016["activityStats"].as_array().expect("rows") {
        assert!(int(&row["fiscalYearTo"]) >= 2016, "{row}");
    }
    // The deprecated single year is the span's first.
    let deprecated = app
        .data(
            r#"query($c: [ID!]) { activityStats(municipalities: $c, groupBy: [FISCAL_YEAR]) { fiscalYear fiscalYearFrom } }"#,
            json!({ "c": [HOFU] }),
        )
        .await;
    for row in deprecated["activityStats"].as_array().expect("rows") {
        assert_eq!(row["fiscalYear"], row["fiscalYearFrom"]);
    }
}

/// 防府市: 「参加者約130名」 (forum), 「来場者数約2,800名」 and 「来場者数約 2,000名」 (festival) are
/// approximate; a total over them says so, and a total without them does not.
async fn a_total_that_includes_an_approximate_count_says_so(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let list = activities(&app, HOFU).await;
    let approximate = list
        .iter()
        .filter(|a| a["approximate"] == true && a["participants"].is_i64())
        .count();
    assert_eq!(approximate, 3, "約130, 約2,800, 約2,000");
    let total = app
        .data(
            r#"query($c: [ID!]) { activityStats(municipalities: $c, groupBy: []) { participants approximate approximateParts } }"#,
            json!({ "c": [HOFU] }),
        )
        .await;
    let row = &total["activityStats"][0];
    assert_eq!(row["approximate"], true);
    assert_eq!(int(&row["approximateParts"]), 3);
    let sum: i64 = list.iter().map(|a| int(&a["participants"])).sum();
    assert_eq!(int(&row["participants"]), sum);
    // Courses counted exactly (「H28: 19回(202名)」 …) stay exact.
    let exact = app
        .data(
            r#"query($c: [ID!]) { activityStats(municipalities: $c, groupBy: [PROGRAM_KIND]) { programKind approximate approximateParts } }"#,
            json!({ "c": [HOFU] }),
        )
        .await;
    let courses = find(&exact["activityStats"], "programKind", "CITIZEN_COURSE");
    assert_eq!(courses["approximate"], false);
    assert_eq!(courses["approximateParts"], 0);
    let festival = find(&exact["activityStats"], "programKind", "FESTIVAL");
    assert_eq!(festival["approximateParts"], 2);
}

/// 山口市協働推進プラン, 年次計画: I-(2)-⑧ 地域づくりアドバイザーの派遣 has 「検討・一部実施」 in H21
/// and V-(3)-① has 「検討・実施」 in H21; both phases of each cell are kept and filter.
async fn a_schedule_cell_keeps_every_phase(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"query($c: ID) { municipality(code: $c) { plans { items {
                label
                schedule { fiscalYear labelJa phase phases }
                study: schedule(phase: STUDY) { fiscalYear }
                implementation: schedule(phase: IMPLEMENTATION) { fiscalYear }
                partial: schedule(phase: PARTIAL) { fiscalYear }
            } } } }"#,
            json!({ "c": YAMAGUCHI }),
        )
        .await;
    let items = data["municipality"]["plans"][0]["items"].clone();
    let advisor = find(&items, "label", "I-(2)-⑧");
    let h21 = find(&advisor["schedule"], "fiscalYear", 2009);
    assert_eq!(h21["labelJa"], "検討・一部実施");
    assert_eq!(h21["phases"], json!(["STUDY", "PARTIAL"]));
    assert_eq!(h21["phase"], "STUDY");
    find(&advisor["partial"], "fiscalYear", 2009);
    find(&advisor["study"], "fiscalYear", 2009);
    let staff = find(&items, "label", "V-(3)-①");
    let h21 = find(&staff["schedule"], "fiscalYear", 2009);
    assert_eq!(h21["labelJa"], "検討・実施");
    assert_eq!(h21["phases"], json!(["STUDY", "IMPLEMENTATION"]));
    find(&staff["implementation"], "fiscalYear", 2009);
    find(&staff["study"], "fiscalYear", 2009);

    // Every cell: a label with two parts has two phases, the deprecated phase is the first,
    // and each filter returns exactly the years whose phases name it.
    let mut combined = 0;
    for item in items.as_array().expect("items") {
        for (alias, phase) in [
            ("study", "STUDY"),
            ("implementation", "IMPLEMENTATION"),
            ("partial", "PARTIAL"),
        ] {
            let want: Vec<&Value> = item["schedule"]
                .as_array()
                .expect("schedule")
                .iter()
                .filter(|e| {
                    e["phases"]
                        .as_array()
                        .is_some_and(|p| p.contains(&json!(phase)))
                })
                .map(|e| &e["fiscalYear"])
                .collect();
            let got: Vec<&Value> = item[alias]
                .as_array()
                .expect("filtered")
                .iter()
                .map(|e| &e["fiscalYear"])
                .collect();
            assert_eq!(got, want, "{} {phase}", item["label"]);
        }
        for e in item["schedule"].as_array().expect("schedule") {
            let phases = e["phases"].as_array().expect("phases");
            assert_eq!(e["phase"], phases[0], "{e}");
            let parts = e["labelJa"]
                .as_str()
                .unwrap_or_default()
                .split('・')
                .count();
            assert_eq!(phases.len(), parts, "{} {e}", item["label"]);
            if parts > 1 {
                combined += 1;
            }
        }
    }
    // The plan's 年次計画 prints 15 combined cells: 検討・実施 ×5, 見直し・実施 ×5,
    // 検討・一部実施 ×3, 検討・周知 and 実施・完了予定.
    assert_eq!(combined, 15);
}

/// 豊中市: 「令和5年8月10日まで 開催案内送付 (書面開催)」 is a deadline for a written meeting;
/// 山口市's 協働推進会議 of its own 協働推進員 is an internal meeting, 豊能地区市町NPO担当課長
/// 連絡会議 a liaison between municipalities; 倉敷市's 「平成29年度分の事業募集には…応募」 were
/// received during FY2016 (the FY2016 report); 山口市's action plan runs for the four years its
/// text states, while its schedule table starts a year earlier.
async fn dates_kinds_and_years_say_what_the_document_says(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"{
                toyonaka: municipality(slug: "toyonaka") {
                    bodies { kind nameJa meetings { date dateKind dateNote } }
                }
                yamaguchi: municipality(slug: "yamaguchi") {
                    bodies { kind nameJa }
                    plans { actionPlanStart actionPlanEnd scheduleStart scheduleEnd items { schedule { fiscalYear } } }
                }
                toyonakaPrograms: municipality(slug: "toyonaka") {
                    programs(first: 100) { edges { node { activities { title date dateEnd labelJa } } } }
                }
                kurashiki: municipality(slug: "kurashiki") {
                    observations(metric: "proposals_received") { fiscalYear value labelJa }
                }
            }"#,
            json!({}),
        )
        .await;
    let hq = find(&data["toyonaka"]["bodies"], "nameJa", "協働推進本部会議");
    let first = find(&hq["meetings"], "date", "2023-08-10");
    assert!(
        first["dateNote"]
            .as_str()
            .is_some_and(|n| n.starts_with("令和5年8月10日まで")),
        "{first}"
    );
    assert_eq!(first["dateKind"], "DEADLINE");
    // 「令和5年7月から9月まで *動画配信 | 【係長級・技能長昇格前研修】 | 67人」: a period.
    let held_over: Vec<&Value> = data["toyonakaPrograms"]["programs"]["edges"]
        .as_array()
        .expect("programs")
        .iter()
        .flat_map(|e| e["node"]["activities"].as_array().into_iter().flatten())
        .filter(|a| a["title"] == "係長級・技能長昇格前研修")
        .collect();
    assert_eq!(held_over.len(), 1);
    assert_eq!(
        (&held_over[0]["date"], &held_over[0]["dateEnd"]),
        (&json!("2023-07"), &json!("2023-09"))
    );
    let liaison = find(
        &data["toyonaka"]["bodies"],
        "nameJa",
        "豊能地区市町NPO担当課長連絡会議",
    );
    assert_eq!(liaison["kind"], "LIAISON");
    let meeting = find(&data["yamaguchi"]["bodies"], "nameJa", "協働推進会議");
    assert_eq!(meeting["kind"], "INTERNAL_MEETING");
    // 「実行計画は…平成21年度から平成24年（2013年）度までの4年間」: the period the text states;
    // the 年次計画 table prints H20–H24, recorded as the schedule's extent, which is exactly
    // the span of the schedule cells the API serves.
    let plan = &data["yamaguchi"]["plans"][0];
    assert_eq!(
        (&plan["actionPlanStart"], &plan["actionPlanEnd"]),
        (&json!(2009), &json!(2012))
    );
    let years: Vec<i64> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|i| i["schedule"].as_array().cloned().unwrap_or_default())
        .map(|e| int(&e["fiscalYear"]))
        .collect();
    assert_eq!(
        (&plan["scheduleStart"], &plan["scheduleEnd"]),
        (
            &json!(years.iter().min().copied()),
            &json!(years.iter().max().copied())
        )
    );
    assert_eq!(plan["scheduleStart"], 2008, "H20");
    let received = find(
        &data["kurashiki"]["observations"],
        "labelJa",
        "平成29年度分",
    );
    assert_eq!(received["value"], 8.0, "7事業 + 1事業");
    assert_eq!(received["fiscalYear"], 2016);
}

/// Writes keep the new model: a span, several phases, a deadline; bad ones are refused by name.
async fn writes_hold_spans_phases_and_date_kinds(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let hofu = app.token(Some(HOFU), "EDITOR", "hofu editor").await;
    let program = app
        .data(
            r#"{ municipality(slug: "hofu") { programs(first: 1) { edges { node { id } } } } }"#,
            json!({}),
        )
        .await["municipality"]["programs"]["edges"][0]["node"]["id"]
        .clone();
    let created = app
        .data_as(
            &hofu,
            r#"mutation($p: ID!) { createActivity(input: { program: $p, title: "研修", fiscalYear: "H23", fiscalYearTo: "H27", labelJa: "H23～27年度", participants: 411 }) {
                id version fiscalYearFrom fiscalYearTo
            } }"#,
            json!({ "p": program }),
        )
        .await;
    let a = &created["createActivity"];
    assert_eq!(
        (&a["fiscalYearFrom"], &a["fiscalYearTo"]),
        (&json!(2011), &json!(2015))
    );
    // Moving the first year keeps the span's last year.
    let moved = app
        .data_as(
            &hofu,
            r#"mutation($id: ID!, $v: Int!) { updateActivity(input: { id: $id, version: $v, fiscalYear: 2012 }) { fiscalYearFrom fiscalYearTo } }"#,
            json!({ "id": a["id"], "v": a["version"] }),
        )
        .await;
    assert_eq!(
        moved["updateActivity"],
        json!({ "fiscalYearFrom": 2012, "fiscalYearTo": 2015 })
    );
    let before = app.fingerprint().await;
    let (code, message) = app
        .error_as(
            &hofu,
            r#"mutation($p: ID!) { createActivity(input: { program: $p, title: "x", fiscalYear: 2015, fiscalYearTo: 2011 }) { id } }"#,
            json!({ "p": program }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    assert!(message.contains("input.fiscalYearTo"), "{message}");
    let (code, message) = app
        .error_as(
            &hofu,
            r#"mutation($p: ID!) { createActivity(input: { program: $p, title: "x", date: "2023-09", dateEnd: "2023-07" }) { id } }"#,
            json!({ "p": program }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    assert!(message.contains("input.dateEnd"), "{message}");
    assert_eq!(app.fingerprint().await, before, "nothing half-written");
    let period = app
        .data_as(
            &hofu,
            r#"mutation($p: ID!) { createActivity(input: { program: $p, title: "動画研修", date: "2023-07", dateEnd: "2023-09" }) { date dateEnd fiscalYearFrom } }"#,
            json!({ "p": program }),
        )
        .await;
    assert_eq!(
        period["createActivity"],
        json!({ "date": "2023-07", "dateEnd": "2023-09", "fiscalYearFrom": 2023 })
    );

    let body = app
        .data(
            r#"{ municipality(slug: "hofu") { bodies { id } } }"#,
            json!({}),
        )
        .await["municipality"]["bodies"][0]["id"]
        .clone();
    let meeting = app
        .data_as(
            &hofu,
            r#"mutation($b: ID!) { createMeeting(input: { body: $b, date: "2023-08-10", dateNote: "令和5年8月10日まで", format: WRITTEN }) { dateKind } }"#,
            json!({ "b": body }),
        )
        .await;
    assert_eq!(meeting["createMeeting"]["dateKind"], "DEADLINE");

    let yamaguchi = app
        .token(Some(YAMAGUCHI), "EDITOR", "yamaguchi editor")
        .await;
    let item = app
        .data(
            r#"{ municipality(slug: "yamaguchi") { plans { items { id schedule { fiscalYear } } } } }"#,
            json!({}),
        )
        .await;
    let item = item["municipality"]["plans"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| {
            i["schedule"]
                .as_array()
                .is_some_and(|s| s.iter().all(|e| e["fiscalYear"] != 2013))
        })
        .expect("an item without an H25 cell")["id"]
        .clone();
    let entry = app
        .data_as(
            &yamaguchi,
            r#"mutation($i: ID!) { createScheduleEntry(input: { item: $i, fiscalYear: 2013, labelJa: "見直し・実施" }) { id version phase phases } }"#,
            json!({ "i": item }),
        )
        .await;
    let e = &entry["createScheduleEntry"];
    assert_eq!(e["phases"], json!(["REVIEW", "IMPLEMENTATION"]));
    assert_eq!(e["phase"], "REVIEW");
    let (code, message) = app
        .error_as(
            &yamaguchi,
            r#"mutation($id: ID!, $v: Int!) { updateScheduleEntry(input: { id: $id, version: $v, phases: [] }) { id } }"#,
            json!({ "id": e["id"], "v": e["version"] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    assert!(message.contains("input.phases"), "{message}");
    let updated = app
        .data_as(
            &yamaguchi,
            r#"mutation($id: ID!, $v: Int!) { updateScheduleEntry(input: { id: $id, version: $v, phases: [IMPLEMENTATION, COMPLETION] }) { phase phases labelJa } }"#,
            json!({ "id": e["id"], "v": e["version"] }),
        )
        .await;
    assert_eq!(
        updated["updateScheduleEntry"],
        json!({ "phase": "IMPLEMENTATION", "phases": ["IMPLEMENTATION", "COMPLETION"], "labelJa": "見直し・実施" })
    );
}

db_tests!(
    a_count_over_several_years_stays_on_its_span,
    a_total_that_includes_an_approximate_count_says_so,
    a_schedule_cell_keeps_every_phase,
    dates_kinds_and_years_say_what_the_document_says,
    writes_hold_spans_phases_and_date_kinds,
);
