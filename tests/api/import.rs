//! `kyodo-hub import`: validation errors that name file, record and field; one transaction, so
//! a bad file changes nothing; a re-import replaces a municipality without duplicates.

use std::path::Path;
use std::process::Command;

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::db_tests;
use crate::helpers::{Backend, TestApp, TestDb};

fn data_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/municipalities")
            .join(name),
    )
    .expect("read data file")
}

/// Runs the real binary.
fn import_cli(database_url: &str, path: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args(["import", &path.display().to_string()])
        .env("DATABASE_URL", database_url)
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

async fn counts(db: &sea_orm::DatabaseConnection) -> [u64; 5] {
    use entity::*;
    [
        municipalities::Entity::find()
            .count(db)
            .await
            .expect("count"),
        programs::Entity::find().count(db).await.expect("count"),
        activities::Entity::find().count(db).await.expect("count"),
        plan_items::Entity::find().count(db).await.expect("count"),
        observations::Entity::find().count(db).await.expect("count"),
    ]
}

async fn an_approximate_count_is_refused_naming_file_record_and_field(b: Backend) {
    // Arrange: the hub as served, and a Hofu file whose third course row says 約14.
    let app = TestApp::spawn(&b).await;
    let before = counts(&app.db).await;
    let dir = tempfile::tempdir().expect("dir");
    let bad = data_file("hofu.yaml").replacen("participants: 14", "participants: 約14", 1);
    assert_ne!(bad, data_file("hofu.yaml"), "the fixture edit must apply");
    std::fs::write(dir.path().join("hofu.yaml"), bad).expect("write");

    // Act
    let (ok, output) = import_cli(&app.test_db.url, &dir.path().join("hofu.yaml"));

    // Assert
    assert!(!ok, "import must fail: {output}");
    assert!(
        output.contains("hofu.yaml: programs[2].activities[0]: participants: expected a non-negative integer, got \"約14\""),
        "{output}"
    );
    assert_eq!(counts(&app.db).await, before);
}

async fn a_failure_in_a_later_file_rolls_back_the_earlier_ones(b: Backend) {
    // Arrange: a folder with an edited Hofu (new population) that is valid, and a Toyonaka
    // that takes Yamaguchi's slug. Validation of the folder cannot see that (Yamaguchi is only
    // in the database); writing Toyonaka fails after Hofu is written.
    let app = TestApp::spawn(&b).await;
    let before = counts(&app.db).await;
    let dir = tempfile::tempdir().expect("dir");
    let hofu = data_file("hofu.yaml").replacen("population: 113979", "population: 1", 1);
    let toyonaka = data_file("toyonaka.yaml").replacen("slug: toyonaka", "slug: yamaguchi", 1);
    assert_ne!(toyonaka, data_file("toyonaka.yaml"));
    std::fs::write(dir.path().join("a-hofu.yaml"), hofu).expect("write");
    std::fs::write(dir.path().join("b-toyonaka.yaml"), toyonaka).expect("write");

    // Act
    let (ok, output) = import_cli(&app.test_db.url, dir.path());

    // Assert: an error naming the file, and Hofu as it was.
    assert!(!ok, "{output}");
    assert!(
        output.contains("b-toyonaka.yaml: cannot be written")
            && output.contains("slug \"yamaguchi\" already belongs to municipality 352039"),
        "{output}"
    );
    assert_eq!(counts(&app.db).await, before);
    let data = app
        .data(
            r#"{ municipality(slug: "hofu") { population } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["municipality"]["population"], 113_979);
}

async fn a_reimport_replaces_a_municipality_without_duplicates(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let before = counts(&app.db).await;
    let others = r#"{ municipalities { slug programs { totalCount } observations { value } } metrics { code } }"#;
    let others_before = app.data(others, json!({})).await;
    let dir = tempfile::tempdir().expect("dir");
    let edited = data_file("hofu.yaml").replacen("participants: 43", "participants: 44", 1);
    assert_ne!(edited, data_file("hofu.yaml"));
    std::fs::write(dir.path().join("hofu.yaml"), edited).expect("write");

    let (ok, output) = import_cli(&app.test_db.url, &dir.path().join("hofu.yaml"));
    assert!(ok, "{output}");
    assert!(
        output.contains("imported 1 municipalities (hofu)"),
        "{output}"
    );
    assert_eq!(
        counts(&app.db).await,
        before,
        "same number of rows after replacing Hofu"
    );
    let data = app
        .data(r#"{ municipality(slug: "hofu") { programs(kind: OUTREACH_LECTURE) { edges { node { activities { fiscalYear participants } } } } regions { slug } } }"#, json!({}))
        .await;
    let acts = data["municipality"]["programs"]["edges"][0]["node"]["activities"]
        .as_array()
        .expect("activities")
        .clone();
    assert!(
        acts.iter()
            .any(|a| a["fiscalYear"] == 2016 && a["participants"] == 44)
    );
    assert!(!acts.iter().any(|a| a["participants"] == 43));
    // The other cities and the catalogue are as they were.
    let others_after = app.data(others, json!({})).await;
    for (b, a) in [&others_before, &others_after]
        .map(|d| d["municipalities"].as_array().expect("cities").clone())
        .into_iter()
        .collect::<Vec<_>>()
        .windows(2)
        .flat_map(|w| w[0].clone().into_iter().zip(w[1].clone()))
    {
        if b["slug"] != "hofu" {
            assert_eq!(b, a);
        }
    }
    assert_eq!(others_before["metrics"], others_after["metrics"]);
    // Region membership is by code, so it survives the replacement.
    assert_eq!(
        data["municipality"]["regions"],
        json!([{ "slug": "yamaguchi-prefecture" }])
    );
}

async fn the_whole_data_folder_imports_into_an_empty_database(b: Backend) {
    let test_db = TestDb::create(&b).await;
    let (ok, output) = import_cli(
        &test_db.url,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
    );
    assert!(ok, "{output}");
    assert!(output.contains("imported 5 municipalities"), "{output}");
    assert!(output.contains("4 regions, 7 metrics"), "{output}");
    // serve on the filled database only migrates: nothing is loaded twice.
    let app = TestApp::serve(test_db).await;
    let data = app
        .data("{ municipalities { slug } regions { slug } }", json!({}))
        .await;
    assert_eq!(data["municipalities"].as_array().map(Vec::len), Some(5));
    assert_eq!(data["regions"].as_array().map(Vec::len), Some(4));
    let before = counts(&app.db).await;
    assert_eq!(before[0], 5);
}

/// Runs `kyodo-hub generate` for 12 cities × 3 years, seed 7, into `dir`.
fn generate_into(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args([
            "generate",
            "--municipalities",
            "12",
            "--years",
            "3",
            "--seed",
            "7",
            "--out",
        ])
        .arg(dir)
        .output()
        .expect("run generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn a_generated_national_set_imports_beside_the_real_cities(b: Backend) {
    // Arrange: the five cities as served, and 12 synthetic ones written by the binary.
    let app = TestApp::spawn(&b).await;
    let dir = tempfile::tempdir().expect("dir");
    generate_into(dir.path());

    // Act
    let (ok, output) = import_cli(&app.test_db.url, dir.path());

    // Assert: 17 cities; the real regions are still there beside the synthetic ones.
    assert!(ok, "{output}");
    assert!(output.contains("imported 12 municipalities"), "{output}");
    let data = app
        .data(r#"{ municipalities { code } regions { slug } nats: region(slug: "nats") { members { code } } }"#, json!({}))
        .await;
    assert_eq!(data["municipalities"].as_array().map(Vec::len), Some(17));
    let slugs: Vec<&str> = data["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(|r| r["slug"].as_str())
        .collect();
    for real in [
        "nats",
        "takahashi-river-basin",
        "toyono",
        "yamaguchi-prefecture",
    ] {
        assert!(slugs.contains(&real), "{real} missing from {slugs:?}");
    }
    assert!(slugs.iter().any(|s| s.starts_with("pref-")), "{slugs:?}");
    assert_eq!(data["nats"]["members"].as_array().map(Vec::len), Some(4));
    // The same seed writes the same files.
    let again = tempfile::tempdir().expect("dir");
    generate_into(again.path());
    let read = |d: &Path| std::fs::read_to_string(d.join("regions.yaml")).expect("regions.yaml");
    assert_eq!(read(dir.path()), read(again.path()));
}

async fn a_single_city_imports_on_its_own_into_an_empty_database(b: Backend) {
    // Arrange: a database nothing has been loaded into.
    let test_db = TestDb::create(&b).await;
    let hofu = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/municipalities/hofu.yaml");

    // Act: the correction step README gives, on a fresh database.
    let (ok, output) = import_cli(&test_db.url, &hofu);

    // Assert: Hofu is imported with the metric catalogue it needs, from the bundled one.
    assert!(ok, "{output}");
    assert!(
        output.contains("imported 1 municipalities (hofu), 0 regions, 7 metrics (7 from the bundled catalogue, data/metrics.yaml, as the database lacked them)"),
        "{output}"
    );
    // Again, now that the database has the catalogue: nothing is borrowed.
    let (ok, output) = import_cli(&test_db.url, &hofu);
    assert!(ok, "{output}");
    assert!(
        output.contains("(hofu), 0 regions, 0 metrics into"),
        "{output}"
    );
    let app = TestApp::serve(test_db).await;
    let data = app
        .data(
            r#"{ municipalities { slug } metrics { code } municipality(slug: "hofu") { observations { metric { code } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["municipalities"], json!([{ "slug": "hofu" }]));
    assert_eq!(data["metrics"].as_array().map(Vec::len), Some(7));
    assert!(
        !data["municipality"]["observations"]
            .as_array()
            .expect("observations")
            .is_empty()
    );
}

async fn a_metric_found_nowhere_is_refused_before_anything_is_written(b: Backend) {
    // Arrange: a fresh database and a Toyonaka naming a metric no catalogue has.
    let test_db = TestDb::create(&b).await;
    let dir = tempfile::tempdir().expect("dir");
    let toyonaka = data_file("toyonaka.yaml").replacen(
        "metric: promotion_officers",
        "metric: no_such_metric",
        1,
    );
    assert_ne!(toyonaka, data_file("toyonaka.yaml"));
    std::fs::write(dir.path().join("toyonaka.yaml"), toyonaka).expect("write");

    // Act
    let (ok, output) = import_cli(&test_db.url, &dir.path().join("toyonaka.yaml"));

    // Assert: what it needs first, and an empty database.
    assert!(!ok, "{output}");
    assert!(
        output.contains("toyonaka.yaml: observations[0]: metric: \"no_such_metric\" is not a code of the metric catalogue (neither the database nor the bundled data/metrics.yaml has it: import a metrics.yaml that defines it first, or in the same import)"),
        "{output}"
    );
    assert!(!output.contains("FOREIGN KEY"), "{output}");
    let db = kyodo_hub::db::connect(&test_db.url).await.expect("connect");
    assert_eq!(counts(&db.conn).await, [0; 5]);
    assert_eq!(
        entity::metrics::Entity::find()
            .count(&db.conn)
            .await
            .expect("count"),
        0
    );
    db.conn.close().await.ok();
}

async fn oversized_deep_and_unstorable_files_are_refused_fast_naming_the_place(b: Backend) {
    // Arrange: the hub as served, and files the issue found the importer took.
    let app = TestApp::spawn(&b).await;
    let before = app.fingerprint().await;
    let dir = tempfile::tempdir().expect("dir");
    let hofu = data_file("hofu.yaml");
    let long_name = hofu.replacen("name_en: Hofu", &format!("name_en: {}", "H".repeat(301)), 1);
    let huge_name = hofu.replacen(
        "name_en: Hofu",
        &format!("name_en: {}", "H".repeat(5_000_000)),
        1,
    );
    let nul = hofu.replacen("name_ja: 防府市", "name_ja: \"防府\\0市\"", 1);
    let fraction = hofu.replacen("value: 52", "value: 52.5", 1);
    for (name, text) in [
        ("long.yaml", long_name),
        ("huge.yaml", huge_name),
        ("nested.yaml", "[".repeat(200_000)),
        ("nul.yaml", nul),
        ("fraction.yaml", fraction),
    ] {
        assert_ne!(text, hofu, "{name}: the fixture edit must apply");
        std::fs::write(dir.path().join(name), text).expect("write");
    }

    for (name, expected) in [
        (
            "long.yaml",
            "long.yaml: municipality: name_en: at most 300 characters, got 301 at line 9 column 12",
        ),
        (
            "huge.yaml",
            "bytes; a dataset file may have at most 4194304 (4 MiB)",
        ),
        (
            "nested.yaml",
            "nested.yaml: lists and mappings nest deeper than 32 levels at line 1 column 32",
        ),
        (
            "nul.yaml",
            "nul.yaml: municipality: name_ja: contains the control character U+0000 at character 3",
        ),
        (
            "fraction.yaml",
            "fraction.yaml: observations[0]: value: a count of people must be a non-negative whole number, got 52.5",
        ),
    ] {
        // Act
        let started = std::time::Instant::now();
        let (ok, output) = import_cli(&app.test_db.url, &dir.path().join(name));

        // Assert: refused within a couple of seconds (the debug binary included), naming
        // where, and nothing written.
        assert!(!ok, "{name}: {output}");
        assert!(output.contains(expected), "{name}: {output}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{name}: {:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.fingerprint().await, before);
}

db_tests!(
    a_single_city_imports_on_its_own_into_an_empty_database,
    a_metric_found_nowhere_is_refused_before_anything_is_written,
    oversized_deep_and_unstorable_files_are_refused_fast_naming_the_place,
    a_generated_national_set_imports_beside_the_real_cities,
    an_approximate_count_is_refused_naming_file_record_and_field,
    a_failure_in_a_later_file_rolls_back_the_earlier_ones,
    a_reimport_replaces_a_municipality_without_duplicates,
    the_whole_data_folder_imports_into_an_empty_database,
);
