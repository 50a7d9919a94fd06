//! The hub's pages in a real Chromium, driven through chromedriver: GraphiQL loads from the hub
//! alone and runs its default query. Chromium resolves no host but the loopback, as on a
//! terminal without internet, and the page's resource list must name nothing but the hub.
//!
//! Ignored by default: it needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's
//! `chromium` and `chromium-driver`), which `.ci/run` installs when missing, and runs as
//!
//! ```sh
//! cargo test --test browser -- --ignored
//! ```
//!
//! Screenshots go to `target/screenshots/`, for a reviewer to look at.

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a port of its own, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = support::free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (apt-get install chromium-driver)");
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A headless Chromium session that can reach 127.0.0.1 and nothing else.
    async fn session(&self) -> Client {
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,800",
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                ],
            }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object")
        };
        let started = Instant::now();
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&self.url)
                .await
            {
                Ok(client) => return client,
                // chromedriver takes a moment to listen.
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session from {}: {e}", self.url),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}

/// Evaluates `script` until it returns a truthy value, or panics after `within`.
async fn wait_for(browser: &Client, script: &str, within: Duration) -> Value {
    let started = Instant::now();
    loop {
        let value = browser.execute(script, vec![]).await.expect("script");
        if !value.is_null() && value != json!(false) && value != json!("") {
            return value;
        }
        assert!(
            started.elapsed() < within,
            "not within {within:?}: {script}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

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
        .goto(&format!("{}/graphql", hub.url))
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
    browser.close().await.expect("close the session");
}
