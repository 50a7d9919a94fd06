//! Questions across cities: compare (ranks, ties, missing data, normalisation, regions),
//! indicator progress, activity statistics, search, and the CSV and SVG exports.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

fn data_file(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/data/municipalities/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("read data file")
}

/// Imports a copy of Hofu's file as another city, edited by `edit`.
async fn import_copy_of_hofu(
    app: &TestApp,
    code: &str,
    slug: &str,
    edit: impl Fn(String) -> String,
) {
    let text = data_file("hofu.yaml")
        .replacen("code: \"352063\"", &format!("code: \"{code}\""), 1)
        .replacen("slug: hofu", &format!("slug: {slug}"), 1);
    let text = edit(text);
    let name = format!("{slug}.yaml");
    let ds = kyodo_hub::dataset::Dataset::from_texts([(name.as_str(), text.as_str())])
        .expect("valid copy");
    kyodo_hub::dataset::import::import(&app.db, &ds)
        .await
        .expect("import copy");
}

const COMPARE: &str = r#"query($metric: String!, $m: [ID!], $region: String, $from: FiscalYear, $to: FiscalYear, $per: Normalization) {
    compare(metric: $metric, municipalities: $m, region: $region, from: $from, to: $to, per: $per) {
        per metric { code nameJa } fiscalYears
        rows { municipality { code slug } rank population populationYear error
               values { fiscalYear value rawValue source { title } }
               latest { fiscalYear value rawValue source { title } } } } }"#;

fn slugs_and_ranks(data: &Value) -> Vec<(String, Value)> {
    data["compare"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["municipality"]["slug"].as_str().unwrap_or("").to_owned(),
                r["rank"].clone(),
            )
        })
        .collect()
}

fn row<'a>(data: &'a Value, slug: &str) -> &'a Value {
    data["compare"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["municipality"]["slug"] == slug)
        .unwrap_or_else(|| panic!("no row for {slug}"))
}

async fn compare_ranks_with_ties_and_lists_cities_without_data(b: Backend) {
    // Arrange: a sixth city whose latest count equals Hofu's (54 in FY2017).
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, "352021", "ube", |t| t).await;

    // Act
    let data = app
        .data(COMPARE, json!({ "metric": "promotion_officers" }))
        .await;

    // Assert: Kurashiki 140 (FY2016), Toyonaka 112 (FY2023), then Hofu and Ube at 54 share the
    // third place (listed by code); cities without data last, unranked.
    let expected: Vec<(String, Value)> = [
        ("kurashiki", json!(1)),
        ("toyonaka", json!(2)),
        ("ube", json!(3)),
        ("hofu", json!(3)),
        ("shimonoseki", Value::Null),
        ("yamaguchi", Value::Null),
    ]
    .into_iter()
    .map(|(s, r)| (s.to_owned(), r))
    .collect();
    assert_eq!(slugs_and_ranks(&data), expected);
    let kurashiki = row(&data, "kurashiki");
    assert_eq!(kurashiki["latest"]["rawValue"], 140.0);
    assert_eq!(kurashiki["latest"]["source"]["title"], "(1)職員の取組み");
    let hofu = row(&data, "hofu");
    assert_eq!(hofu["values"].as_array().map(Vec::len), Some(2));
    assert_eq!(hofu["latest"]["fiscalYear"], 2017);
    assert_eq!(row(&data, "yamaguchi")["values"], json!([]));
    assert_eq!(data["compare"]["fiscalYears"], json!([2016, 2017, 2023]));

    // A range that ends in FY2016 makes Hofu's latest value 52 (H28).
    let data = app
        .data(
            COMPARE,
            json!({ "metric": "promotion_officers", "to": "H28" }),
        )
        .await;
    assert_eq!(row(&data, "hofu")["latest"]["rawValue"], 52.0);
    assert_eq!(row(&data, "toyonaka")["rank"], Value::Null);
}

async fn compare_per_100k_divides_by_the_census_population(b: Backend) {
    // Arrange: a city with data but no population figure.
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, "352021", "ube", |t| {
        t.replacen("  population: 113979\n", "", 1)
            .replacen("  population_year: 2020\n", "", 1)
    })
    .await;

    let data = app
        .data(
            COMPARE,
            json!({ "metric": "promotion_officers", "per": "PER_100K_POPULATION" }),
        )
        .await;

    // 54 officers / 113,979 inhabitants × 100,000 = 47.377…; 140 / 474,592 × 100,000 = 29.499…
    assert_eq!(data["compare"]["per"], "PER_100K_POPULATION");
    let hofu = row(&data, "hofu");
    let value = hofu["latest"]["value"].as_f64().expect("value");
    assert!(
        (value - 54.0 / 113_979.0 * 100_000.0).abs() < 1e-9,
        "{value}"
    );
    assert_eq!(hofu["latest"]["rawValue"], 54.0);
    assert_eq!(
        (hofu["population"].clone(), hofu["populationYear"].clone()),
        (json!(113_979), json!(2020))
    );
    let kurashiki = row(&data, "kurashiki")["latest"]["value"]
        .as_f64()
        .expect("value");
    assert!((kurashiki - 140.0 / 474_592.0 * 100_000.0).abs() < 1e-9);
    // Per capita, Hofu leads.
    assert_eq!(hofu["rank"], 1);
    // The city without a population: an error in its row, no values, no rank — not a 0.
    let ube = row(&data, "ube");
    assert_eq!(ube["rank"], Value::Null);
    assert_eq!(ube["values"], json!([]));
    assert!(
        ube["error"]
            .as_str()
            .is_some_and(|e| e.contains("no population")),
        "{ube}"
    );
}

async fn compare_is_scoped_to_a_region_or_a_list(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            COMPARE,
            json!({ "metric": "promotion_officers", "region": "yamaguchi-prefecture" }),
        )
        .await;
    let mut slugs: Vec<String> = slugs_and_ranks(&data).into_iter().map(|(s, _)| s).collect();
    slugs.sort();
    assert_eq!(slugs, ["hofu", "shimonoseki", "yamaguchi"]);
    assert_eq!(row(&data, "hofu")["rank"], 1);

    let data = app
        .data(
            COMPARE,
            json!({ "metric": "promotion_officers", "region": "nats" }),
        )
        .await;
    assert_eq!(slugs_and_ranks(&data), [("toyonaka".to_owned(), json!(1))]);

    let data = app
        .data(
            COMPARE,
            json!({ "metric": "collaboration_projects", "m": ["332020", "352063"] }),
        )
        .await;
    assert_eq!(
        slugs_and_ranks(&data),
        [
            ("kurashiki".to_owned(), json!(1)),
            ("hofu".to_owned(), Value::Null)
        ]
    );
    assert_eq!(
        row(&data, "kurashiki")["values"].as_array().map(Vec::len),
        Some(3)
    );

    // Errors name what is wrong.
    let errors = app
        .errors(
            COMPARE,
            json!({ "metric": "promotion_officers", "region": "kanto" }),
        )
        .await;
    assert_eq!(errors[0].0, "NOT_FOUND");
    let errors = app
        .errors(COMPARE, json!({ "metric": "no_such_metric" }))
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    assert!(errors[0].1.contains("no_such_metric"));
    let errors = app
        .errors(
            COMPARE,
            json!({ "metric": "promotion_officers", "m": ["131041"] }),
        )
        .await;
    assert_eq!(errors[0].0, "NOT_FOUND");
    assert!(errors[0].1.contains("131041"));
    let errors = app
        .errors(
            COMPARE,
            json!({ "metric": "promotion_officers", "from": "R5", "to": "H28" }),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
}

async fn indicator_progress_orders_indicators_by_progress(b: Backend) {
    // Arrange: a city whose plan indicators have observed values.
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, "352021", "ube", |t| {
        format!(
            "{t}plans:\n  - id: plan\n    title: 宇部市協働推進計画\n    indicators:\n\
             {}{}{}",
            "      - { id: half, name: 半分の指標, unit: PERCENT, baseline: { fiscal_year: 2015, value: 10 }, targets: [{ fiscal_year: 2020, value: 30 }, { fiscal_year: 2025, value: 20 }], observations: [{ fiscal_year: 2018, value: 12 }, { fiscal_year: 2019, value: 15 }] }\n",
            "      - { id: most, name: ほぼ達成の指標, unit: PEOPLE, baseline: { fiscal_year: 2015, value: 100 }, targets: [{ fiscal_year: 2025, value: 200 }], observations: [{ fiscal_year: 2019, value: 180 }] }\n",
            "      - { id: down, name: 減らす指標, unit: COUNT, baseline: { fiscal_year: 2015, value: 50 }, targets: [{ fiscal_year: 2025, value: 10 }], observations: [{ fiscal_year: 2019, value: 60 }] }\n",
        )
    })
    .await;

    let q = r#"query($order: ProgressOrder) { indicatorProgress(municipalities: ["352021", "352039"], order: $order) {
        name progress municipality { slug } baseline { value } latest { fiscalYear value } targets { value } } }"#;
    let data = app.data(q, json!({})).await;
    let list = data["indicatorProgress"].as_array().expect("list");
    // (180−100)/(200−100) = 0.8; (15−10)/(20−10) = 0.5 (the last target counts); (60−50)/(10−50) = −0.25.
    let top: Vec<(String, f64)> = list
        .iter()
        .take(3)
        .map(|i| {
            (
                i["name"].as_str().unwrap_or("").to_owned(),
                i["progress"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    assert_eq!(
        top,
        [
            ("ほぼ達成の指標".into(), 0.8),
            ("半分の指標".into(), 0.5),
            ("減らす指標".into(), -0.25)
        ]
    );
    assert_eq!(
        list[1]["latest"],
        json!({ "fiscalYear": 2019, "value": 15.0 })
    );
    // Yamaguchi's five indicators have no observations yet: listed after, progress null.
    assert_eq!(list.len(), 8);
    assert!(
        list[3..]
            .iter()
            .all(|i| i["progress"].is_null() && i["municipality"]["slug"] == "yamaguchi")
    );

    let data = app.data(q, json!({ "order": "PROGRESS_ASC" })).await;
    assert_eq!(data["indicatorProgress"][0]["name"], "減らす指標");
}

/// `indicatorProgress` reads every value in its one statement (a JSON array per indicator,
/// src/read/stats.rs); a city's `indicators` read them through the loader, row by row. Both
/// must answer the same for every indicator of every city, including a value that is
/// approximate, has a note with quotes and backslashes, and a year label in Japanese.
async fn indicator_progress_reads_the_values_the_loader_reads(b: Backend) {
    let app = TestApp::spawn(&b).await;
    import_copy_of_hofu(&app, "352021", "ube", |t| {
        format!(
            "{t}plans:\n  - id: plan\n    title: 宇部市協働推進計画\n    indicators:\n{}",
            "      - { id: odd, name: 約のある指標, unit: PERCENT, baseline: { fiscal_year: 2015, value: 0.1, label_ja: H27年度, approximate: true, note: '「約」と \"引用\" と \\ 記号' }, targets: [{ fiscal_year: 2025, value: 0.001 }], observations: [{ fiscal_year: 2019, value: 2.5, approximate: true }] }\n",
        )
    })
    .await;
    let fields = "id name note progress municipality { code } \
        baseline { id kind version fiscalYear value labelJa approximate note } \
        latest { id fiscalYear value } \
        targets { id kind version fiscalYear value labelJa approximate note } \
        observations { id kind version fiscalYear value labelJa approximate note }";
    let progress = app
        .data(
            &format!("{{ indicatorProgress(order: MUNICIPALITY) {{ {fields} }} }}"),
            json!({}),
        )
        .await;
    let cities = app
        .data(
            &format!("{{ municipalities {{ code indicators {{ {fields} }} }} }}"),
            json!({}),
        )
        .await;
    let by_id = |list: &Value| -> std::collections::BTreeMap<String, Value> {
        list.as_array()
            .expect("indicators")
            .iter()
            .map(|i| (i["id"].as_str().unwrap_or("").to_owned(), i.clone()))
            .collect()
    };
    let from_progress = by_id(&progress["indicatorProgress"]);
    let mut from_cities = std::collections::BTreeMap::new();
    for city in cities["municipalities"].as_array().expect("cities") {
        from_cities.extend(by_id(&city["indicators"]));
    }
    assert!(
        from_progress.len() > 15,
        "{} indicators",
        from_progress.len()
    );
    assert_eq!(from_progress, from_cities);
    let odd = from_progress
        .values()
        .find(|i| i["name"] == "約のある指標")
        .expect("the imported indicator");
    assert_eq!(odd["baseline"]["approximate"], true);
    assert_eq!(odd["baseline"]["note"], "「約」と \"引用\" と \\ 記号");
    assert_eq!(odd["baseline"]["labelJa"], "H27年度");
    assert_eq!(odd["targets"][0]["value"], 0.001);
    assert_eq!(odd["latest"]["value"], 2.5);
    assert!(
        from_progress.values().any(|i| i["baseline"]["labelJa"]
            .as_str()
            .is_some_and(|l| l.starts_with('H'))),
        "the five cities' year labels"
    );
    assert!(
        from_progress.values().any(|i| i["note"].as_str().is_some()),
        "the five cities' indicator notes"
    );
}

/// `indicatorProgress` reads only the text its selection asks for (src/graphql/query/
/// crosscity.rs): a note or year label asked through an alias, a named or inline fragment, or
/// only under `latest` must still come back whole, and one left out must not change the rest.
async fn indicator_progress_reads_the_text_its_selection_asks_for(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let everything = "id name note progress \
        baseline { id fiscalYear value labelJa note } latest { id labelJa note } \
        targets { id fiscalYear value labelJa note } observations { id labelJa note }";
    let whole = app
        .data(
            &format!("{{ indicatorProgress(order: MUNICIPALITY) {{ {everything} }} }}"),
            json!({}),
        )
        .await;
    let whole = whole["indicatorProgress"].as_array().expect("list").clone();
    assert!(
        whole.iter().filter(|i| i["note"].is_string()).count() >= 10,
        "the five cities' indicators have notes"
    );
    assert!(
        whole.iter().any(|i| i["baseline"]["labelJa"].is_string()),
        "the five cities' baselines have year labels"
    );
    let same_as_whole = |answer: &Value, paths: &[(&str, &str)]| {
        let list = answer["indicatorProgress"].as_array().expect("list");
        assert_eq!(list.len(), whole.len());
        for (got, want) in list.iter().zip(&whole) {
            assert_eq!(got["id"], want["id"]);
            for (key, path) in paths {
                let got = got.pointer(&format!("/{key}")).unwrap_or(&Value::Null);
                let want = want.pointer(path).unwrap_or(&Value::Null);
                assert_eq!(got, want, "{key}");
            }
        }
    };
    // An alias, and the value text asked for under `latest` only.
    let answer = app
        .data(
            "{ indicatorProgress(order: MUNICIPALITY) { id remark: note latest { label: labelJa } } }",
            json!({}),
        )
        .await;
    same_as_whole(
        &answer,
        &[("remark", "/note"), ("latest/label", "/latest/labelJa")],
    );
    // A named fragment for the indicator's note, an inline one for the baseline's label.
    let answer = app
        .data(
            "query { indicatorProgress(order: MUNICIPALITY) { id ...Noted baseline { ... on IndicatorValue { labelJa note } } } } \
             fragment Noted on Indicator { note }",
            json!({}),
        )
        .await;
    same_as_whole(
        &answer,
        &[
            ("note", "/note"),
            ("baseline/labelJa", "/baseline/labelJa"),
            ("baseline/note", "/baseline/note"),
        ],
    );
    // No text asked: the numbers and the progress are the same as with all of it.
    let answer = app
        .data(
            "{ indicatorProgress(order: MUNICIPALITY) { id progress baseline { id fiscalYear value } targets { id fiscalYear value } } }",
            json!({}),
        )
        .await;
    let list = answer["indicatorProgress"].as_array().expect("list");
    assert_eq!(list.len(), whole.len());
    for (got, want) in list.iter().zip(&whole) {
        assert_eq!(got["id"], want["id"]);
        assert_eq!(got["progress"], want["progress"]);
        assert_eq!(
            got["targets"].as_array().map(Vec::len),
            want["targets"].as_array().map(Vec::len)
        );
        for key in ["id", "fiscalYear", "value"] {
            assert_eq!(got["baseline"][key], want["baseline"][key]);
            for (g, w) in got["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .zip(want["targets"].as_array().into_iter().flatten())
            {
                assert_eq!(g[key], w[key]);
            }
        }
    }
}

async fn activity_stats_are_summed_by_the_database(b: Backend) {
    let app = TestApp::spawn(&b).await;
    // The same totals computed from the activities the API lists.
    let listed = app
        .data(
            r#"{ municipalities { code programs(first: 100) { edges { node { kind activities { fiscalYear sessions participants } } } } } }"#,
            json!({}),
        )
        .await;
    let mut expected: std::collections::BTreeMap<(String, String), (i64, i64, i64)> =
        Default::default();
    for m in listed["municipalities"].as_array().expect("list") {
        for e in m["programs"]["edges"].as_array().expect("edges") {
            for a in e["node"]["activities"].as_array().expect("activities") {
                let entry = expected
                    .entry((
                        m["code"].as_str().unwrap_or("").to_owned(),
                        e["node"]["kind"].as_str().unwrap_or("").to_owned(),
                    ))
                    .or_default();
                entry.0 += a["sessions"].as_i64().unwrap_or(0);
                entry.1 += a["participants"].as_i64().unwrap_or(0);
                entry.2 += 1;
            }
        }
    }
    let before = app.statements.get();
    let data = app
        .data(
            "{ activityStats(groupBy: [MUNICIPALITY, PROGRAM_KIND]) { municipality { code } programKind sessions participants activities } }",
            json!({}),
        )
        .await;
    let statements = app.statements.get() - before;
    let got: std::collections::BTreeMap<(String, String), (i64, i64, i64)> = data["activityStats"]
        .as_array()
        .expect("stats")
        .iter()
        .map(|s| {
            (
                (
                    s["municipality"]["code"].as_str().unwrap_or("").to_owned(),
                    s["programKind"].as_str().unwrap_or("").to_owned(),
                ),
                (
                    s["sessions"].as_i64().unwrap_or(-1),
                    s["participants"].as_i64().unwrap_or(-1),
                    s["activities"].as_i64().unwrap_or(-1),
                ),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Hofu's 出前講座: 4 + 3 + 2 + 2 sessions, 43 + 28 + 13 + 23 participants.
    assert_eq!(
        expected
            .get(&("352063".into(), "OUTREACH_LECTURE".into()))
            .map(|e| (e.0, e.1)),
        Some((11, 107))
    );
    // Scope, one GROUP BY, one batch of municipalities: not one query per group.
    assert!(statements <= 3, "{statements} statements");

    // By fiscal year within a region and range.
    let data = app
        .data(
            r#"{ activityStats(region: "yamaguchi-prefecture", from: "H27", to: "H28", groupBy: [FISCAL_YEAR]) { fiscalYearFrom fiscalYearTo municipality { code } sessions participants } }"#,
            json!({}),
        )
        .await;
    let years: Vec<(i64, i64)> = data["activityStats"]
        .as_array()
        .expect("stats")
        .iter()
        .map(|s| {
            (
                s["fiscalYearFrom"].as_i64().unwrap_or(0),
                s["fiscalYearTo"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    // Single years 2015 and 2016, and Hofu's spans that overlap them (H23～27年度, H25～H27).
    assert_eq!(
        years,
        [(2011, 2015), (2013, 2015), (2015, 2015), (2016, 2016)]
    );
    assert!(data["activityStats"][0]["municipality"].is_null());
    let total = app
        .data(
            "{ activityStats(groupBy: []) { sessions participants activities } }",
            json!({}),
        )
        .await;
    let sum: i64 = expected.values().map(|e| e.1).sum();
    assert_eq!(total["activityStats"][0]["participants"], sum);
}

const SEARCH: &str = r#"query($text: String!, $first: Int, $after: String, $m: [ID!]) {
    search(text: $text, first: $first, after: $after, municipalities: $m) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { kind title snippet score municipality { slug } node { __typename } } } } }"#;

async fn all_hits(app: &TestApp, text: &str) -> Vec<Value> {
    let mut hits = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(SEARCH, json!({ "text": text, "first": 7, "after": after }))
            .await;
        let conn = &data["search"];
        hits.extend(
            conn["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"].clone()),
        );
        if conn["pageInfo"]["hasNextPage"] != true {
            assert_eq!(conn["totalCount"].as_u64(), Some(hits.len() as u64));
            return hits;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

fn cities(hits: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = hits
        .iter()
        .filter_map(|h| h["municipality"]["slug"].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn search_finds_japanese_terms_in_every_city(b: Backend) {
    let app = TestApp::spawn(&b).await;
    // 防災: Hofu's outreach lecture, Kurashiki's 子どもの防災 session, the Yamaguchi plan.
    let hits = all_hits(&app, "防災").await;
    assert!(hits.iter().any(|h| {
        h["municipality"]["slug"] == "hofu"
            && h["kind"] == "Activity"
            && h["title"]
                .as_str()
                .is_some_and(|t| t.contains("防災・災害から子どもや女性を守る"))
    }));
    assert!(hits.iter().any(|h| {
        h["municipality"]["slug"] == "kurashiki"
            && h["snippet"]
                .as_str()
                .is_some_and(|s| s.contains("子どもの<mark>防災</mark>"))
    }));
    assert!(
        hits.iter()
            .any(|h| h["municipality"]["slug"] == "yamaguchi")
    );
    assert!(hits.iter().all(|h| {
        h["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("<mark>防災</mark>"))
    }));
    assert!(
        hits.iter().all(|h| !h["node"].is_null()),
        "every result resolves to its record"
    );
    let scores: Vec<f64> = hits.iter().filter_map(|h| h["score"].as_f64()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );

    // 協働推進員: every city whose documents have them (Shimonoseki's chapter does not).
    let hits = all_hits(&app, "協働推進員").await;
    assert_eq!(
        cities(&hits),
        ["hofu", "kurashiki", "toyonaka", "yamaguchi"]
    );

    // 研修 (training): staff training in Hofu, Kurashiki and Toyonaka, and the Yamaguchi plan.
    let hits = all_hits(&app, "研修").await;
    assert_eq!(
        cities(&hits),
        ["hofu", "kurashiki", "toyonaka", "yamaguchi"]
    );

    // One character: 防 is in 防災 and in 防府市.
    let hits = all_hits(&app, "防").await;
    assert!(
        hits.iter()
            .any(|h| h["title"].as_str().is_some_and(|t| t.contains("防府市")))
    );
    assert!(hits.len() > all_hits(&app, "防災").await.len());

    // Scoped to one city; nothing found is an empty connection, not an error.
    let data = app
        .data(SEARCH, json!({ "text": "防災", "m": ["332020"] }))
        .await;
    assert!(
        data["search"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .all(|e| e["node"]["municipality"]["slug"] == "kurashiki")
    );
    let data = app.data(SEARCH, json!({ "text": "存在しない語句" })).await;
    assert_eq!(data["search"]["totalCount"], 0);

    // A page past the last match is empty but still counts every match.
    let first = app
        .data(SEARCH, json!({ "text": "研修", "first": 100 }))
        .await;
    let total = first["search"]["totalCount"].as_u64().expect("totalCount");
    assert!(total > 3, "研修 matches {total}");
    let past = app
        .data(
            SEARCH,
            json!({ "text": "研修", "first": 5, "after": first["search"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(past["search"]["edges"], json!([]));
    assert_eq!(past["search"]["totalCount"].as_u64(), Some(total));

    // Latin letters match in either case, and are highlighted as written.
    let upper = all_hits(&app, "NPO").await;
    let lower = all_hits(&app, "npo").await;
    assert!(!upper.is_empty());
    assert_eq!(upper.len(), lower.len());
    assert_eq!(
        upper.iter().map(|h| &h["score"]).collect::<Vec<_>>(),
        lower.iter().map(|h| &h["score"]).collect::<Vec<_>>()
    );
    assert!(lower.iter().any(|h| {
        h["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("<mark>NPO</mark>"))
    }));
    let errors = app.errors(SEARCH, json!({ "text": "  " })).await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
}

async fn the_search_index_follows_a_reimport(b: Backend) {
    let app = TestApp::spawn(&b).await;
    assert_eq!(all_hits(&app, "減災").await.len(), 0);
    // Hofu renames its FY2013 outreach lecture 防災について to 減災について.
    import_copy_of_hofu(&app, "352063", "hofu", |t| {
        t.replace("防災について", "減災について")
    })
    .await;
    let hits = all_hits(&app, "減災").await;
    assert!(
        hits.iter().any(|h| h["title"] == "減災について"),
        "{hits:?}"
    );
    assert!(
        !all_hits(&app, "防災について")
            .await
            .iter()
            .any(|h| h["municipality"]["slug"] == "hofu")
    );
}

fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "UTF-8 byte-order mark"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

async fn the_csv_export_is_the_graphql_answer(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            COMPARE,
            json!({ "metric": "promotion_officers", "per": "PER_100K_POPULATION" }),
        )
        .await;
    let response = app
        .client
        .get(format!(
            "{}/export/compare.csv?metric=promotion_officers&per=PER_100K_POPULATION",
            app.address
        ))
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    let table = parse_csv(&response.bytes().await.expect("body"));
    let header = &table[0];
    assert_eq!(header[0], "自治体コード / Code");
    let years = data["compare"]["fiscalYears"].as_array().expect("years");
    // One column per fiscal year, named in both calendars.
    for y in years {
        assert!(
            header.iter().any(|h| h.starts_with(&format!("{y}年度"))),
            "{header:?}"
        );
    }
    assert!(header.iter().any(|h| h.contains("出典 / Source")));
    let rows = data["compare"]["rows"].as_array().expect("rows");
    assert_eq!(table.len(), rows.len() + 1);
    for (line, row) in table[1..].iter().zip(rows) {
        assert_eq!(line[0], row["municipality"]["code"].as_str().unwrap_or(""));
        assert_eq!(
            line[4],
            row["rank"]
                .as_i64()
                .map(|r| r.to_string())
                .unwrap_or_default()
        );
        for v in row["values"].as_array().expect("values") {
            let column = header
                .iter()
                .position(|h| h.starts_with(&format!("{}年度", v["fiscalYear"])))
                .expect("year column");
            let cell: f64 = line[column].parse().expect("number");
            assert!(
                (cell - v["value"].as_f64().unwrap_or(f64::NAN)).abs() < 0.005,
                "{cell} vs {v}"
            );
        }
        if let Some(title) = row["latest"]["source"]["title"].as_str() {
            assert!(
                line.iter().any(|c| c.contains(title)),
                "source column cites {title}"
            );
        }
    }
    // Yamaguchi's indicators with their values; baseline 37.5 of ① in the FY2006 column.
    let response = app
        .client
        .get(format!(
            "{}/export/indicators.csv?municipalities=352039&order=MUNICIPALITY",
            app.address
        ))
        .send()
        .await
        .expect("csv");
    let table = parse_csv(&response.bytes().await.expect("body"));
    assert_eq!(table.len(), 6);
    // The baseline has columns of its own; the fiscal-year columns hold observed values only.
    let column = |name: &str| {
        table[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} column"))
    };
    assert_eq!(table[1][2], "地域活動に参加している市民の割合");
    assert_eq!(table[1][column("基準年度 / Baseline year")], "2006");
    assert_eq!(table[1][column("基準値 / Baseline")], "37.50");
    assert!(
        !table[0].iter().any(|h| h.starts_with("2006年度")),
        "{:?}",
        table[0]
    );
}

async fn exports_refuse_bad_parameters_with_json_naming_them(b: Backend) {
    let app = TestApp::spawn(&b).await;
    for (query, status, parameter) in [
        (
            "/export/compare.csv?metric=promotion_officers&from=平成abc年度",
            400,
            "from",
        ),
        ("/export/compare.csv?metric=nope", 400, "metric"),
        ("/export/compare.csv", 400, "metric"),
        (
            "/export/compare.csv?metric=promotion_officers&per=PER_CAPITA",
            400,
            "per",
        ),
        (
            "/export/compare.csv?metric=promotion_officers&region=kanto",
            404,
            "region",
        ),
        (
            "/export/compare.csv?metric=promotion_officers&municipalities=352064",
            400,
            "municipalities",
        ),
        (
            "/charts/compare.svg?metric=promotion_officers&to=H28&from=R5",
            400,
            "from",
        ),
        ("/export/indicators.csv?order=RANDOM", 400, "order"),
    ] {
        let response = app
            .client
            .get(format!("{}{query}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{query}");
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

async fn the_chart_is_svg_with_japanese_labels(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let response = app
        .client
        .get(format!(
            "{}/charts/compare.svg?metric=promotion_officers&region=yamaguchi-prefecture",
            app.address
        ))
        .send()
        .await
        .expect("svg");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("image/svg+xml"))
    );
    let text = response.text().await.expect("body");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let labels: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect();
    assert!(
        labels.iter().any(|l| l.contains("協働推進員数")),
        "{labels:?}"
    );
    // The bar's city and, under it, the fiscal year of its value.
    assert!(labels.iter().any(|l| l == "防府市"), "{labels:?}");
    assert!(labels.iter().any(|l| l == "2017年度"), "{labels:?}");
    // One bar per city with data: Hofu only in Yamaguchi Prefecture; the others are named
    // as without data.
    assert!(!labels.iter().any(|l| l == "山口市"), "{labels:?}");
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("データなし / no data:") && l.contains("山口市")),
        "{labels:?}"
    );
}

/// `indicatorProgress` reads every indicator's source with the list instead of through the
/// source DataLoader; each indicator must still cite what the municipality's own list (which
/// goes through the loader) says it cites.
async fn indicator_progress_cites_the_same_sources_as_the_city(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let progress = app
        .data(
            "{ indicatorProgress { id source { id title publisher } } }",
            json!({}),
        )
        .await;
    let cities = app
        .data(
            "{ municipalities { indicators { id source { id title publisher } } } }",
            json!({}),
        )
        .await;
    let by_city: std::collections::BTreeMap<String, serde_json::Value> = cities["municipalities"]
        .as_array()
        .expect("municipalities")
        .iter()
        .flat_map(|m| m["indicators"].as_array().cloned().unwrap_or_default())
        .map(|i| {
            (
                i["id"].as_str().unwrap_or("").to_owned(),
                i["source"].clone(),
            )
        })
        .collect();
    let list = progress["indicatorProgress"].as_array().expect("list");
    assert_eq!(list.len(), by_city.len(), "every indicator once");
    let cited = list.iter().filter(|i| !i["source"].is_null()).count();
    assert!(cited > 0, "the five cities' indicators cite their plans");
    for i in list {
        let id = i["id"].as_str().unwrap_or("");
        assert_eq!(Some(&i["source"]), by_city.get(id), "indicator {id}");
    }
}

/// The metric catalogue is held in memory between comparisons. A metric another process
/// imports is found at once (a code the copy lacks reads the catalogue again), and a changed
/// name is seen once the generation watch sees the import.
async fn the_metric_catalogue_follows_another_process_import(b: Backend) {
    // Arrange: a hub that looks for other writers every 100 ms, response cache off.
    let mut limits = crate::helpers::uncached();
    limits.cache.response_cache_poll_ms = 100;
    let app = TestApp::spawn_with(&b, limits).await;
    let named =
        r#"query($m: String!) { compare(metric: $m) { metric { code nameJa } rows { rank } } }"#;
    let before = app.data(named, json!({ "m": "promotion_officers" })).await;
    assert_eq!(before["compare"]["metric"]["nameJa"], "協働推進員数");
    let unknown = app.post(named, json!({ "m": "volunteer_hours" })).await;
    assert!(
        unknown["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"volunteer_hours\" is not a code")),
        "{unknown}"
    );

    // Act: another connection, as `kyodo-hub import` would, renames one metric and adds one.
    let catalogue =
        std::fs::read_to_string(format!("{}/data/metrics.yaml", env!("CARGO_MANIFEST_DIR")))
            .expect("read metrics.yaml");
    let changed = catalogue.replacen("name_ja: 協働推進員数", "name_ja: 協働推進員の数", 1)
        + "  - code: volunteer_hours\n    name_ja: ボランティア活動時間\n    name_en: Volunteer hours\n    unit: COUNT\n";
    crate::helpers::import_elsewhere(&app, "metrics.yaml", &changed).await;

    // Assert: the new code at once, the new name within the watch's polls.
    let added = app.data(named, json!({ "m": "volunteer_hours" })).await;
    assert_eq!(added["compare"]["metric"]["nameJa"], "ボランティア活動時間");
    let mut name = Value::Null;
    for _ in 0..40 {
        let now = app.data(named, json!({ "m": "promotion_officers" })).await;
        name = now["compare"]["metric"]["nameJa"].clone();
        if name == "協働推進員の数" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(name, "協働推進員の数");
}

db_tests!(
    indicator_progress_cites_the_same_sources_as_the_city,
    compare_ranks_with_ties_and_lists_cities_without_data,
    compare_per_100k_divides_by_the_census_population,
    compare_is_scoped_to_a_region_or_a_list,
    indicator_progress_orders_indicators_by_progress,
    indicator_progress_reads_the_values_the_loader_reads,
    indicator_progress_reads_the_text_its_selection_asks_for,
    activity_stats_are_summed_by_the_database,
    search_finds_japanese_terms_in_every_city,
    the_search_index_follows_a_reimport,
    the_csv_export_is_the_graphql_answer,
    exports_refuse_bad_parameters_with_json_naming_them,
    the_chart_is_svg_with_japanese_labels,
    the_metric_catalogue_follows_another_process_import,
);
