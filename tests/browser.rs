//! The hub's pages in a real Chromium, driven through chromedriver: GraphiQL loads from the hub
//! alone and runs its default query; every portal page type, for each of the five cities, shows
//! the facts the GraphQL API gives, fits a 375 px screen without sideways scrolling, logs no
//! console error, applies its print stylesheet, and passes axe-core without a serious or
//! critical violation. Chromium resolves no host but the loopback, as on a terminal without
//! internet, and the page's resource list must name nothing but the hub.
//!
//! axe-core comes from `examples/tooling/node_modules/` (`npm ci` there, as CI does before this
//! step); without it the accessibility check is skipped with a message.
//!
//! Ignored by default: it needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's
//! `chromium` and `chromium-driver`), which `.ci/run` installs when missing, and runs as
//!
//! ```sh
//! cargo test --test browser -- --ignored
//! ```
//!
//! Screenshots go to `target/screenshots/`, for a reviewer to look at.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use chromium::{Driver, screenshots, wait_for};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; .ci/run installs them and runs it"]
async fn graphiql_loads_offline_and_runs_the_default_query() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("hub.sqlite").display()
    );
    let hub = support::Serve::new(&database).start().await;
    let driver = Driver::start();
    let browser = driver.session().await;

    browser
        .goto(&format!("{}/graphiql", hub.url))
        .await
        .expect("open GraphiQL");
    let run = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(".graphiql-execute-button"))
        .await
        .expect("GraphiQL renders its run button");
    // The schema arrives by introspection before the editor is ready to run.
    tokio::time::sleep(Duration::from_secs(1)).await;
    run.click().await.expect("run the default query");
    let result = wait_for(
        &browser,
        "const r = document.querySelector('.result-window'); \
         return r && r.innerText.includes('\"kurashiki\"') ? r.innerText : null;",
        Duration::from_secs(30),
    )
    .await;
    let result = result.as_str().unwrap_or_default();
    for slug in ["hofu", "yamaguchi", "kurashiki", "shimonoseki", "toyonaka"] {
        assert!(
            result.contains(&format!("\"{slug}\"")),
            "{slug} not in GraphiQL's result:\n{result}"
        );
    }
    assert!(!result.contains("\"errors\""), "{result}");

    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("graphiql.png"), png).expect("write screenshot");

    // Every resource the page loaded, the failed ones included, came from the hub.
    let resources = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .expect("resource list");
    let resources: Vec<String> = serde_json::from_value(resources).expect("a list of URLs");
    assert!(
        resources
            .iter()
            .any(|r| r.contains("/graphiql/graphiql.min.js")),
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
    // Its Content-Security-Policy blocked nothing it needs, and nothing else failed.
    let errors = console_errors(&browser).await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await.expect("close the session");
}

/// A Chrome DevTools command, sent through chromedriver's `goog/cdp/execute`: device metrics
/// for a phone's width, print media, PDF printing.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// The browser console's messages since the last call (chromedriver's log endpoint).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

async fn cdp(browser: &Client, cmd: &'static str, params: Value) -> Value {
    browser
        .issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// The console's errors since the last call.
async fn console_errors(browser: &Client) -> Vec<String> {
    let log = browser.issue_cmd(BrowserLog).await.expect("browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A whole number as the pages write it: 474592 → "474,592".
fn grouped(value: f64) -> String {
    let digits = format!("{}", value.abs().round() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

async fn graphql(hub: &str, query: &str, variables: Value) -> Value {
    let body: Value = reqwest::Client::new()
        .post(format!("{hub}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("GraphQL request")
        .json()
        .await
        .expect("GraphQL answer");
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

/// The whole page, not only the window (up to 6,000 px tall), as `target/screenshots/{file}`.
async fn full_screenshot(browser: &Client, file: &str) {
    let size = browser
        .execute(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]",
            vec![],
        )
        .await
        .expect("page size");
    let width = size[0].as_f64().unwrap_or(1280.0);
    let height = size[1].as_f64().unwrap_or(800.0).min(6000.0);
    let shot = cdp(
        browser,
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
        }),
    )
    .await;
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("PNG data"))
        .expect("base64");
    std::fs::write(screenshots().join(file), png).expect("write screenshot");
}

fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/tooling/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            eprintln!(
                "SKIPPED the axe-core check: {} is absent; run `npm ci` in examples/tooling",
                path.display()
            );
            None
        }
    }
}

/// Checks the page open in `browser`: it shows `facts`, asked nothing of another host, logged
/// no error, fits 375 px, prints with its print stylesheet, and axe finds nothing serious.
/// Screenshots go to `target/screenshots/portal-{name}*.png`.
async fn check_page(browser: &Client, hub: &str, name: &str, facts: &[String], axe: Option<&str>) {
    let text = browser
        .execute("return document.body.innerText", vec![])
        .await
        .expect("page text");
    let text = text.as_str().unwrap_or_default();
    for fact in facts {
        assert!(
            text.contains(fact.as_str()),
            "{name}: {fact:?} is not on the page"
        );
    }
    let resources = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .expect("resource list");
    let resources: Vec<String> = serde_json::from_value(resources).expect("URLs");
    let foreign: Vec<&String> = resources
        .iter()
        .filter(|r| !r.starts_with(&format!("{hub}/")))
        .collect();
    assert!(
        foreign.is_empty(),
        "{name}: requested from other hosts: {foreign:?}"
    );
    let errors = console_errors(browser).await;
    assert!(errors.is_empty(), "{name}: console errors: {errors:?}");
    full_screenshot(browser, &format!("portal-{name}.png")).await;

    // A phone: 375 CSS pixels wide, and nothing scrolls sideways but the tables' own boxes.
    cdp(
        browser,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": true }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let overflow = browser
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]",
            vec![],
        )
        .await
        .expect("widths");
    assert!(
        overflow[1].as_i64().is_some_and(|w| w <= 375),
        "{name}: the page is not 375 px wide: {overflow}"
    );
    if overflow[0].as_i64() > overflow[1].as_i64() {
        // Name what sticks out, for whoever fixes it.
        let wide = browser
            .execute(
                "return Array.from(document.querySelectorAll('body *'))
                   .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth
                                && !e.closest('.scroll'))
                   .slice(0, 8)
                   .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
                vec![],
            )
            .await
            .expect("wide elements");
        panic!("{name}: scrolls sideways at 375 px: {overflow}; too wide: {wide}");
    }
    full_screenshot(browser, &format!("portal-{name}-375.png")).await;
    cdp(browser, "Emulation.clearDeviceMetricsOverride", json!({})).await;

    // Print media: navigation, forms and the operation block go; the content stays.
    cdp(
        browser,
        "Emulation.setEmulatedMedia",
        json!({ "media": "print" }),
    )
    .await;
    let printed = browser
        .execute(
            "const shown = s => { const e = document.querySelector(s); return !!e && getComputedStyle(e).display !== 'none'; };
             return { nav: shown('nav.site'), operation: shown('details.operation'), form: shown('form.query'), main: shown('main') };",
            vec![],
        )
        .await
        .expect("print styles");
    assert_eq!(
        printed,
        json!({ "nav": false, "operation": false, "form": false, "main": true }),
        "{name}: the print stylesheet"
    );
    full_screenshot(browser, &format!("portal-{name}-print.png")).await;
    cdp(
        browser,
        "Emulation.setEmulatedMedia",
        json!({ "media": "" }),
    )
    .await;

    if let Some(axe) = axe {
        browser
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .expect("inject axe-core");
        let violations = browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
                          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe-core");
        assert_eq!(violations, json!([]), "{name}: accessibility");
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; .ci/run installs them and runs it"]
async fn every_portal_page_works_offline_in_chromium() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("hub.sqlite").display()
    );
    let hub = support::Serve::new(&database).start().await;
    let driver = Driver::start();
    let browser = driver.session().await;
    browser
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(60)),
            None,
        ))
        .await
        .expect("timeouts");
    let axe = axe_source();

    let all = graphql(
        &hub.url,
        "{ municipalities { slug nameJa code population
             plans { title } indicators { name } bodies { nameJa }
             programs(first: 100) { nodes { title } } supportCenters { nameJa } }
           regions { nameJa } metrics { nameJa } }",
        json!({}),
    )
    .await;
    let cities = all["municipalities"].as_array().expect("cities").clone();
    assert_eq!(cities.len(), 5);

    let mut home_facts: Vec<String> = Vec::new();
    for list in ["municipalities", "regions", "metrics"] {
        for item in all[list].as_array().expect("list") {
            home_facts.push(item["nameJa"].as_str().expect("name").to_owned());
        }
    }
    // The latest changes: each entry's name, from the public feed.
    let feed = graphql(
        &hub.url,
        "{ recentChanges(first: 10) { nodes { label } } }",
        json!({}),
    )
    .await;
    home_facts.push("最近の更新".to_owned());
    home_facts.extend(
        feed["recentChanges"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|n| n["label"].as_str().map(str::to_owned)),
    );
    browser
        .goto(&format!("{}/", hub.url))
        .await
        .expect("open /");
    check_page(&browser, &hub.url, "home", &home_facts, axe.as_deref()).await;

    for city in &cities {
        let slug = city["slug"].as_str().expect("slug");
        let mut facts = vec![
            city["nameJa"].as_str().expect("name").to_owned(),
            city["code"].as_str().expect("code").to_owned(),
        ];
        if let Some(p) = city["population"].as_f64() {
            facts.push(grouped(p));
        }
        for (list, field) in [
            ("plans", "title"),
            ("indicators", "name"),
            ("bodies", "nameJa"),
            ("supportCenters", "nameJa"),
        ] {
            for item in city[list].as_array().into_iter().flatten() {
                facts.push(item[field].as_str().expect(field).to_owned());
            }
        }
        for program in city["programs"]["nodes"].as_array().into_iter().flatten() {
            facts.push(program["title"].as_str().expect("title").to_owned());
        }
        browser
            .goto(&format!("{}/cities/{slug}", hub.url))
            .await
            .expect("open the city page");
        check_page(
            &browser,
            &hub.url,
            &format!("city-{slug}"),
            &facts,
            axe.as_deref(),
        )
        .await;
        if slug == "yamaguchi" {
            // The longest page, printed as a meeting handout would be.
            let pdf = cdp(
                &browser,
                "Page.printToPDF",
                json!({ "printBackground": false }),
            )
            .await;
            let data = pdf["data"].as_str().expect("PDF data");
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("base64");
            assert!(bytes.starts_with(b"%PDF"), "a PDF");
            std::fs::write(screenshots().join("portal-city-yamaguchi.pdf"), bytes)
                .expect("write PDF");
        }
    }

    // The compare page: each city's latest value in its own row, Kurashiki's 140 協働推進員
    // among them.
    let compare = graphql(
        &hub.url,
        "{ compare(metric: \"promotion_officers\") { rows { municipality { nameJa } latest { value fiscalYear } } } }",
        json!({}),
    )
    .await;
    browser
        .goto(&format!("{}/compare?metric=promotion_officers", hub.url))
        .await
        .expect("open the compare page");
    let rows = browser
        .execute(
            "return Array.from(document.querySelectorAll('table.compare tbody tr')).map(tr => tr.innerText)",
            vec![],
        )
        .await
        .expect("table rows");
    let rows: Vec<String> = serde_json::from_value(rows).expect("rows");
    let mut ranked = 0;
    for row in compare["compare"]["rows"].as_array().expect("rows") {
        let name = row["municipality"]["nameJa"].as_str().expect("name");
        let Some(latest) = row["latest"].as_object() else {
            continue;
        };
        let value = grouped(latest["value"].as_f64().expect("value"));
        let year = latest["fiscalYear"].as_i64().expect("year");
        assert!(
            rows.iter().any(|r| r.contains(name)
                && r.contains(&value)
                && r.contains(&format!("{year}年度"))),
            "{name} with {value} (FY{year}) not in the compare table: {rows:?}"
        );
        ranked += 1;
    }
    assert!(ranked >= 3, "values for most cities");
    assert!(
        rows.iter()
            .any(|r| r.contains("倉敷市") && r.contains("140")),
        "Kurashiki's 140 協働推進員: {rows:?}"
    );
    let chart_loaded = browser
        .execute(
            "const img = document.querySelector('figure.chart img'); return img.complete && img.naturalWidth > 0 && img.alt.length > 0;",
            vec![],
        )
        .await
        .expect("chart");
    assert_eq!(
        chart_loaded,
        json!(true),
        "the chart loads and has alt text"
    );
    check_page(&browser, &hub.url, "compare", &[], axe.as_deref()).await;

    browser
        .goto(&format!(
            "{}/compare?metric=promotion_officers&region=yamaguchi-prefecture&per=PER_100K_POPULATION&lang=en",
            hub.url
        ))
        .await
        .expect("open the compare page in English");
    check_page(
        &browser,
        &hub.url,
        "compare-per100k-en",
        &["Per 100,000 inhabitants".into()],
        axe.as_deref(),
    )
    .await;

    let progress = graphql(&hub.url, "{ indicatorProgress { name } }", json!({})).await;
    let names: Vec<String> = progress["indicatorProgress"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_owned())
        .collect();
    browser
        .goto(&format!("{}/indicators", hub.url))
        .await
        .expect("open the indicator page");
    check_page(&browser, &hub.url, "indicators", &names, axe.as_deref()).await;

    let found = graphql(
        &hub.url,
        "{ search(text: \"防災\", first: 10) { edges { node { title } } } }",
        json!({}),
    )
    .await;
    let titles: Vec<String> = found["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().expect("title").to_owned())
        .collect();
    assert!(!titles.is_empty());
    browser
        .goto(&format!("{}/search?q=%E9%98%B2%E7%81%BD", hub.url))
        .await
        .expect("open the search page");
    let marks = browser
        .execute(
            "return document.querySelectorAll('.snippet mark').length",
            vec![],
        )
        .await
        .expect("marks");
    assert!(marks.as_i64().unwrap_or(0) > 0, "highlighted matches");
    check_page(&browser, &hub.url, "search", &titles, axe.as_deref()).await;

    // Forward to the second page and back, by the pager's links, as a reader would.
    let cursor = graphql(
        &hub.url,
        "{ search(text: \"防災\", first: 10) { pageInfo { endCursor } } }",
        json!({}),
    )
    .await["search"]["pageInfo"]["endCursor"]
        .clone();
    let second = graphql(
        &hub.url,
        "query($after: String) { search(text: \"防災\", first: 10, after: $after) { edges { node { title } } } }",
        json!({ "after": cursor }),
    )
    .await;
    let second: Vec<String> = second["search"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().expect("title").to_owned())
        .collect();
    browser
        .find(Locator::Css("nav.pager a[rel=next]"))
        .await
        .expect("a next link")
        .click()
        .await
        .expect("follow it");
    check_page(&browser, &hub.url, "search-2", &second, axe.as_deref()).await;
    browser
        .find(Locator::Css("nav.pager a[rel=prev]"))
        .await
        .expect("a previous link")
        .click()
        .await
        .expect("follow it");
    let url = browser.current_url().await.expect("url");
    assert!(!url.as_str().contains("page="), "back on page 1: {url}");
    check_page(
        &browser,
        &hub.url,
        "search-1-again",
        &titles,
        axe.as_deref(),
    )
    .await;

    browser
        .goto(&format!("{}/cities/atlantis", hub.url))
        .await
        .expect("open an unknown city");
    let text = browser
        .execute("return document.body.innerText", vec![])
        .await
        .expect("text");
    assert!(
        text.as_str().unwrap_or_default().contains("atlantis"),
        "{text}"
    );
    // The 404 itself is logged by Chromium; nothing else may be.
    let errors: Vec<String> = console_errors(&browser)
        .await
        .into_iter()
        .filter(|e| !e.contains("404"))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    browser.close().await.expect("close the session");
}
