//! Chromium driven through chromedriver, shared by `tests/browser.rs` and
//! `tests/browser_upload.rs`: the driver process, a headless session that resolves nothing but
//! the loopback (as on a terminal without internet), the screenshot folder, and polling a
//! script until the page is ready. Each test crate includes it beside `support/mod.rs`, whose
//! `free_port` it uses.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

use crate::support;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a port of its own, killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    pub fn start() -> Driver {
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
    pub async fn session(&self) -> Client {
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
            },
            // The console's messages, read back through chromedriver's log endpoint.
            "goog:loggingPrefs": { "browser": "ALL" },
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

pub fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}

/// Evaluates `script` until it returns a truthy value, or panics after `within`.
pub async fn wait_for(browser: &Client, script: &str, within: Duration) -> Value {
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
