//! Search finds every text the hub serves: a unique token written into every free-text field of
//! every city's file, and of each record the API creates, is found by `search` over HTTP.
//!
//! The test knows nothing of how search works or which fields it indexes: it walks the import
//! file generically and talks only to the binary and the public GraphQL API, so it holds
//! through any change of the search engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use serde_norway::Value as Yaml;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

const YAMAGUCHI: &str = "352039";

const SEARCH: &str = r#"query($text: String!, $m: [ID!]) {
    search(text: $text, municipalities: $m, first: 5) {
        totalCount edges { node { kind node { id } } } } }"#;

/// Fields the importer refuses to take with a token appended, learned by the walk from the
/// importer's own error and checked against this list, so that a new refusal fails the test
/// until someone says here why the field is not free text. Paths are the importer's, with list
/// indexes left out.
const REFUSED: &[(&str, &str)] = &[
    (
        "plans[].policies[].measures[].items[].repost_of",
        "a reference: names the label of the item an item re-posts, so a token breaks the link",
    ),
    (
        "plans[].policies[].measures[].items[].label",
        "a key: an item's label (II-(4)-①) is what repost_of refers to; the label is served \
         and searched as part of the item's title, but is a code, not prose",
    ),
];

/// A leaf of the file: its path as the importer names it (`programs[2].activities[0].title`)
/// and the token written into it.
struct Leaf {
    path: String,
    original: String,
    token: String,
}

/// `programs[2].activities[0].title` → `programs[].activities[].title`.
fn pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Values that name other records: the `key` of a record, and every string that is the key
/// of some record. A token in one would break the reference rather than test search.
fn keys(value: &Yaml, out: &mut BTreeSet<String>) {
    match value {
        Yaml::Mapping(map) => {
            for (k, v) in map {
                if k.as_str() == Some("key")
                    && let Some(s) = v.as_str()
                {
                    out.insert(s.to_owned());
                }
                keys(v, out);
            }
        }
        Yaml::Sequence(items) => items.iter().for_each(|v| keys(v, out)),
        Yaml::Tagged(t) => keys(&t.value, out),
        _ => {}
    }
}

/// Appends a token (`zq00001x`, numbered from `first`) to every string leaf that is free text: a value with a character outside
/// ASCII (codes, slugs, dates, vocabulary and URLs are ASCII in the import format) that is not
/// a key other records refer to, and not on a path in `skip`.
fn tokenize(
    value: &mut Yaml,
    path: &str,
    refs: &BTreeSet<String>,
    skip: &BTreeSet<String>,
    first: usize,
    leaves: &mut Vec<Leaf>,
) {
    match value {
        Yaml::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                let key = k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned);
                tokenize(v, &child(path, &key), refs, skip, first, leaves);
            }
        }
        Yaml::Sequence(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                tokenize(v, &format!("{path}[{i}]"), refs, skip, first, leaves);
            }
        }
        Yaml::Tagged(t) => tokenize(&mut t.value, path, refs, skip, first, leaves),
        Yaml::String(s) => {
            if s.is_ascii() || refs.contains(s.as_str()) || skip.contains(&pattern(path)) {
                return;
            }
            let token = format!("zq{:05}x", first + leaves.len());
            let original = s.clone();
            s.push(' ');
            s.push_str(&token);
            leaves.push(Leaf {
                path: path.to_owned(),
                original,
                token,
            });
        }
        _ => {}
    }
}

/// The test's limits without the per-client rate limit: it asks one question per token.
fn unthrottled() -> kyodo_hub::config::ServeConfig {
    let mut limits = crate::helpers::uncached();
    limits.rate.rate_limit_burst = 1_000_000;
    limits.rate.rate_limit_per_second = 1_000_000;
    limits
}

/// Runs `kyodo-hub import` on `file` against the test's database.
fn import(app: &TestApp, file: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args(["import", &file.display().to_string()])
        .env("DATABASE_URL", &app.test_db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run kyodo-hub");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The leaf an import error is about: the one whose token the message quotes; else the one
/// whose path the message names (`programs[2].activities[0]: participants: …`); else, for a
/// reference the message quotes without a token, the leaf it refers to, whose token broke it.
fn refused_leaf<'a>(leaves: &'a [Leaf], message: &str) -> Option<&'a Leaf> {
    leaves
        .iter()
        .find(|l| message.contains(&l.token))
        .or_else(|| {
            leaves.iter().find(|l| {
                let (record, field) = l.path.rsplit_once('.').unwrap_or(("", &l.path));
                message.contains(&format!("{record}: {field}:"))
            })
        })
        .or_else(|| {
            leaves
                .iter()
                .find(|l| message.contains(&format!("{:?}", l.original)))
        })
}

/// The kinds of record `search` returns for `text` in `municipalities`, each with its node
/// resolved; empty when nothing is found.
async fn found(app: &TestApp, text: &str, municipalities: &[&str]) -> Vec<String> {
    let data = app
        .data(SEARCH, json!({ "text": text, "m": municipalities }))
        .await;
    data["search"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| {
                    let node = &e["node"];
                    let kind = node["kind"].as_str().unwrap_or("?").to_owned();
                    if node["node"]["id"].is_string() {
                        kind
                    } else {
                        format!("{kind} (no node)")
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One city's file with a token in every free-text leaf, imported by the binary; a field the
/// importer refuses is learned from its error (into `refused`) and walked without a token.
/// Returns the city's code and the leaves that carry tokens.
fn import_with_tokens(
    app: &TestApp,
    name: &str,
    first_token: usize,
    refused: &mut BTreeMap<String, String>,
) -> (String, Vec<Leaf>) {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/municipalities")
            .join(name),
    )
    .expect("read data file");
    let original: Yaml = serde_norway::from_str(&source).expect("parse data file");
    let code = original["municipality"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: municipality.code"))
        .to_owned();
    let mut refs = BTreeSet::new();
    keys(&original, &mut refs);
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join(name);
    loop {
        let mut doc = original.clone();
        let mut leaves = Vec::new();
        let skipped: BTreeSet<String> = refused.keys().cloned().collect();
        tokenize(&mut doc, "", &refs, &skipped, first_token, &mut leaves);
        let text = serde_norway::to_string(&doc).expect("write yaml");
        std::fs::write(&file, text).expect("write");
        let (ok, output) = import(app, &file);
        if ok {
            return (code, leaves);
        }
        let leaf = refused_leaf(&leaves, &output)
            .unwrap_or_else(|| panic!("{name}: the import failed on no token's field: {output}"));
        let line = output.lines().find(|l| l.contains(name)).unwrap_or(&output);
        refused.insert(pattern(&leaf.path), line.trim().to_owned());
        assert!(refused.len() <= 20, "too many refused fields: {refused:#?}");
    }
}

async fn every_text_of_every_imported_city_is_found(b: Backend) {
    // Arrange: every city's file, a token in each free-text leaf, imported by the binary.
    let app = TestApp::spawn_with(&b, unthrottled()).await;
    let mut names: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/municipalities"))
            .expect("list data")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
    names.sort();
    let mut refused = BTreeMap::new();
    let mut cities = Vec::new();
    let mut next = 1;
    for name in &names {
        let (code, leaves) = import_with_tokens(&app, name, next, &mut refused);
        next += leaves.len();
        cities.push((name.clone(), code, leaves));
    }
    let listed: BTreeSet<&str> = REFUSED.iter().map(|(p, _)| *p).collect();
    let learned: BTreeSet<&str> = refused.keys().map(String::as_str).collect();
    assert_eq!(
        learned, listed,
        "fields the importer refused with a token (with its error) differ from REFUSED: {refused:#?}"
    );

    // Act: search each city for each of its tokens.
    let mut missing = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut walked = 0;
    for (name, code, leaves) in &cities {
        assert!(
            leaves.len() > 50,
            "{name}: the walk must reach the whole file, got {} leaves",
            leaves.len()
        );
        walked += leaves.len();
        for leaf in leaves {
            let hits = found(&app, &leaf.token, &[code]).await;
            if hits.is_empty() || hits.iter().any(|k| k.ends_with("(no node)")) {
                missing.push(format!("{} {name}: {} {hits:?}", leaf.token, leaf.path));
            }
            for k in hits {
                *kinds.entry(k).or_default() += 1;
            }
        }
    }

    // Assert
    eprintln!(
        "search coverage: {} files, {walked} text fields walked, {} found, {} fields refused by \
         the importer; hits by kind {kinds:?}",
        cities.len(),
        walked - missing.len(),
        refused.len()
    );
    assert!(
        missing.is_empty(),
        "search cannot find {} of {walked} tokens:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// Creates a record through the API and returns its global id.
async fn create(app: &TestApp, token: &str, mutation: &str, input: Value) -> String {
    let field = mutation.to_owned();
    let input_type = format!("{}{}Input", &field[..1].to_uppercase(), &field[1..]);
    let query = format!("mutation($v: {input_type}!) {{ {field}(input: $v) {{ id }} }}");
    let data = app.data_as(token, &query, json!({ "v": input })).await;
    data[field.as_str()]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{field} returned no id: {data}"))
        .to_owned()
}

async fn every_text_written_through_the_api_is_found(b: Backend) {
    // Arrange: an editor for Yamaguchi, and the ids the new records hang under.
    let app = TestApp::spawn_with(&b, unthrottled()).await;
    let token = app
        .token(Some(YAMAGUCHI), "EDITOR", "search coverage")
        .await;
    let ids = app
        .data(
            r#"{ municipality(code: "352039") {
                indicators { id }
                plans { items { id } }
            } }"#,
            json!({}),
        )
        .await;
    let indicator = ids["municipality"]["indicators"][0]["id"].clone();
    let item = ids["municipality"]["plans"][0]["items"][0]["id"].clone();
    assert!(indicator.is_string() && item.is_string(), "{ids}");
    let mut n = 0;
    let mut t = || {
        n += 1;
        format!("協働zw{n:04}y")
    };
    let mut written: Vec<(String, String)> = Vec::new();
    let mut note = |family: &str, field: &str, tok: &str| {
        written.push((
            format!("{family}.{field}"),
            tok.trim_start_matches("協働").to_owned(),
        ));
    };

    // Act: one record of each writable family, a token in each of its text fields.
    let (title, organizer, department, description, pnote) = (t(), t(), t(), t(), t());
    for (f, v) in [
        ("title", &title),
        ("organizer", &organizer),
        ("department", &department),
        ("description", &description),
        ("note", &pnote),
    ] {
        note("Program", f, v);
    }
    let program = create(
        &app,
        &token,
        "createProgram",
        json!({ "municipality": YAMAGUCHI, "key": "coverage", "kind": "STAFF_TRAINING", "title": title,
                "organizer": organizer, "department": department, "description": description,
                "note": pnote }),
    )
    .await;
    let fields = [
        "title",
        "labelJa",
        "audience",
        "topic",
        "department",
        "venue",
        "note",
    ];
    let mut input = json!({ "program": program, "fiscalYear": 2024, "speakers": [] });
    for f in fields {
        let v = t();
        note("Activity", f, &v);
        input[f] = json!(v);
    }
    let speaker = t();
    note("Activity", "speakers", &speaker);
    input["speakers"] = json!([speaker]);
    create(&app, &token, "createActivity", input).await;
    let (ptitle, pnote2) = (t(), t());
    note("Proposal", "title", &ptitle);
    note("Proposal", "note", &pnote2);
    create(
        &app,
        &token,
        "createProposal",
        json!({ "program": program, "fiscalYear": 2024, "track": "CITIZEN", "title": ptitle,
                "count": 1, "stage": "APPLIED", "note": pnote2 }),
    )
    .await;
    let mut input = json!({ "municipality": YAMAGUCHI, "key": "coverage", "kind": "COUNCIL" });
    for f in ["nameJa", "composition", "role", "note"] {
        let v = t();
        note("Body", f, &v);
        input[f] = json!(v);
    }
    let duty = t();
    note("Body", "duties", &duty);
    input["duties"] = json!([duty]);
    let body = create(&app, &token, "createBody", input).await;
    let mut input = json!({ "body": body, "fiscalYear": 2024, "format": "IN_PERSON" });
    for f in ["dateNote", "note"] {
        let v = t();
        note("Meeting", f, &v);
        input[f] = json!(v);
    }
    let agenda = t();
    note("Meeting", "agenda", &agenda);
    input["agenda"] = json!([agenda]);
    create(&app, &token, "createMeeting", input).await;
    let mut input =
        json!({ "municipality": YAMAGUCHI, "key": "coverage", "managementModel": "DIRECT" });
    for f in ["nameJa", "operator", "services", "note"] {
        let v = t();
        note("SupportCenter", f, &v);
        input[f] = json!(v);
    }
    create(&app, &token, "createSupportCenter", input).await;
    let mut input = json!({ "indicator": indicator, "kind": "OBSERVED", "fiscalYear": 2030,
                            "value": 1.0 });
    for f in ["labelJa", "note"] {
        let v = t();
        note("IndicatorValue", f, &v);
        input[f] = json!(v);
    }
    create(&app, &token, "createIndicatorValue", input).await;
    let label = t();
    note("ScheduleEntry", "labelJa", &label);
    create(
        &app,
        &token,
        "createScheduleEntry",
        json!({ "item": item, "fiscalYear": 2031, "labelJa": label, "phase": "IMPLEMENTATION" }),
    )
    .await;
    let mut input = json!({ "municipality": YAMAGUCHI, "metric": "promotion_officers",
                            "fiscalYear": 2031, "value": 1.0 });
    for f in ["labelJa", "note"] {
        let v = t();
        note("Observation", f, &v);
        input[f] = json!(v);
    }
    let data = app
        .data_as(
            &token,
            "mutation($v: ObservationInput!) { upsertObservation(input: $v) { id } }",
            json!({ "v": input }),
        )
        .await;
    assert!(data["upsertObservation"]["id"].is_string(), "{data}");

    // Assert
    let mut missing = Vec::new();
    for (field, tok) in &written {
        let hits = found(&app, tok, &[YAMAGUCHI]).await;
        if hits.is_empty() || hits.iter().any(|k| k.ends_with("(no node)")) {
            missing.push(format!("{tok} {field} {hits:?}"));
        }
    }
    assert!(written.len() >= 30, "{written:?}");
    assert!(
        missing.is_empty(),
        "search cannot find what the API wrote:\n{}",
        missing.join("\n")
    );
}

db_tests!(
    every_text_of_every_imported_city_is_found,
    every_text_written_through_the_api_is_found
);
