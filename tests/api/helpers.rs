//! A running hub for each test: a fresh database (an SQLite file in a temporary folder, or a
//! new PostgreSQL database named at random when `TEST_DATABASE_URL` is set), migrated and
//! loaded exactly as `kyodo-hub serve` does, behind a real TCP listener.

use std::sync::atomic::{AtomicU32, Ordering};

use kyodo_hub::db::StatementCounter;
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL, when `TEST_DATABASE_URL` names a server to create test databases on.
    pub fn postgres() -> Option<Backend> {
        std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
            .map(Backend::Postgres)
    }
}

/// Runs each listed `async fn(Backend)` once on SQLite and once on PostgreSQL. Without
/// `TEST_DATABASE_URL` the PostgreSQL run says it was skipped; CI always sets it.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    match $crate::helpers::Backend::postgres() {
                        Some(backend) => super::$name(backend).await,
                        None => eprintln!("skipped: set TEST_DATABASE_URL=postgres://… to run on PostgreSQL"),
                    }
                }
            }
        )+
    };
}

/// The default limits without the response cache.
pub fn uncached() -> kyodo_hub::config::ServeConfig {
    kyodo_hub::config::ServeConfig {
        cache: kyodo_hub::config::CacheConfig {
            response_cache_entries: 0,
            ..Default::default()
        },
        ..kyodo_hub::config::ServeConfig::default()
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn create(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("hub.sqlite").display()
                );
                TestDb {
                    url,
                    _dir: Some(dir),
                    drop_pg: None,
                }
            }
            Backend::Postgres(admin_url) => {
                use sea_orm::{ConnectionTrait, Database};
                let name = format!(
                    "kyodo_test_{}_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    chrono::Utc::now().timestamp_subsec_nanos()
                );
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                TestDb {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    drop_pg: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

impl TestDb {
    /// The same database under a second name that does not remove it: for a second hub on a
    /// database the first one (which still owns it) prepared.
    pub fn alias(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            _dir: None,
            drop_pg: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Dropping runs outside async context; a short-lived runtime on its own thread removes
        // the PostgreSQL database so repeated runs do not pile them up.
        if let Some((admin_url, name)) = self.drop_pg.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    use sea_orm::{ConnectionTrait, Database};
                    if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub statements: StatementCounter,
    pub db: sea_orm::DatabaseConnection,
    pub test_db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// A hub serving the bundled dataset, as after `kyodo-hub serve` on an empty database.
    pub async fn spawn(backend: &Backend) -> TestApp {
        let test_db = TestDb::create(backend).await;
        TestApp::serve(test_db).await
    }

    /// A hub over an existing database (`serve` migrates it and fills it if empty). The
    /// response cache is off: tests count what a query costs to execute, and re-read data that
    /// other connections change. `spawn_with` turns it on.
    pub async fn serve(test_db: TestDb) -> TestApp {
        TestApp::serve_with(test_db, uncached()).await
    }

    /// A hub serving the bundled dataset with the given limits.
    pub async fn spawn_with(backend: &Backend, limits: kyodo_hub::config::ServeConfig) -> TestApp {
        let test_db = TestDb::create(backend).await;
        TestApp::serve_with(test_db, limits).await
    }

    async fn serve_with(test_db: TestDb, limits: kyodo_hub::config::ServeConfig) -> TestApp {
        let state = kyodo_hub::app::prepare_with(&test_db.url, limits)
            .await
            .expect("prepare app");
        TestApp::serve_state(test_db, state).await
    }

    /// A hub serving `state`, prepared over `test_db` and changed by the test.
    pub async fn serve_state(test_db: TestDb, state: kyodo_hub::http::AppState) -> TestApp {
        let statements = state.statements.clone();
        let db = state.db.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let connections = kyodo_hub::http::server::ConnectionLimits::of(&state.limits);
        let router = kyodo_hub::http::router(state);
        // The accept loop `serve` uses, timeouts and connection cap included.
        let server = tokio::spawn(async move {
            kyodo_hub::http::server::serve(listener, router, connections, std::future::pending())
                .await
                .expect("server");
        });
        TestApp {
            address,
            client: reqwest::Client::new(),
            statements,
            db,
            test_db,
            server,
        }
    }

    /// POSTs an operation and returns the whole response body.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("JSON body")
    }

    /// The `data` of an operation that must succeed.
    /// GETs `path` (with its query string) from the hub, as a browser or spreadsheet would.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.post(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected errors: {:#}",
            body["errors"]
        );
        body["data"].clone()
    }

    /// The errors of an operation that must fail, as (code, message) pairs.
    pub async fn errors(&self, query: &str, variables: Value) -> Vec<(String, String)> {
        let body = self.post(query, variables).await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected errors, got {body:#}"));
        errors
            .iter()
            .map(|e| {
                (
                    e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
                    e["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }
}

impl TestApp {
    /// Creates an API token as `kyodo-hub token create` does and returns its secret.
    pub async fn token(&self, municipality: Option<&str>, role: &str, label: &str) -> String {
        let role = role.parse().expect("role");
        kyodo_hub::write::auth::create(&self.db, municipality, role, label)
            .await
            .expect("create token")
            .secret
    }

    /// POSTs an operation with `Authorization: Bearer <token>`; returns status and body.
    pub async fn post_as(&self, token: &str, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// The `data` of an operation, sent with a token, that must succeed.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post_as(token, query, variables).await;
        assert_eq!(status, 200, "HTTP {status}: {body:#}");
        assert!(
            body.get("errors").is_none(),
            "unexpected errors: {:#}",
            body["errors"]
        );
        body["data"].clone()
    }

    /// The first error of an operation, sent with a token, that must fail: (code, message).
    pub async fn error_as(&self, token: &str, query: &str, variables: Value) -> (String, String) {
        let (_, body) = self.post_as(token, query, variables).await;
        let e = &body["errors"][0];
        assert!(e.is_object(), "expected an error, got {body:#}");
        (
            e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
            e["message"].as_str().unwrap_or("").to_owned(),
        )
    }

    /// A fingerprint of everything the API writes: row counts, version sums and the audit
    /// trail's length. Equal fingerprints mean nothing was written in between.
    pub async fn fingerprint(&self) -> Vec<(String, i64)> {
        use sea_orm::{ConnectionTrait, Statement};
        let mut out = Vec::new();
        for table in [
            "observations",
            "indicator_values",
            "programs",
            "activities",
            "proposals",
            "bodies",
            "meetings",
            "support_centers",
            "schedule_entries",
        ] {
            let sql = format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS v FROM {table}"
            );
            let row = self
                .db
                .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
                .await
                .expect("count")
                .expect("row");
            out.push((
                format!("{table} rows"),
                row.try_get::<i64>("", "n").expect("n"),
            ));
            out.push((
                format!("{table} versions"),
                row.try_get::<i64>("", "v").expect("v"),
            ));
        }
        for table in ["changes", "agenda_items", "search_documents"] {
            let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}");
            let row = self
                .db
                .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
                .await
                .expect("count")
                .expect("row");
            out.push((
                format!("{table} rows"),
                row.try_get::<i64>("", "n").expect("n"),
            ));
        }
        out
    }
}

/// Finds the one element of a JSON array whose `key` equals `value`.
pub fn find<'a>(list: &'a Value, key: &str, value: impl Into<Value>) -> &'a Value {
    let value = value.into();
    let matches: Vec<&Value> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .filter(|item| item[key] == value)
        .collect();
    assert_eq!(
        matches.len(),
        1,
        "expected one element with {key} = {value} in {list:#}"
    );
    matches[0]
}

/// Runs the real binary on the test's database: (exit success, stdout, stderr).
/// Imports the dataset file `name` with the text `text` through a connection of its own, as
/// `kyodo-hub import` in another process would: the hub sees it only through the database.
pub async fn import_elsewhere(app: &TestApp, name: &str, text: &str) {
    let dataset = kyodo_hub::dataset::Dataset::from_texts([(name, text)]).expect("dataset");
    let other = kyodo_hub::db::connect(&app.test_db.url)
        .await
        .expect("connect");
    kyodo_hub::dataset::import::import(&other.conn, &dataset)
        .await
        .expect("import");
}

pub fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args(args)
        .env("DATABASE_URL", &app.test_db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run kyodo-hub");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
