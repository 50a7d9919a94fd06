//! The public endpoint refuses hostile requests cheaply — before any resolver or SQL runs —
//! with a clear code, and the next normal request is unaffected.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

const NORMAL: &str = r#"{ municipality(slug: "hofu") { nameJa } }"#;

/// Sends a hostile operation; returns its error code and checks that it cost no SQL and that
/// a normal request still works afterwards.
async fn refused(app: &TestApp, query: &str) -> (String, String) {
    let before = app.statements.get();
    let errors = app.errors(query, json!({})).await;
    assert_eq!(
        app.statements.get(),
        before,
        "a refused request must not reach the database"
    );
    let data = app.data(NORMAL, json!({})).await;
    assert_eq!(data["municipality"]["nameJa"], "防府市");
    errors[0].clone()
}

#[tokio::test]
async fn depth_complexity_aliases_and_root_fields_are_limited() {
    let app = TestApp::spawn(&Backend::Sqlite).await;

    // 11 levels: policy → plan → policies → … beyond the default depth of 10.
    let deep = r#"{ municipality(slug: "yamaguchi") { plans { policies { plan { policies { plan {
        policies { plan { policies { plan { title } } } } } } } } } } }"#;
    let (code, message) = refused(&app, deep).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{message}");

    // Three pages of 100 results, each result asking for 20 fields: 3 × 100 × 20 > 5,000.
    let fields = "kind title snippet score municipality { code slug nameJa nameEn nameKana population populationYear id \
                  prefecture { code nameJa nameEn } }";
    let heavy = format!(
        r#"{{ a: search(text: "防", first: 100) {{ edges {{ node {{ {fields} }} }} }}
             b: search(text: "災", first: 100) {{ edges {{ node {{ {fields} }} }} }}
             c: search(text: "協", first: 100) {{ edges {{ node {{ {fields} }} }} }} }}"#
    );
    let (code, message) = refused(&app, &heavy).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{message}");
    // The same with one page of 20 is an ordinary request.
    let light =
        format!(r#"{{ search(text: "防", first: 20) {{ edges {{ node {{ {fields} }} }} }} }}"#);
    app.data(&light, json!({})).await;

    // 31 aliases.
    let aliases: Vec<String> = (0..31)
        .map(|i| format!("a{i}: metrics {{ code }}"))
        .collect();
    let (code, message) = refused(&app, &format!("{{ {} }}", aliases.join(" "))).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{message}");
    assert!(message.contains("31 aliases"), "{message}");

    // 21 root fields, some behind a fragment.
    let roots = "fragment F on Query { regions { slug } metrics { code } }
        { __typename f1: fiscalYear(label: \"H1\") { year } f2: fiscalYear(label: \"H2\") { year }
          f3: fiscalYear(label: \"H3\") { year } f4: fiscalYear(label: \"H4\") { year } f5: fiscalYear(label: \"H5\") { year }
          f6: fiscalYear(label: \"H6\") { year } f7: fiscalYear(label: \"H7\") { year } f8: fiscalYear(label: \"H8\") { year }
          f9: fiscalYear(label: \"H9\") { year } f10: fiscalYear(label: \"H10\") { year } f11: fiscalYear(label: \"H11\") { year }
          f12: fiscalYear(label: \"H12\") { year } f13: fiscalYear(label: \"H13\") { year } f14: fiscalYear(label: \"H14\") { year }
          f15: fiscalYear(label: \"H15\") { year } f16: fiscalYear(label: \"H16\") { year } f17: fiscalYear(label: \"H17\") { year }
          f18: fiscalYear(label: \"H18\") { year } ...F }";
    let (code, message) = refused(&app, roots).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{message}");
    assert!(message.contains("21 root fields"), "{message}");

    // A chain of 600 fragments (validation would follow every spread of every one).
    let mut chain = String::from("{ ...F0 }");
    for i in 0..600 {
        chain.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
    }
    chain.push_str(" fragment F600 on Query { __typename }");
    let (code, message) = refused(&app, &chain).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{message}");
    assert!(
        message.contains("602 operations and fragments"),
        "{message}"
    );

    // `first` outside 1–100.
    let errors = app
        .errors(
            r#"{ search(text: "防", first: 1000) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(errors[0].0, "BAD_USER_INPUT");
}

#[tokio::test]
async fn oversized_and_cross_site_posts_are_refused_at_the_http_layer() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let url = format!("{}/graphql", app.address);

    // 70 KiB of body: 413 before it is parsed.
    let padding = " ".repeat(70 * 1024);
    let response = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"query": "{{ metrics {{ code }} }}{padding}"}}"#
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);

    // A form-encoded or text POST is what a cross-site form can send without a preflight.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = app
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(r#"{"query": "{ metrics { code } }"}"#)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 415, "{content_type}");
    }
    // With a preflight header the same request is allowed.
    let response = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .header("apollo-require-preflight", "true")
        .body(r#"{"query": "{ metrics { code } }"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["data"]["metrics"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    // And ordinary JSON requests go on working.
    app.data(NORMAL, json!({})).await;
}

#[tokio::test]
async fn production_mode_turns_off_introspection_suggestions_and_graphiql() {
    let limits = kyodo_hub::config::ServeConfig {
        production: true,
        ..Default::default()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    // Introspection answers nothing: no types to discover.
    let body = app
        .post(
            "{ __schema { types { name } } __type(name: \"Municipality\") { name } }",
            json!({}),
        )
        .await;
    assert!(
        body["data"]["__schema"].is_null() && body["data"]["__type"].is_null(),
        "{body}"
    );
    let errors = app.errors("{ municipalitie { code } }", json!({})).await;
    assert!(!errors[0].1.contains("Did you mean"), "{errors:?}");
    let page = app
        .client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 404);
    app.data(NORMAL, json!({})).await;

    // Outside production mode, suggestions help developers.
    let dev = TestApp::spawn(&Backend::Sqlite).await;
    let errors = dev.errors("{ municipalitie { code } }", json!({})).await;
    assert!(errors[0].1.contains("Did you mean"), "{errors:?}");
}

#[tokio::test]
async fn only_configured_portal_origins_get_cors_headers() {
    let limits = kyodo_hub::config::ServeConfig {
        http: kyodo_hub::config::HttpLimits {
            cors_origins: vec![kyodo_hub::config::CorsOrigin::Exact(
                "https://portal.example.jp".to_owned(),
            )],
            ..Default::default()
        },
        ..Default::default()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://portal.example.jp")
        .await
        .expect("preflight");
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://portal.example.jp")
    );
    let other = preflight("https://evil.example.com")
        .await
        .expect("preflight");
    assert!(other.headers().get("access-control-allow-origin").is_none());
    app.data(NORMAL, json!({})).await;
}

#[tokio::test]
async fn portals_can_send_a_query_by_its_hash() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let hash = format!("{:x}", Sha256::digest(NORMAL.as_bytes()));
    let by_hash =
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    let send = |body: Value| {
        app.client
            .post(format!("{}/graphql", app.address))
            .json(&body)
            .send()
    };
    // Unknown hash: the client is told to send the text once.
    let first: Value = send(by_hash.clone())
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        first["errors"][0]["message"], "PersistedQueryNotFound",
        "{first}"
    );
    // The code Apollo's clients act on (it was BAD_USER_INPUT, which they do not recognise).
    assert_eq!(
        first["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{first}"
    );
    // With the text, it is answered and remembered …
    let mut with_text = by_hash.clone();
    with_text["query"] = json!(NORMAL);
    let second: Value = send(with_text)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(second["data"]["municipality"]["nameJa"], "防府市");
    // … so the hash alone is enough from then on.
    let third: Value = send(by_hash)
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(third["data"]["municipality"]["nameJa"], "防府市", "{third}");
}

#[tokio::test]
async fn expensive_operations_are_rate_limited_by_cost_with_retry_after() {
    // A budget of 300 units refilling at 100 a second; the page below costs 50 × 4 + 1 = 201.
    let limits = kyodo_hub::config::ServeConfig {
        rate: kyodo_hub::config::RateLimits {
            rate_limit_burst: 300,
            rate_limit_per_second: 100,
            ..Default::default()
        },
        // Answers from the response cache cost nothing and are not charged; this test is
        // about executed operations.
        ..crate::helpers::uncached()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let page = json!({ "query": r#"{ search(text: "協働", first: 50) { edges { node { kind title } } } }"# });
    let send = || {
        app.client
            .post(format!("{}/graphql", app.address))
            .json(&page)
            .send()
    };

    let first = send().await.expect("request");
    assert_eq!(first.status(), 200);
    let before = app.statements.get();
    let second = send().await.expect("request");
    let retry = too_many_requests(&second);
    assert!((1..=3).contains(&retry), "{retry}");
    let body: Value = second.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert_eq!(app.statements.get(), before, "refused before any SQL");

    // A cheap request still fits the remaining budget, and after waiting the page is served.
    app.data(r#"{ metrics { code } }"#, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_secs(retry + 1)).await;
    assert_eq!(send().await.expect("request").status(), 200);

    // A page costing more than the whole budget (100 × 4 + 1 > 300) could never run: it is
    // refused as such, not told to come back (the wait it would have been told was u64::MAX).
    let big = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": r#"{ search(text: "協働", first: 100) { edges { node { kind title } } } }"# }))
        .send()
        .await
        .expect("request");
    assert_eq!(big.status(), 200);
    assert!(big.headers().get("retry-after").is_none());
    let body: Value = big.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("can never run"), "{message}");
}

#[tokio::test]
async fn safelist_mode_runs_registered_operations_only() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/queries");
    let limits = kyodo_hub::config::ServeConfig {
        query: kyodo_hub::config::QueryLimits {
            safelist: Some(dir.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let registered =
        std::fs::read_to_string(dir.join("municipality-overview.graphql")).expect("example");
    let data = app.data(&registered, json!({ "slug": "toyonaka" })).await;
    assert_eq!(data["municipality"]["nameJa"], "豊中市");
    // The same operation laid out differently is still the registered one.
    let reflowed: String = registered
        .lines()
        .map(|l| format!("      {}", l.trim()))
        .collect::<Vec<_>>()
        .join("\n\n");
    let data = app.data(&reflowed, json!({ "slug": "hofu" })).await;
    assert_eq!(data["municipality"]["nameJa"], "防府市");
    let before = app.statements.get();
    let errors = app.errors(NORMAL, json!({})).await;
    assert_eq!(errors[0].0, "FORBIDDEN");
    assert_eq!(app.statements.get(), before);
    app.data(&registered, json!({})).await;
}

/// A request with `Authorization: Bearer <token>`, from the client `forwarded_for` names.
async fn with_token(app: &TestApp, token: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({ "query": "{ municipality(slug: \"hofu\") { nameJa } }" }));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.expect("request")
}

#[tokio::test]
async fn bad_tokens_are_limited_per_client_before_any_check() {
    // Three bad tokens a minute: one comes back every 20 s.
    let limits = kyodo_hub::config::ServeConfig {
        rate: kyodo_hub::config::RateLimits {
            auth_failures_per_minute: 3,
            ..Default::default()
        },
        ..crate::helpers::uncached()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let good = app.token(Some("352063"), "EDITOR", "hofu").await;
    let (id, _) = good
        .strip_prefix("khub_")
        .and_then(|rest| rest.split_once('_'))
        .expect("khub_<id>_<secret>");
    let wrong = format!("khub_{id}_{}", "A".repeat(43));

    for _ in 0..3 {
        assert_eq!(with_token(&app, &wrong, None).await.status(), 401);
    }
    // Spent: even the right token is not checked now, and nothing reaches the database.
    let before = app.statements.get();
    let refused = with_token(&app, &good, None).await;
    let retry = too_many_requests(&refused);
    assert!((1..=20).contains(&retry), "{retry}");
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many bad tokens")),
        "{body}"
    );
    assert_eq!(app.statements.get(), before, "refused before any SQL");

    // The same client without a token is served as before.
    let data = app
        .data(r#"{ municipality(slug: "hofu") { nameJa } }"#, json!({}))
        .await;
    assert_eq!(data["municipality"]["nameJa"], "防府市");
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let wrong = format!("khub_1_{}", "A".repeat(43));

    // Behind a trusted proxy (here the test client's own address), each forwarded client has
    // its own budget of one bad token.
    let limits = kyodo_hub::config::ServeConfig {
        rate: kyodo_hub::config::RateLimits {
            auth_failures_per_minute: 1,
            ..Default::default()
        },
        http: kyodo_hub::config::HttpLimits {
            trusted_proxies: vec![kyodo_hub::config::parse_network("127.0.0.1").expect("network")],
            ..Default::default()
        },
        ..crate::helpers::uncached()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let clients = [
        "198.51.100.1",
        "198.51.100.1",
        "198.51.100.2",
        // What the client itself wrote left of the proxy's entry is not believed.
        "198.51.100.9, 198.51.100.2",
    ];
    assert_eq!(statuses(&app, &wrong, &clients).await, [401, 429, 401, 429]);

    // Without trusted proxies the header changes nothing: one peer, one budget.
    let limits = kyodo_hub::config::ServeConfig {
        rate: kyodo_hub::config::RateLimits {
            auth_failures_per_minute: 1,
            ..Default::default()
        },
        ..crate::helpers::uncached()
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, limits).await;
    let clients = ["198.51.100.1", "198.51.100.2"];
    assert_eq!(statuses(&app, &wrong, &clients).await, [401, 429]);
}

/// The statuses of requests with `token`, one after the other, each from the client named in
/// `X-Forwarded-For`.
async fn statuses(app: &TestApp, token: &str, forwarded_for: &[&str]) -> Vec<u16> {
    let mut out = Vec::new();
    for ip in forwarded_for {
        out.push(with_token(app, token, Some(ip)).await.status().as_u16());
    }
    out
}

/// Records the complexity async-graphql's validation computes, then stops the request.
struct CaptureComplexity(std::sync::Arc<std::sync::Mutex<Option<usize>>>);

impl async_graphql::extensions::ExtensionFactory for CaptureComplexity {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(CaptureComplexity(self.0.clone()))
    }
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for CaptureComplexity {
    async fn validation(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        next: async_graphql::extensions::NextValidation<'_>,
    ) -> Result<async_graphql::ValidationResult, Vec<async_graphql::ServerError>> {
        let result = next.run(ctx).await?;
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(result.complexity);
        }
        Err(vec![async_graphql::ServerError::new("stop", None)])
    }
}

#[tokio::test]
async fn the_rate_limit_charges_the_complexity_async_graphql_computes() {
    // The gate charges before execution with its own count; it must be async-graphql's.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let schema = kyodo_hub::graphql::schema_builder()
        .extension(CaptureComplexity(seen.clone()))
        .finish();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/queries");
    let mut cases: Vec<(String, String, Value)> = std::fs::read_dir(&dir)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("example");
            (p.display().to_string(), text, json!({}))
        })
        .collect();
    assert!(cases.len() >= 10, "examples: {}", cases.len());
    let paged = r#"query($n: Int, $m: Int = 7) {
        a: search(text: "防災", first: $n) { edges { node { title } } }
        b: search(text: "研修", first: $m) { totalCount }
        c: search(text: "協働") { totalCount }
        d: search(text: "協働", first: 500) { totalCount }
        municipalities { ...Programs ... on Municipality { p2: programs(first: 2) { totalCount } } }
        changes(first: 10) { totalCount edges { node { entity } } }
    }
    fragment Programs on Municipality { programs(first: 3) { edges { node { title } } } }"#;
    for (i, part) in [
        r#"query($n: Int) { a: search(text: "防災", first: $n) { edges { node { title } } } }"#,
        r#"query($m: Int = 7) { b: search(text: "研修", first: $m) { totalCount } }"#,
        r#"{ c: search(text: "協働") { totalCount } }"#,
        r#"{ d: search(text: "協働", first: 500) { totalCount } }"#,
        r#"{ municipalities { ...Programs } } fragment Programs on Municipality { programs(first: 3) { edges { node { title } } } }"#,
        r#"{ municipalities { ... on Municipality { p2: programs(first: 2) { totalCount } } } }"#,
        r#"{ changes(first: 10) { totalCount edges { node { entity } } } }"#,
    ].iter().enumerate() {
        cases.push((format!("part {i}"), part.to_string(), json!({ "n": 40 })));
    }
    cases.push((
        "paged, variable given".into(),
        paged.into(),
        json!({ "n": 40 }),
    ));
    cases.push(("paged, defaults".into(), paged.into(), json!({})));

    let paged_fields =
        kyodo_hub::gate::cost::PagedFields::of_sdl(&kyodo_hub::graphql::sdl()).expect("schema");
    for (name, text, variables) in cases {
        let variables = async_graphql::Variables::from_json(variables);
        *seen.lock().expect("lock") = None;
        let response = schema
            .execute(async_graphql::Request::new(text.clone()).variables(variables.clone()))
            .await;
        let expected = seen
            .lock()
            .expect("lock")
            .unwrap_or_else(|| panic!("{name} does not validate: {:?}", response.errors));
        let doc = async_graphql::parser::parse_query(&text).expect("parses");
        let ours = kyodo_hub::gate::cost::document_cost(&paged_fields, &doc, None, &variables);
        assert_eq!(ours, expected, "{name}");
    }
}

/// The `Retry-After` seconds of a response that must be HTTP 429.
fn too_many_requests(response: &reqwest::Response) -> u64 {
    assert_eq!(response.status(), 429);
    response.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in whole seconds")
}

#[tokio::test]
async fn documents_parsed_once_still_answer_each_request_on_its_own() {
    // The gate keeps parsed documents by their text; what a request gets must not change.
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let query = "query($slug: String) { municipality(slug: $slug) { nameJa } }";
    for (slug, name) in [
        ("hofu", "防府市"),
        ("toyonaka", "豊中市"),
        ("hofu", "防府市"),
    ] {
        let data = app.data(query, json!({ "slug": slug })).await;
        assert_eq!(data["municipality"]["nameJa"], name);
    }
    // A document that does not parse is refused every time, not only the first.
    for _ in 0..2 {
        let errors = app
            .errors("{ municipality(slug: \"hofu\") { nameJa }", json!({}))
            .await;
        assert_eq!(errors[0].0, "BAD_USER_INPUT", "{errors:?}");
    }
}
