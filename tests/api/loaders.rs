//! N+1 is a bug: the number of SQL statements a query costs depends on its shape, not on how
//! many municipalities or rows it returns.

use serde_json::json;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

/// The places in [`DEEP`] that read the database: the root list and each nested relation
/// (`baseline`, `targets` and `progress` share one loader in the same pass). Each costs at most
/// one statement, however many parents ask; two places that use the same loader may share one,
/// which is why the count can be lower but never higher.
const DEEP_RELATIONS: u64 = 43;

/// Everything nested that the API offers, for every municipality.
const DEEP: &str = r#"{ municipalities {
    code prefecture { code } populationSource { title } regions { slug members { municipality { slug } } }
    ordinances { articles { number } source { title } }
    plans { sections { heading } policies { roles { actorJa } indicators { name }
        measures { items { label repostOf { label } reposts { label } schedule { fiscalYear } measure { label } } } }
      indicators { baseline { value } targets { value } progress metric { code } } }
    indicators { name policy { label } }
    observations { metric { code } source { title } value }
    programs(first: 100) { totalCount edges { node { activities { participants } proposals { count } source { title } } } }
    bodies { parent { nameJa } children { nameJa } yearly { meetingsHeld } meetings { agenda body { nameJa } } }
    meetings { date }
    supportCenters { registeredGroups { value } source { title } }
} }"#;

/// Two more cities: copies of the largest files under other codes, so every list a query
/// touches gets longer.
async fn import_two_copies(app: &TestApp) {
    let copies = [
        ("yamaguchi.yaml", "352039", "yamaguchi", "352021", "ube"),
        ("toyonaka.yaml", "272035", "toyonaka", "272043", "ikeda"),
    ];
    let mut texts = Vec::new();
    for (file, code, slug, new_code, new_slug) in copies {
        let text = std::fs::read_to_string(format!(
            "{}/data/municipalities/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("read");
        let text = text
            .replacen(
                &format!("code: \"{code}\""),
                &format!("code: \"{new_code}\""),
                1,
            )
            .replacen(&format!("slug: {slug}"), &format!("slug: {new_slug}"), 1);
        texts.push((format!("{new_slug}.yaml"), text));
    }
    let ds = kyodo_hub::dataset::Dataset::from_texts(
        texts.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .expect("valid copies");
    kyodo_hub::dataset::import::import(&app.db, &ds)
        .await
        .expect("import");
}

async fn statements_do_not_grow_with_municipalities(b: Backend) {
    // Arrange: the five cities, then the same hub with two more cities (copies of the largest
    // files under other codes), so every list the query touches gets longer.
    let app = TestApp::spawn(&b).await;
    let before = app.statements.get();
    let five = app.data(DEEP, json!({})).await;
    let cost_five = app.statements.get() - before;

    import_two_copies(&app).await;

    // Act
    let before = app.statements.get();
    let seven = app.data(DEEP, json!({})).await;
    let cost_seven = app.statements.get() - before;

    // Assert: more rows, and still at most one statement per relation. Loading Yamaguchi's 52
    // items one by one would alone cost more than this bound.
    assert_eq!(five["municipalities"].as_array().map(Vec::len), Some(5));
    assert_eq!(seven["municipalities"].as_array().map(Vec::len), Some(7));
    eprintln!("statements: {cost_five} for 5 cities, {cost_seven} for 7 (bound {DEEP_RELATIONS})");
    assert!(
        cost_five <= DEEP_RELATIONS,
        "{cost_five} statements for 5 cities"
    );
    assert!(
        cost_seven <= DEEP_RELATIONS,
        "{cost_seven} statements for 7 cities"
    );

    // A single city costs no more than all of them.
    let before = app.statements.get();
    app.data(
        &DEEP.replace("municipalities {", "municipalities(prefecture: \"27\") {"),
        json!({}),
    )
    .await;
    assert!(app.statements.get() - before <= cost_five);
}

db_tests!(statements_do_not_grow_with_municipalities);

/// The load benchmark's operations (`examples/load/`), with the statements each may cost: at
/// most its nesting depth + 1, as the benchmark's target asks, and what it costs today, so
/// that a resolver reading again what its parent read shows up here.
const BENCHMARKED: [(&str, u64); 4] = [
    // the municipality, then its plans joined with their sources, policies, measures, items and
    // schedules, read ahead a depth at a time (src/read/plan_tree.rs); reposts come from the
    // items read.
    ("plan-tree", 6),
    // the cities joined with their values and the values' sources; the metric comes from the
    // catalogue the hub holds in memory (src/read/catalogue.rs).
    ("compare", 1),
    // indicators of the region's cities joined with the cities and their sources, each with
    // its values as one JSON array (src/read/stats.rs).
    ("indicator-progress", 1),
    // the page's rows (read by id from the in-memory index's ranking), municipalities, and the
    // records behind the hits: one statement per kind of record on the page (four kinds among
    // the five cities' first ten hits for 防災; nine at most, whatever the number of cities).
    ("search", 6),
];

async fn benchmarked_operations_cost_a_fixed_number_of_statements(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/queries");
    let mut costs = Vec::new();
    for (name, bound) in BENCHMARKED {
        let query = std::fs::read_to_string(dir.join(format!("{name}.graphql"))).expect("example");
        let before = app.statements.get();
        app.data(&query, json!({})).await;
        costs.push((name, app.statements.get() - before, bound));
    }
    eprintln!("statements per operation: {costs:?}");
    for (name, cost, bound) in costs {
        assert!(cost <= bound, "{name}: {cost} statements, at most {bound}");
    }
}

db_tests!(benchmarked_operations_cost_a_fixed_number_of_statements);

/// The public change feed: the count, the page, and one statement for the municipalities of
/// all its entries (five imports, one per city, among them), however many entries it shows.
async fn the_change_feed_costs_a_fixed_number_of_statements(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let query = "{ recentChanges(first: 100) { totalCount nodes { at entity record label municipality { slug nameJa } } } }";
    let before = app.statements.get();
    let feed = app.data(query, json!({})).await;
    let cost = app.statements.get() - before;
    let entries = feed["recentChanges"]["nodes"]
        .as_array()
        .map_or(0, Vec::len);
    eprintln!("statements: {cost} for a feed of {entries} entries");
    assert!(entries >= 5, "one entry per imported city: {feed}");
    assert!(cost <= 3, "{cost} statements for {entries} entries");
}

db_tests!(the_change_feed_costs_a_fixed_number_of_statements);

/// A page of a national comparison (`examples/queries/compare-page.graphql`) costs the same
/// statements with more cities in the hub: the metric, the cities in scope, their latest
/// values, and the values and sources of the page's cities only.
async fn a_compare_page_costs_the_same_statements_with_more_cities(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let query = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/queries/compare-page.graphql"),
    )
    .expect("example");
    let before = app.statements.get();
    let five = app.data(&query, json!({ "first": 3 })).await;
    let cost_five = app.statements.get() - before;
    import_two_copies(&app).await;
    let before = app.statements.get();
    let seven = app.data(&query, json!({ "first": 3 })).await;
    let cost_seven = app.statements.get() - before;

    let connection = |d: &serde_json::Value| d["compare"]["rowsConnection"].clone();
    assert_eq!(connection(&five)["totalCount"], 5);
    assert_eq!(connection(&seven)["totalCount"], 7);
    assert_eq!(
        connection(&seven)["edges"].as_array().map(Vec::len),
        Some(3)
    );
    eprintln!("compare page: {cost_five} statements for 5 cities, {cost_seven} for 7");
    assert_eq!(cost_five, cost_seven);
    assert!(cost_seven <= 5, "{cost_seven} statements");
}

db_tests!(a_compare_page_costs_the_same_statements_with_more_cities);

/// Selections of a plan that the tree read with the plans (src/read/plan_tree.rs) must answer
/// as the loaders do: the benchmark's tree with an argument and an alias, one that stops at
/// measures, and one whose only schedule is a repost's (a depth the look-ahead does not see,
/// so its loader answers).
const TREES: [&str; 3] = [
    "title source { title published } policies { label title measures { label title
        items { label title isRepost repostOf { label } departments implementers targets
            schedule { fiscalYear phase phases labelJa }
            built: schedule(phase: IMPLEMENTATION) { fiscalYear } } } }",
    "periodStart policies { measures { label title } }",
    "policies { measures { items { label repostOf { label schedule { fiscalYear } } } } }",
];

async fn a_plan_tree_read_with_its_plans_answers_as_the_loaders_do(b: Backend) {
    let app = TestApp::spawn(&b).await;
    for tree in TREES {
        // Arrange: every city's plans, read with their trees, in one list.
        let all = app
            .data(
                &format!("{{ municipalities {{ slug plans {{ id {tree} }} }} }}"),
                json!({}),
            )
            .await;
        let cities = all["municipalities"].as_array().expect("a list");
        assert_eq!(cities.len(), 5);
        let mut plans = 0;
        for city in cities {
            let slug = city["slug"].as_str().expect("a slug");
            // Act: the city alone, and through a fragment.
            let one = app
                .data(
                    &format!(
                        "query($slug: String!) {{ municipality(slug: $slug) {{ slug plans {{ id {tree} }} }} }}"
                    ),
                    json!({ "slug": slug }),
                )
                .await;
            let fragment = app
                .data(
                    &format!(
                        "query($slug: String!) {{ municipality(slug: $slug) {{ ...T }} }}
                         fragment T on Municipality {{ slug plans {{ id {tree} }} }}"
                    ),
                    json!({ "slug": slug }),
                )
                .await;
            // Assert: each plan as `node` finds it, whose fields use the loaders.
            assert_eq!(one["municipality"], *city, "{slug}: {tree}");
            assert_eq!(fragment["municipality"], *city, "{slug} (fragment): {tree}");
            for plan in city["plans"].as_array().expect("plans") {
                let by_node = app
                    .data(
                        &format!(
                            "query($id: ID!) {{ node(id: $id) {{ ... on Plan {{ id {tree} }} }} }}"
                        ),
                        json!({ "id": plan["id"] }),
                    )
                    .await;
                assert_eq!(by_node["node"], *plan, "{slug}: {tree}");
                plans += 1;
            }
        }
        // Three of the five cities publish a plan (Yamaguchi, Shimonoseki, Kurashiki).
        assert!(plans >= 3, "{plans} plans");
        // The trees compared are not empty: items and their reposts are in them.
        if tree.contains("repostOf") {
            let text = all.to_string();
            assert!(text.matches("\"repostOf\":{").count() >= 3, "{text}");
        }
    }
}

db_tests!(a_plan_tree_read_with_its_plans_answers_as_the_loaders_do);
