//! A real `kyodo-hub serve` process, for the tests that need more than the in-process hub of
//! `helpers.rs`: several processes on one database, kill -9, a database outage, the accept loop
//! under hostile connections. The guard kills the process when it is dropped, so a test that
//! fails leaves no server behind.
//!
//! Included as `mod support` by `tests/api/main.rs`, `tests/faults.rs` and
//! `tests/connections.rs`; each uses a different part, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `Serve::start` waits for `/readyz`: migrating and loading the bundled dataset on a
/// machine busy with other tests takes seconds, not minutes.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A port that was free a moment ago. Another process may take it before the hub binds it;
/// tests that cannot bear that pick their ports otherwise.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Where the process's log (its stderr) goes.
enum Log {
    Discarded,
    Inherited,
    File(PathBuf),
}

/// How to start one `kyodo-hub serve`: the database, extra flags, `RUST_LOG`, extra
/// environment and where the log goes. By default it logs warnings, and discards them.
pub struct Serve {
    database_url: String,
    args: Vec<String>,
    filter: String,
    env: Vec<(String, String)>,
    log: Log,
}

impl Serve {
    pub fn new(database_url: &str) -> Serve {
        Serve {
            database_url: database_url.to_owned(),
            args: Vec::new(),
            filter: "warn".to_owned(),
            env: Vec::new(),
            log: Log::Discarded,
        }
    }

    /// Flags after `serve --addr …`.
    pub fn args(mut self, args: &[&str]) -> Serve {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    /// `RUST_LOG` for the process.
    pub fn log_filter(mut self, filter: &str) -> Serve {
        filter.clone_into(&mut self.filter);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Serve {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Writes the log to a file, which `Hub::log_text` reads and a failed wait prints.
    pub fn log_to(mut self, path: &Path) -> Serve {
        self.log = Log::File(path.to_owned());
        self
    }

    /// Lets the log through to the test's own stderr.
    pub fn log_inherited(mut self) -> Serve {
        self.log = Log::Inherited;
        self
    }

    /// Starts the process without waiting for it to be ready.
    pub fn spawn(self) -> Hub {
        let address = format!("127.0.0.1:{}", free_port());
        let stderr = match &self.log {
            Log::Discarded => Stdio::null(),
            Log::Inherited => Stdio::inherit(),
            Log::File(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
        };
        let child = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
            .args(["serve", "--addr", &address])
            .args(&self.args)
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", &self.filter)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start kyodo-hub");
        Hub {
            child,
            url: format!("http://{address}"),
            address,
            log: match self.log {
                Log::File(path) => Some(path),
                Log::Discarded | Log::Inherited => None,
            },
        }
    }

    /// Starts the process and waits until it is ready.
    pub async fn start(self) -> Hub {
        let mut hub = self.spawn();
        hub.ready(READY_WITHIN).await;
        hub
    }
}

/// A running `kyodo-hub serve`, killed when dropped.
pub struct Hub {
    child: Child,
    /// `127.0.0.1:port`, for raw TCP connections.
    pub address: String,
    /// `http://127.0.0.1:port`.
    pub url: String,
    log: Option<PathBuf>,
}

impl Hub {
    /// Waits until `/readyz` answers 200; panics with the log if the process ends first or
    /// `within` passes.
    pub async fn ready(&mut self, within: Duration) {
        let started = Instant::now();
        // The timeout only bounds a probe the hub accepted and never answered.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        while started.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "kyodo-hub on {} exited ({status}):\n{}",
                    self.url,
                    self.log_text()
                );
            }
            if client
                .get(format!("{}/readyz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "kyodo-hub on {} not ready after {within:?}:\n{}",
            self.url,
            self.log_text()
        );
    }

    /// The log so far, when it goes to a file; empty otherwise.
    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: the process gets no chance to finish what it was doing.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.kill();
    }
}
