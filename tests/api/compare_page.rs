//! `Comparison.rowsConnection`: the rows of `compare` a page at a time, ranked over every city
//! in scope, and the latest values kept ready for it, which every kind of write keeps equal to
//! what the observations say.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp, cli};

const HOFU: &str = "352063";

/// One row's fields, the same in `rows` and in a page's nodes.
const ROW: &str = "municipality { code slug } rank population populationYear error
    values { fiscalYear value rawValue approximate labelJa note source { title } }
    latest { fiscalYear value rawValue source { title } }";

fn rows_query() -> String {
    format!(
        "query($metric: String!, $region: String, $from: FiscalYear, $to: FiscalYear, $per: Normalization) {{
            compare(metric: $metric, region: $region, from: $from, to: $to, per: $per) {{ rows {{ {ROW} }} }} }}"
    )
}

/// `rows` beside `rowsConnection`: the hub then reads the cities and their values apart (the
/// way it reads a comparison of many cities) instead of in one statement.
fn rows_beside_a_page_query() -> String {
    format!(
        "query($metric: String!, $region: String, $from: FiscalYear, $to: FiscalYear, $per: Normalization) {{
            compare(metric: $metric, region: $region, from: $from, to: $to, per: $per) {{
                rows {{ {ROW} }} rowsConnection(first: 1) {{ totalCount }} }} }}"
    )
}

fn page_query() -> String {
    format!(
        "query($metric: String!, $region: String, $from: FiscalYear, $to: FiscalYear, $per: Normalization, $first: Int, $after: String) {{
            compare(metric: $metric, region: $region, from: $from, to: $to, per: $per) {{
                rowsConnection(first: $first, after: $after) {{
                    totalCount pageInfo {{ hasNextPage hasPreviousPage endCursor }}
                    edges {{ cursor node {{ {ROW} }} }} }} }} }}"
    )
}

/// Imports copies of Hofu's file under other codes, with its promotion officers scaled so
/// that the copies rank apart, tie, and one has no population: more cities than a page.
async fn more_cities(app: &TestApp) {
    let hofu = std::fs::read_to_string(format!(
        "{}/data/municipalities/hofu.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("hofu.yaml");
    let copies = [
        ("352021", "ube", "value: 54", "value: 90"),
        ("352047", "hagi", "value: 54", "value: 54"),
        ("352055", "hofu-copy", "value: 54", "value: 31"),
        ("352071", "kudamatsu", "value: 54", "value: 140"),
    ];
    let mut texts = Vec::new();
    for (code, slug, from, to) in copies {
        let text = hofu
            .replacen(
                &format!("code: \"{HOFU}\""),
                &format!("code: \"{code}\""),
                1,
            )
            .replacen("slug: hofu", &format!("slug: {slug}"), 1)
            .replacen(from, to, 1);
        texts.push((format!("{slug}.yaml"), text));
    }
    // One city without a census population, which per 100k cannot rank.
    let last = texts.len() - 1;
    texts[last].1 = texts[last]
        .1
        .replacen("  population: 113979\n", "", 1)
        .replacen("  population_year: 2020\n", "", 1);
    let ds = kyodo_hub::dataset::Dataset::from_texts(
        texts.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .expect("valid copies");
    kyodo_hub::dataset::import::import(&app.db, &ds)
        .await
        .expect("import copies");
}

/// Every page of `first` rows, following `endCursor`, and the total each page reports.
async fn all_pages(app: &TestApp, mut vars: Value, first: i64) -> (Vec<Value>, Vec<Value>) {
    let mut nodes = Vec::new();
    let mut totals = Vec::new();
    let mut after = Value::Null;
    for _ in 0..100 {
        vars["first"] = json!(first);
        vars["after"] = after.clone();
        let data = app.data(&page_query(), vars.clone()).await;
        let page = &data["compare"]["rowsConnection"];
        totals.push(page["totalCount"].clone());
        let edges = page["edges"].as_array().expect("edges");
        assert!(edges.len() as i64 <= first, "{page:#}");
        nodes.extend(edges.iter().map(|e| e["node"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            return (nodes, totals);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    panic!("more than 100 pages");
}

/// The pages of `vars`' comparison, concatenated, are its `rows`.
async fn assert_pages_are_rows(app: &TestApp, vars: Value, first: i64) -> Vec<Value> {
    let rows = app.data(&rows_query(), vars.clone()).await["compare"]["rows"]
        .as_array()
        .expect("rows")
        .clone();
    let apart = app.data(&rows_beside_a_page_query(), vars.clone()).await;
    assert_eq!(
        apart["compare"]["rows"],
        json!(rows),
        "read apart, for {vars}"
    );
    let (nodes, totals) = all_pages(app, vars.clone(), first).await;
    assert_eq!(nodes, rows, "pages of {first} for {vars}");
    assert!(
        totals.iter().all(|t| *t == json!(rows.len())),
        "totalCount {totals:?} for {} rows ({vars})",
        rows.len()
    );
    rows
}

async fn pages_concatenated_are_the_rows_for_every_scope(b: Backend) {
    // Arrange: nine cities, ties and a city without population among them.
    let app = TestApp::spawn(&b).await;
    more_cities(&app).await;

    // Act and assert: every scope and normalisation, in pages of 2 and 4 rows, and a range.
    let mut ranked = 0;
    for metric in ["promotion_officers", "collaboration_projects"] {
        for per in ["NONE", "PER_100K_POPULATION"] {
            for region in [Value::Null, json!("yamaguchi-prefecture")] {
                let vars = json!({ "metric": metric, "per": per, "region": region });
                for first in [2, 4] {
                    let rows = assert_pages_are_rows(&app, vars.clone(), first).await;
                    ranked += rows.iter().filter(|r| !r["rank"].is_null()).count();
                }
            }
            let ranged = json!({ "metric": metric, "per": per, "from": "H28", "to": "H28" });
            assert_pages_are_rows(&app, ranged, 3).await;
        }
    }
    assert!(ranked > 20, "the comparisons rank cities ({ranked})");

    // The national ranking: ties share a rank across a page boundary.
    let (nodes, _) = all_pages(&app, json!({ "metric": "promotion_officers" }), 2).await;
    let ranks: Vec<(String, Value)> = nodes
        .iter()
        .take(6)
        .map(|n| {
            (
                n["municipality"]["slug"].as_str().unwrap_or("").to_owned(),
                n["rank"].clone(),
            )
        })
        .collect();
    assert_eq!(
        ranks,
        [
            ("kurashiki", json!(1)),
            ("kudamatsu", json!(1)),
            ("toyonaka", json!(3)),
            ("ube", json!(4)),
            ("hagi", json!(5)),
            ("hofu", json!(5)),
        ]
        .map(|(s, r)| (s.to_owned(), r))
    );
}

async fn a_page_past_the_end_is_empty_and_bad_sizes_are_refused(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let vars = json!({ "metric": "promotion_officers", "first": 5 });
    let data = app.data(&page_query(), vars.clone()).await;
    let page = &data["compare"]["rowsConnection"];
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);

    // After the last row, and far past it.
    let last = page["pageInfo"]["endCursor"].clone();
    let far = kyodo_hub::graphql::ids::encode("cursor", 4_000_000u32).0;
    for after in [last, json!(far)] {
        let mut v = vars.clone();
        v["after"] = after;
        let data = app.data(&page_query(), v).await;
        let page = &data["compare"]["rowsConnection"];
        assert_eq!(page["edges"], json!([]), "{page:#}");
        assert_eq!(page["totalCount"], 5);
        assert_eq!(page["pageInfo"]["hasNextPage"], false);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    }

    for (first, after) in [
        (json!(0), Value::Null),
        (json!(101), Value::Null),
        (json!(-1), Value::Null),
        (json!(5), json!("not a cursor")),
    ] {
        let mut v = vars.clone();
        v["first"] = first.clone();
        v["after"] = after.clone();
        let errors = app.errors(&page_query(), v).await;
        assert_eq!(
            errors.first().map(|e| e.0.as_str()),
            Some("BAD_USER_INPUT"),
            "first {first}, after {after}: {errors:?}"
        );
        let named = if after.is_null() { "first" } else { "after" };
        assert!(errors[0].1.contains(named), "{errors:?}");
    }
}

/// The latest values kept ready and the same recomputed here from `observations`, in another
/// formulation (the newest year by `MAX`, joined back): (city, metric, year, id, value).
pub async fn ready_and_recomputed(app: &TestApp) -> (Vec<Value>, Vec<Value>) {
    let backend = app.db.get_database_backend();
    let read = |sql: &str| {
        let statement = Statement::from_string(backend, sql.to_owned());
        async move {
            app.db
                .query_all_raw(statement)
                .await
                .expect("query")
                .into_iter()
                .map(|r| {
                    json!([
                        r.try_get::<String>("", "municipality_code").expect("code"),
                        r.try_get::<String>("", "metric_code").expect("metric"),
                        r.try_get::<i32>("", "fiscal_year").expect("year"),
                        r.try_get::<i32>("", "observation_id").expect("id"),
                        r.try_get::<f64>("", "value").expect("value"),
                    ])
                })
                .collect::<Vec<_>>()
        }
    };
    let ready = read(
        "SELECT municipality_code, metric_code, fiscal_year, observation_id, value
         FROM latest_observations ORDER BY municipality_code, metric_code",
    )
    .await;
    let recomputed = read(
        "SELECT o.municipality_code, o.metric_code, o.fiscal_year, o.id AS observation_id, o.value
         FROM observations o
         JOIN (SELECT municipality_code, metric_code, MAX(fiscal_year) AS y
               FROM observations GROUP BY municipality_code, metric_code) m
           ON m.municipality_code = o.municipality_code AND m.metric_code = o.metric_code
          AND m.y = o.fiscal_year
         ORDER BY o.municipality_code, o.metric_code",
    )
    .await;
    (ready, recomputed)
}

async fn assert_ready_is_recomputed(app: &TestApp, after: &str) {
    let (ready, recomputed) = ready_and_recomputed(app).await;
    assert!(!recomputed.is_empty());
    assert_eq!(ready, recomputed, "after {after}");
}

/// Hofu's line in the national comparison of promotion officers, read from the pages (which
/// must equal `rows`): (rank, latest fiscal year, latest value).
async fn hofu_line(app: &TestApp) -> (Value, Value, Value) {
    let vars = json!({ "metric": "promotion_officers" });
    let rows = assert_pages_are_rows(app, vars, 10).await;
    let hofu = rows
        .iter()
        .find(|r| r["municipality"]["code"] == HOFU)
        .expect("hofu's row");
    (
        hofu["rank"].clone(),
        hofu["latest"]["fiscalYear"].clone(),
        hofu["latest"]["rawValue"].clone(),
    )
}

const UPSERT: &str =
    "mutation($i: ObservationInput!) { upsertObservation(input: $i) { id version } }";
const UPDATE: &str =
    "mutation($i: UpdateObservationInput!) { updateObservation(input: $i) { id version } }";
const DELETE: &str =
    "mutation($id: ID!, $v: Int) { deleteObservation(id: $id, version: $v) { id } }";
const IMPORT: &str =
    "mutation($csv: String!) { importObservations(csv: $csv) { created updated unchanged } }";

async fn every_kind_of_write_keeps_the_latest_values_true(b: Backend) {
    // Arrange: the five cities as imported. Hofu: 54 promotion officers in FY2017, third of
    // three ranked cities (Kurashiki 140, Toyonaka 112).
    let app = TestApp::spawn(&b).await;
    let token = app.token(Some(HOFU), "EDITOR", "Hofu").await;
    assert_ready_is_recomputed(&app, "the import at start").await;
    assert_eq!(hofu_line(&app).await, (json!(3), json!(2017), json!(54.0)));

    // A newer year.
    let created = app
        .data_as(
            &token,
            UPSERT,
            json!({ "i": { "municipality": HOFU, "metric": "promotion_officers", "fiscalYear": 2024, "value": 500 } }),
        )
        .await["upsertObservation"]
        .clone();
    assert_ready_is_recomputed(&app, "an upsert of a newer year").await;
    assert_eq!(hofu_line(&app).await, (json!(1), json!(2024), json!(500.0)));

    // An update of the latest value.
    let updated = app
        .data_as(
            &token,
            UPDATE,
            json!({ "i": { "id": created["id"], "version": created["version"], "value": 113 } }),
        )
        .await["updateObservation"]
        .clone();
    assert_ready_is_recomputed(&app, "an update").await;
    assert_eq!(hofu_line(&app).await, (json!(2), json!(2024), json!(113.0)));

    // An update of an older year leaves the latest value as it is.
    let older = app
        .data(
            "{ municipality(code: \"352063\") { observations(metric: \"promotion_officers\") { id version fiscalYear } } }",
            json!({}),
        )
        .await;
    let fy2016 = crate::helpers::find(&older["municipality"]["observations"], "fiscalYear", 2016);
    app.data_as(
        &token,
        UPDATE,
        json!({ "i": { "id": fy2016["id"], "version": fy2016["version"], "value": 999 } }),
    )
    .await;
    assert_ready_is_recomputed(&app, "an update of an older year").await;
    assert_eq!(hofu_line(&app).await, (json!(2), json!(2024), json!(113.0)));

    // Deleting the latest value falls back to the year before.
    app.data_as(
        &token,
        DELETE,
        json!({ "id": updated["id"], "v": updated["version"] }),
    )
    .await;
    assert_ready_is_recomputed(&app, "a delete of the latest value").await;
    assert_eq!(hofu_line(&app).await, (json!(3), json!(2017), json!(54.0)));

    // importObservations: a newer year and a value for a metric Hofu had none of.
    let csv = format!(
        "municipality,metric,fiscal_year,value\n{HOFU},promotion_officers,2025,130\n{HOFU},promotion_officers,2017,55\n"
    );
    app.data_as(&token, IMPORT, json!({ "csv": csv })).await;
    assert_ready_is_recomputed(&app, "importObservations").await;
    assert_eq!(hofu_line(&app).await, (json!(2), json!(2025), json!(130.0)));

    // A dry run or a refused import leaves them as they were.
    let bad = format!(
        "municipality,metric,fiscal_year,value\n{HOFU},promotion_officers,2026,1\n{HOFU},promotion_officers,2027,x\n"
    );
    let (kind, _) = app.error_as(&token, IMPORT, json!({ "csv": bad })).await;
    assert_eq!(kind, "BAD_USER_INPUT");
    assert_ready_is_recomputed(&app, "a refused import").await;
    assert_eq!(hofu_line(&app).await, (json!(2), json!(2025), json!(130.0)));

    // `kyodo-hub import` of the city's file replaces its observations with the file's.
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/municipalities/hofu.yaml");
    let (ok, _, stderr) = cli(&app, &["import", &path.display().to_string()]);
    assert!(ok, "{stderr}");
    assert_ready_is_recomputed(&app, "kyodo-hub import").await;
    assert_eq!(hofu_line(&app).await, (json!(3), json!(2017), json!(54.0)));

    // `kyodo-hub reindex` rewrites them whole, e.g. after a hand edit of the database.
    app.db
        .execute_unprepared("DELETE FROM latest_observations WHERE municipality_code <> '332020'")
        .await
        .expect("lose most latest values");
    let (ready, recomputed) = ready_and_recomputed(&app).await;
    assert_ne!(ready, recomputed, "the hand edit lost values");
    let (ok, _, stderr) = cli(&app, &["reindex"]);
    assert!(ok, "{stderr}");
    assert_ready_is_recomputed(&app, "kyodo-hub reindex").await;
}

db_tests!(
    pages_concatenated_are_the_rows_for_every_scope,
    a_page_past_the_end_is_empty_and_bad_sizes_are_refused,
    every_kind_of_write_keeps_the_latest_values_true,
);
