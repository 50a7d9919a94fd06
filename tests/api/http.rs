//! The HTTP endpoints beside GraphQL.

use crate::db_tests;
use crate::helpers::{Backend, TestApp};

async fn health_readiness_and_graphiql_answer(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    let health = get("/healthz").await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = get("/readyz").await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let page = get("/graphql").await.expect("graphiql");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("body")
            .to_lowercase()
            .contains("graphiql")
    );
    // Once the database is gone, the process is still healthy but no longer ready.
    app.db.clone().close().await.expect("close pool");
    assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
    assert_eq!(get("/readyz").await.expect("readyz").status(), 503);
}

db_tests!(health_readiness_and_graphiql_answer);

async fn metrics_count_requests_errors_and_statements(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let scrape = || async {
        let response = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .expect("metrics");
        assert_eq!(response.status(), 200);
        response.text().await.expect("body")
    };
    let value = |text: &str, name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
    };
    app.data(
        r#"{ municipality(slug: "hofu") { nameJa } }"#,
        serde_json::json!({}),
    )
    .await;
    app.errors(
        r#"{ municipality(slug: "atlantis") { nameJa } }"#,
        serde_json::json!({}),
    )
    .await;
    let text = scrape().await;
    assert_eq!(value(&text, "kyodo_hub_graphql_requests_total"), 2.0);
    assert_eq!(
        value(&text, "kyodo_hub_graphql_errors_total{code=\"NOT_FOUND\"}"),
        1.0
    );
    assert_eq!(
        value(&text, "kyodo_hub_graphql_request_duration_seconds_count"),
        2.0
    );
    assert_eq!(
        value(
            &text,
            "kyodo_hub_graphql_request_duration_seconds_bucket{le=\"+Inf\"}"
        ),
        2.0
    );
    assert!(value(&text, "kyodo_hub_sql_statements_total") >= 2.0);
    assert!(value(&text, "kyodo_hub_db_pool_connections") >= 1.0);
    // Dashboards and alerts read these names and texts.
    for help in [
        "# HELP kyodo_hub_graphql_requests_total GraphQL requests answered.\n",
        "# HELP kyodo_hub_graphql_errors_total Errors in GraphQL responses, by extensions.code.\n",
        "# HELP kyodo_hub_graphql_request_duration_seconds Time to answer a GraphQL request.\n",
        "# HELP kyodo_hub_sql_statements_total SQL statements sent to the database.\n",
        "# HELP kyodo_hub_db_pool_connections Open database connections.\n",
        "# HELP kyodo_hub_db_pool_idle_connections Open connections not in use.\n",
    ] {
        assert!(text.contains(help), "{help} missing from\n{text}");
    }
}

db_tests!(metrics_count_requests_errors_and_statements);

/// A connection that sends nothing, or a header a byte at a time, is closed once the header
/// deadline passes, while other clients go on being served.
async fn silent_and_slow_connections_are_closed_at_the_header_deadline(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Arrange
    let app = TestApp::spawn_with(
        &b,
        kyodo_hub::config::ServeConfig {
            http: kyodo_hub::config::HttpLimits {
                header_read_timeout_secs: 1,
                ..Default::default()
            },
            ..crate::helpers::uncached()
        },
    )
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(
            tokio::net::TcpStream::connect(&host)
                .await
                .expect("connect"),
        );
    }
    let mut slow = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    // Act: the slow client keeps sending, never finishing its header.
    let dripping = tokio::spawn(async move {
        let mut sent = 0;
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        sent
    });
    // Assert: others are served meanwhile…
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    // …and every silent connection is closed by the server (read ends) well within 10 s.
    for mut s in silent {
        let mut buf = [0u8; 256];
        let read = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut buf))
            .await
            .expect("the hub closed a silent connection within 10 s");
        // Either a clean close, or a reset; never an answer.
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
    let sent = dripping.await.expect("drip task");
    assert!(
        sent < 60,
        "a header sent a byte at a time was accepted for {sent} bytes"
    );
}

db_tests!(silent_and_slow_connections_are_closed_at_the_header_deadline);

fn hub_binary() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
}

/// `--cors-origins '*'` lets any page read the public API; an origin that could never match
/// stops `serve` before it touches the database.
#[tokio::test]
async fn cors_accepts_any_origin_and_refuses_malformed_ones_at_start() {
    // Arrange: an origin with a trailing slash is refused before migrating.
    let dir = tempfile::tempdir().expect("folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("hub.sqlite").display()
    );
    let out = hub_binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--cors-origins"])
        .arg("https://kyodo.example.jp/")
        .env("DATABASE_URL", &url)
        .output()
        .expect("run kyodo-hub");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("write `https://kyodo.example.jp`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.path().join("hub.sqlite").exists(), "nothing migrated");

    // Act: `*` serves.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let mut child = hub_binary()
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--cors-origins",
            "*",
        ])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start");
    let client = reqwest::Client::new();
    let mut answer = None;
    for _ in 0..120 {
        if let Ok(r) = client
            .post(format!("http://127.0.0.1:{port}/graphql"))
            .header("origin", "https://portal.city.example.jp")
            .json(&serde_json::json!({ "query": "{ municipalities { slug } }" }))
            .send()
            .await
        {
            answer = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    // Assert
    let answer = answer.expect("serve with --cors-origins '*' answered");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    assert!(
        answer
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

/// GraphiQL's page names its files on the hub, by a hash of their content, and the files come
/// with their types and a year's lifetime; in production mode neither is served.
#[tokio::test]
async fn graphiql_and_its_files_come_from_the_hub() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let get = |path: String| app.client.get(format!("{}{path}", app.address)).send();
    let page = get("/graphql".into()).await.expect("page");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let page = page.text().await.expect("body");
    assert!(
        !page.contains("unpkg") && !page.contains("https://"),
        "{page}"
    );
    let files: Vec<&str> = page
        .split('"')
        .filter(|s| s.starts_with("/graphiql/"))
        .collect();
    assert_eq!(files.len(), 6, "{page}");
    for file in files {
        assert!(file.contains("?v="), "{file} is not versioned");
        let response = get(file.to_owned()).await.expect("file");
        assert_eq!(response.status(), 200, "{file}");
        let expected = if file.contains(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(response.headers()["content-type"], expected, "{file}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(!response.bytes().await.expect("bytes").is_empty());
    }
    let script = get("/graphiql/graphiql.min.js".into())
        .await
        .expect("script");
    assert!(
        script
            .text()
            .await
            .expect("text")
            .contains("graphiql-execute-button")
    );
    assert_eq!(
        get("/graphiql/../Cargo.toml".into())
            .await
            .expect("request")
            .status(),
        404
    );

    let production = TestApp::spawn_with(
        &Backend::Sqlite,
        kyodo_hub::config::ServeConfig {
            production: true,
            ..Default::default()
        },
    )
    .await;
    let response = production
        .client
        .get(format!("{}/graphiql/graphiql.min.js", production.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
}

/// GraphQL over HTTP: the answer's media type follows `Accept`, and under
/// `application/graphql-response+json` a request that does not parse, validate or take its
/// variables is 400 without `data`, while a resolver's error is still an answer (200, `data`).
#[tokio::test]
async fn the_answer_type_follows_accept_and_request_errors_are_400() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let send = |accept: Option<&'static str>, query: &'static str, variables: serde_json::Value| {
        let mut request = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let media = response.headers()["content-type"]
                .to_str()
                .expect("text")
                .to_owned();
            let body: serde_json::Value = response.json().await.expect("JSON");
            (status, media, body)
        }
    };
    let good = "{ municipality(slug: \"hofu\") { nameJa } }";
    let strict = Some("application/graphql-response+json");
    for accept in [
        None,
        Some("application/json"),
        Some("*/*"),
        Some("text/html"),
    ] {
        let (status, media, body) = send(accept, good, serde_json::json!({})).await;
        assert_eq!(
            (status, media.as_str()),
            (200, "application/json"),
            "{accept:?}"
        );
        assert_eq!(body["data"]["municipality"]["nameJa"], "防府市");
    }
    for accept in [
        strict,
        Some("application/graphql-response+json, application/json;q=0.9"),
    ] {
        let (status, media, _) = send(accept, good, serde_json::json!({})).await;
        assert_eq!(
            (status, media.as_str()),
            (200, "application/graphql-response+json")
        );
    }
    let (_, media, _) = send(
        Some("application/graphql-response+json;q=0.5, application/json"),
        good,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(media, "application/json");

    let typed = "query ($slug: String!) { municipality(slug: $slug) { nameJa } }";
    let request_errors: [(&'static str, serde_json::Value); 3] = [
        ("{ municipality(slug: ", serde_json::json!({})),
        (
            "{ municipality(slug: \"hofu\") { noSuchField } }",
            serde_json::json!({}),
        ),
        (typed, serde_json::json!({ "slug": 5 })),
    ];
    for (query, variables) in request_errors {
        let (status, media, body) = send(strict, query, variables.clone()).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(media, "application/graphql-response+json");
        assert!(body.get("data").is_none(), "{query}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        // Under application/json the same request is answered 200, as before.
        let (status, _, body) = send(None, query, variables).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert!(body["errors"].is_array());
    }
    // A resolver's error is part of an answer: 200 with `data`.
    let (status, _, body) = send(
        strict,
        "{ municipality(slug: \"atlantis\") { nameJa } }",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("data").is_some(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

/// `KYODO_HUB_PRODUCTION=1` (and `yes`, `on`) turns production mode on, as `true` does; `0`
/// leaves it off.
#[tokio::test]
async fn production_mode_from_the_environment_takes_1_and_yes() {
    let client = reqwest::Client::new();
    for (value, graphiql) in [("1", 404), ("yes", 404), ("0", 200)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("hub.sqlite").display()
        );
        let hub = crate::support::Serve::new(&database)
            .env("KYODO_HUB_PRODUCTION", value)
            .start()
            .await;
        let page = client
            .get(format!("{}/graphql", hub.url))
            .send()
            .await
            .expect("request");
        assert_eq!(page.status(), graphiql, "KYODO_HUB_PRODUCTION={value}");
    }
}
