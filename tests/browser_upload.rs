//! The upload page (`/upload`, issue 12) in a real Chromium, as a city's editor who never writes
//! GraphQL uses it: the token typed once, the edited file chosen, the preview of the one row
//! that changes, the confirmation; then the value is read back through GraphQL. Chromium
//! resolves no host but the loopback, and every resource the page loads comes from the hub.
//!
//! Ignored by default like `tests/browser.rs` (it needs Debian's `chromium` and
//! `chromium-driver`); CI runs it as
//!
//! ```sh
//! cargo test --test browser_upload -- --ignored
//! ```
//!
//! Screenshots of the preview and of a refused file go to `target/screenshots/upload.png` and
//! `upload-errors.png`.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use chromium::{Driver, screenshots, wait_for};
use fantoccini::Locator;
use sea_orm::Database;
use serde_json::{Value, json};

const VALUE: &str = "query { municipality(code: \"352063\") { observations(metric: \"promotion_officers\") { fiscalYear value } } }";

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; .ci/run installs them and runs it"]
async fn an_editor_previews_and_imports_an_edited_csv_on_the_upload_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("hub.sqlite").display()
    );
    let hub = support::Serve::new(&database).start().await;
    let db = Database::connect(&database).await.expect("database");
    let token = kyodo_hub::write::auth::create(
        &db,
        Some("352063"),
        "EDITOR".parse().expect("role"),
        "Hofu editor",
    )
    .await
    .expect("token")
    .secret;
    let http = reqwest::Client::new();

    // The export, with the latest promotion officers count raised by 5.
    let exported = http
        .get(format!(
            "{}/export/observations.csv?municipalities=352063&metric=promotion_officers",
            hub.url
        ))
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("body");
    let mut table: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(exported.strip_prefix("\u{feff}".as_bytes()).expect("BOM"))
        .records()
        .map(|r| r.expect("csv").iter().map(str::to_owned).collect())
        .collect();
    let column = |key: &str| {
        table[0]
            .iter()
            .position(|h| h.ends_with(&format!(" / {key}")))
            .expect("column")
    };
    let (year, value) = (column("fiscal_year"), column("value"));
    let last = (1..table.len())
        .max_by_key(|&r| table[r][year].parse::<i32>().expect("year"))
        .expect("a row");
    let old: f64 = table[last][value].parse().expect("number");
    let new = old + 5.0;
    table[last][value] = new.to_string();
    let path = dir.path().join("edited.csv");
    {
        let mut w = csv::Writer::from_path(&path).expect("file");
        for row in &table {
            w.write_record(row).expect("row");
        }
    }

    let driver = Driver::start();
    let browser = driver.session().await;
    browser
        .goto(&format!("{}/upload", hub.url))
        .await
        .expect("open the upload page");
    browser
        .find(Locator::Css("#token"))
        .await
        .expect("token field")
        .send_keys(&token)
        .await
        .expect("type the token");
    let choose_and_preview = |file: PathBuf| {
        let browser = browser.clone();
        async move {
            browser
                .find(Locator::Css("#file"))
                .await
                .expect("file field")
                .send_keys(&file.display().to_string())
                .await
                .expect("choose the file");
            browser
                .find(Locator::Css("#preview"))
                .await
                .expect("preview button")
                .click()
                .await
                .expect("preview");
        }
    };

    // A file with two bad rows: each is listed with its line, and nothing is written.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "自治体コード,指標コード,年度,値\n352063,promotion_officers,2023,5\n352063,no_such_metric,2023,5\n352063,promotion_officers,来年度,5\n",
    )
    .expect("bad file");
    choose_and_preview(bad).await;
    let errors = wait_for(
        &browser,
        "const e = document.querySelector('#errors'); \
         return e && !e.hidden ? Array.from(document.querySelectorAll('#error-list li')).map(li => li.innerText) : null;",
        Duration::from_secs(30),
    )
    .await;
    let errors: Vec<String> = serde_json::from_value(errors).expect("error lines");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("line 3: metric:"), "{errors:?}");
    assert!(errors[1].starts_with("line 4: fiscal_year:"), "{errors:?}");
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("upload-errors.png"), png).expect("write screenshot");

    choose_and_preview(path.clone()).await;
    let rows = wait_for(
        &browser,
        "const r = document.querySelector('#result'); \
         return r && !r.hidden ? Array.from(document.querySelectorAll('#changes tbody tr')).map(tr => Array.from(tr.cells).map(td => td.innerText)) : null;",
        Duration::from_secs(30),
    )
    .await;
    let rows: Vec<Vec<String>> = serde_json::from_value(rows).expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], (last + 1).to_string());
    assert!(rows[0][1].contains("防府市"), "{rows:?}");
    assert_eq!(rows[0][2], "promotion_officers");
    assert_eq!(rows[0][3], table[last][year]);
    assert_eq!(rows[0][4], old.to_string());
    assert_eq!(rows[0][5], new.to_string());
    // Nothing was written by the preview.
    let read = |body: Value| -> Option<f64> {
        body["data"]["municipality"]["observations"]
            .as_array()?
            .iter()
            .find(|o| o["fiscalYear"].as_i64() == table[last][year].parse().ok())?["value"]
            .as_f64()
    };
    let ask = || async {
        http.post(format!("{}/graphql", hub.url))
            .json(&json!({ "query": VALUE }))
            .send()
            .await
            .expect("query")
            .json::<Value>()
            .await
            .expect("JSON")
    };
    assert_eq!(read(ask().await), Some(old));

    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("upload.png"), png).expect("write screenshot");

    browser
        .find(Locator::Css("#confirm"))
        .await
        .expect("confirm button")
        .click()
        .await
        .expect("confirm");
    let done = wait_for(
        &browser,
        "const d = document.querySelector('#done'); return d && !d.hidden ? d.innerText : null;",
        Duration::from_secs(30),
    )
    .await;
    assert!(done.as_str().unwrap_or("").contains("1 changed"), "{done}");
    assert_eq!(read(ask().await), Some(new));
    // The token was kept for the tab.
    let kept = browser
        .execute("return sessionStorage.getItem('kyodo-hub.token')", vec![])
        .await
        .expect("sessionStorage");
    assert_eq!(kept, json!(token));

    let resources = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .expect("resource list");
    let resources: Vec<String> = serde_json::from_value(resources).expect("a list of URLs");
    assert!(
        resources.iter().any(|r| r.contains("/upload/upload.js")),
        "{resources:?}"
    );
    let foreign: Vec<&String> = resources
        .iter()
        .filter(|r| !r.starts_with(&format!("{}/", hub.url)))
        .collect();
    assert!(
        foreign.is_empty(),
        "requested from other hosts: {foreign:?}"
    );
    browser.close().await.expect("close the session");
}
