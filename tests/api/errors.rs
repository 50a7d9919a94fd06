//! Errors a client sees: codes from the public contract and messages that name the bad value.

use serde_json::json;

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

async fn unknown_code_or_slug_is_not_found(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let errors = app
        .errors(r#"{ municipality(code: "131041") { nameJa } }"#, json!({}))
        .await;
    assert_eq!(errors[0].0, "NOT_FOUND");
    assert!(errors[0].1.contains("131041"), "{errors:?}");
    let errors = app
        .errors(
            r#"{ municipality(slug: "atlantis") { nameJa } }"#,
            json!({}),
        )
        .await;
    assert_eq!(errors[0].0, "NOT_FOUND");
    assert!(errors[0].1.contains("atlantis"), "{errors:?}");
    let errors = app
        .errors(r#"{ region(slug: "kanto") { nameJa } }"#, json!({}))
        .await;
    assert_eq!(errors[0].0, "NOT_FOUND");
}

async fn malformed_input_is_bad_user_input_naming_the_value(b: Backend) {
    let app = TestApp::spawn(&b).await;
    // A wrong check digit: the message gives the right one.
    let errors = app
        .errors(r#"{ municipality(code: "352064") { nameJa } }"#, json!({}))
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    assert!(errors[0].1.contains("352063"), "{errors:?}");
    // A fiscal year that is no year, as a literal and as a variable.
    let errors = app
        .errors(
            r#"{ municipality(slug: "hofu") { observations(from: "平成abc年度") { value } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    assert!(errors[0].1.contains("平成abc年度"), "{errors:?}");
    // The message names the argument, not only its line and column.
    assert!(
        errors[0].1.starts_with(r#"argument "from": "#),
        "{errors:?}"
    );
    let errors = app
        .errors(
            r#"query($y: FiscalYear) { municipality(slug: "hofu") { observations(from: $y) { value } } }"#,
            json!({ "y": "R0" }),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    assert!(errors[0].1.contains("R0"), "{errors:?}");
    assert!(
        errors[0]
            .1
            .starts_with(r#"argument "from" (variable $y): "#),
        "{errors:?}"
    );
    let errors = app
        .errors(r#"{ fiscalYear(label: "大正5年") { year } }"#, json!({}))
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    assert!(errors[0].1.contains("大正5年"), "{errors:?}");
    // Page size out of range, and a cursor that is not one.
    let errors = app
        .errors(
            r#"{ municipality(slug: "hofu") { programs(first: 101) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    assert!(errors[0].1.contains("101"), "{errors:?}");
    let errors = app
        .errors(
            r#"{ municipality(slug: "hofu") { programs(after: "nope") { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    let errors = app
        .errors(r#"{ node(id: "garbage") { id } }"#, json!({}))
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    let errors = app.errors("{ municipality { nameJa } }", json!({})).await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    let errors = app
        .errors(
            r#"{ municipalities(prefecture: "Atlantis") { slug } }"#,
            json!({}),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
    // Syntax errors and unknown fields get a code too.
    let errors = app.errors("{ municipalities { nope } }", json!({})).await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
}

async fn fiscal_years_convert_between_eras(b: Backend) {
    let app = TestApp::spawn(&b).await;
    for (label, year, label_ja, era, era_year) in [
        ("2017", 2017, "平成29年度", "HEISEI", 29),
        ("H29", 2017, "平成29年度", "HEISEI", 29),
        ("平成29年度", 2017, "平成29年度", "HEISEI", 29),
        ("平成29年", 2017, "平成29年度", "HEISEI", 29),
        ("平成３２年", 2020, "令和2年度", "REIWA", 2),
        ("R5", 2023, "令和5年度", "REIWA", 5),
        ("令和5年度", 2023, "令和5年度", "REIWA", 5),
        ("令和元年度", 2019, "令和元年度", "REIWA", 1),
        ("２０１９", 2019, "令和元年度", "REIWA", 1),
    ] {
        let data = app
            .data(
                "query($l: String!) { fiscalYear(label: $l) { year labelJa era eraYear } }",
                json!({ "l": label }),
            )
            .await;
        assert_eq!(
            data["fiscalYear"],
            json!({ "year": year, "labelJa": label_ja, "era": era, "eraYear": era_year }),
            "{label}"
        );
    }
    // The same spellings work wherever an argument is a FiscalYear.
    let data = app
        .data(
            r#"{ municipality(slug: "hofu") { observations(metric: "promotion_officers", from: "H29", to: "平成29年度") { fiscalYear value } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["municipality"]["observations"],
        json!([{ "fiscalYear": 2017, "value": 54.0 }])
    );
}

/// A cursor holds a position; whatever number a client writes there, the answer is a page or
/// `BAD_USER_INPUT`, never a dropped connection (an overflowing `n + 1` once panicked).
async fn cursors_holding_any_number_answer_a_page_or_bad_input(b: Backend) {
    use base64::Engine;
    let app = TestApp::spawn(&b).await;
    let positions = [
        "0".to_owned(),
        u32::MAX.to_string(),
        (u64::from(u32::MAX) + 1).to_string(),
        i64::MAX.to_string(),
        u64::MAX.to_string(),
        "-1".to_owned(),
        "1e3".to_owned(),
    ];
    for position in positions {
        let cursor =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("cursor:{position}"));
        for field in [
            format!(
                r#"municipality(slug: "hofu") {{ programs(first: 2, after: "{cursor}") {{ totalCount }} }}"#
            ),
            format!(r#"search(text: "防災", first: 2, after: "{cursor}") {{ totalCount }}"#),
        ] {
            let answer = app.post(&format!("{{ {field} }}"), json!({})).await;
            match answer["errors"].as_array() {
                None => assert!(answer["data"].is_object(), "{position}: {answer}"),
                Some(errors) => assert_eq!(
                    errors[0]["extensions"]["code"], "BAD_USER_INPUT",
                    "{position}: {answer}"
                ),
            }
        }
    }
}

db_tests!(
    cursors_holding_any_number_answer_a_page_or_bad_input,
    unknown_code_or_slug_is_not_found,
    malformed_input_is_bad_user_input_naming_the_value,
    fiscal_years_convert_between_eras,
);
