//! Hostile input from a generator, sent to a spawned `kyodo-hub serve`: every case must leave
//! the process alive and be answered with an error code other than `INTERNAL` (or with data).
//!
//! The generator knows the GraphQL grammar and the hub's schema (read from
//! `schema/schema.graphql`): proptest strategies make the hostile scalars (NUL, odd unicode,
//! huge numbers and strings, FTS and SQL syntax) and a stream of choices that a builder turns
//! into documents — valid queries and mutations over the schema, deep nesting of values,
//! selections, fragments and types, fragment cycles and chains, aliases, directives, several
//! operations, damaged syntax — and their variables. Each case goes over POST (anonymous or
//! with an admin token), GET, as an automatic persisted query, or to the export endpoints.
//! One case in five is a browser's GET of a page instead: the portal's pages with hostile,
//! repeated, huge and badly percent-encoded parameters and odd city slugs, GraphiQL, the
//! schema, the upload page and paths that are no page. A page may refuse (4xx), and then its
//! message names the parameter at fault; it never fails (5xx, but 503).
//!
//! `HOSTILE_CASES` sets the number of cases per database (default 1,200); `HOSTILE_SEED`
//! repeats a run (each run prints its seed). `KYODO_SMOKE=1` caps the cases at 50, for CI's run
//! of README's command lines as written (.ci/doc-commands).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::db_tests;
use crate::helpers::{Backend, TestDb};

/// The gate's bound on nesting (`kyodo_hub::gate::MAX_NESTING`).
const BOUND: usize = kyodo_hub::gate::MAX_NESTING;

// ---------------------------------------------------------------------------------------------
// The hub under test

struct Hub {
    child: Child,
    url: String,
    token: String,
    client: reqwest::Client,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `kyodo-hub serve` on `db` without a rate limit (every case would be refused for
/// its cost otherwise) and creates an admin token for the authenticated cases.
async fn start(db: &TestDb) -> Hub {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--rate-limit-per-second",
            "0",
            "--auth-failures-per-minute",
            "0",
        ])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kyodo-hub");
    let mut hub = Hub {
        child,
        url: format!("http://127.0.0.1:{port}"),
        token: String::new(),
        // A fresh connection for each request: after refusing an oversized body the hub
        // closes the connection, and a pooled one would fail the next case.
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(0)
            .build()
            .expect("client"),
    };
    let mut ready = false;
    for _ in 0..240 {
        if hub
            .client
            .get(format!("{}/readyz", hub.url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "kyodo-hub did not become ready on {}", hub.url);
    let out = Command::new(env!("CARGO_BIN_EXE_kyodo-hub"))
        .args(["token", "create", "--role", "admin", "--label", "hostile"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "error")
        .output()
        .expect("token create");
    assert!(out.status.success(), "token create failed");
    hub.token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    hub
}

/// How a case reaches the hub.
#[derive(Clone, Copy, Debug)]
enum Transport {
    Post,
    PostWithToken,
    PostWithBadToken,
    Get,
    /// Registered with its text and hash, then sent by hash alone over GET.
    Persisted,
    /// A hash that does not match the text, or an unknown hash, or another version.
    PersistedBroken(u8),
}

/// One hostile request.
#[derive(Clone, Debug)]
enum Case {
    Graphql {
        transport: Transport,
        query: String,
        variables: Value,
        operation_name: Option<String>,
    },
    /// A raw POST body, not necessarily JSON.
    RawPost { body: String },
    /// An export or chart URL path with its query string.
    Export { path_and_query: String },
    /// A page or file a browser GETs (the portal, GraphiQL, the schema, the upload page):
    /// its path and query, and the names an answer of 4xx may give as the one at fault.
    Page {
        path_and_query: String,
        names: Vec<String>,
    },
}

impl Case {
    fn summary(&self) -> String {
        let text = format!("{self:?}");
        if text.chars().count() > 600 {
            let head: String = text.chars().take(500).collect();
            let tail: String = text
                .chars()
                .rev()
                .take(100)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{head} … ({} chars) … {tail}", text.chars().count())
        } else {
            text
        }
    }
}

/// What a request got: HTTP status and the body, as JSON where it is.
struct Answer {
    status: u16,
    body: Result<Value, String>,
}

async fn send(hub: &Hub, case: &Case) -> Result<Vec<Answer>, String> {
    let graphql = format!("{}/graphql", hub.url);
    let mut answers = Vec::new();
    let collect = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let text = r
            .text()
            .await
            .map_err(|e| format!("reading the body: {e}"))?;
        let body = serde_json::from_str(&text).map_err(|_| text);
        Ok::<_, String>(Answer { status, body })
    };
    match case {
        Case::RawPost { body } => {
            let r = hub
                .client
                .post(&graphql)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .map_err(|e| format!("no answer: {}", e.without_url()))?;
            answers.push(collect(r).await?);
        }
        Case::Export { path_and_query } | Case::Page { path_and_query, .. } => {
            let r = hub
                .client
                .get(format!("{}{path_and_query}", hub.url))
                .send()
                .await
                .map_err(|e| format!("no answer: {}", e.without_url()))?;
            answers.push(collect(r).await?);
        }
        Case::Graphql {
            transport,
            query,
            variables,
            operation_name,
        } => {
            let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
            let mut body = json!({ "query": query, "variables": variables });
            if let Some(name) = operation_name {
                body["operationName"] = json!(name);
            }
            let get_params = |query: Option<&str>, extensions: Option<Value>| {
                let mut params: Vec<(&str, String)> = Vec::new();
                if let Some(q) = query {
                    params.push(("query", q.to_owned()));
                }
                if !variables.as_object().is_some_and(|o| o.is_empty()) {
                    params.push(("variables", variables.to_string()));
                }
                if let Some(name) = operation_name {
                    params.push(("operationName", name.clone()));
                }
                if let Some(ext) = extensions {
                    params.push(("extensions", ext.to_string()));
                }
                params
            };
            let requests: Vec<reqwest::RequestBuilder> = match transport {
                Transport::Post => vec![hub.client.post(&graphql).json(&body)],
                Transport::PostWithToken => {
                    vec![
                        hub.client
                            .post(&graphql)
                            .bearer_auth(&hub.token)
                            .json(&body),
                    ]
                }
                Transport::PostWithBadToken => vec![
                    hub.client
                        .post(&graphql)
                        .bearer_auth(format!("{}x", hub.token))
                        .json(&body),
                ],
                Transport::Get => {
                    // A URI holds at most 65,534 bytes (hyper's and reqwest's bound alike);
                    // longer documents go by POST.
                    let url =
                        reqwest::Url::parse_with_params(&graphql, &get_params(Some(query), None))
                            .map_err(|e| format!("URL: {e}"))?;
                    if url.as_str().len() < 65_000 {
                        vec![hub.client.get(url)]
                    } else {
                        vec![hub.client.post(&graphql).json(&body)]
                    }
                }
                Transport::Persisted => {
                    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
                    let mut first = body.clone();
                    first["extensions"] = ext.clone();
                    let mut requests = vec![hub.client.post(&graphql).json(&first)];
                    if let Ok(url) =
                        reqwest::Url::parse_with_params(&graphql, &get_params(None, Some(ext)))
                        && url.as_str().len() < 65_000
                    {
                        requests.push(hub.client.get(url));
                    }
                    requests
                }
                Transport::PersistedBroken(how) => {
                    let ext = match how % 4 {
                        0 => {
                            json!({ "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } })
                        }
                        1 => json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
                        2 => json!({ "persistedQuery": { "version": "1", "sha256Hash": [hash] } }),
                        _ => json!({ "persistedQuery": query }),
                    };
                    let mut first = body.clone();
                    first["extensions"] = ext.clone();
                    let mut requests = vec![hub.client.post(&graphql).json(&first)];
                    if let Ok(url) =
                        reqwest::Url::parse_with_params(&graphql, &get_params(None, Some(ext)))
                        && url.as_str().len() < 65_000
                    {
                        requests.push(hub.client.get(url));
                    }
                    requests
                }
            };
            // The hub refuses a body over its limit from Content-Length, before reading it,
            // and closes the connection, which the client may notice before the answer.
            let oversized = body.to_string().len() > 64 * 1024;
            for request in requests {
                match request.send().await {
                    Ok(r) => answers.push(collect(r).await?),
                    Err(e) if oversized && e.is_request() => answers.push(Answer {
                        status: 413,
                        body: Err("connection closed while sending an oversized body".into()),
                    }),
                    Err(e) => return Err(format!("no answer: {}", e.without_url())),
                }
            }
        }
    }
    Ok(answers)
}

/// Why an answer breaks the rule, if it does.
fn judge(case: &Case, answer: &Answer) -> Option<String> {
    if let Case::Page { names, .. } = case {
        return judge_page(names, answer);
    }
    if answer.status >= 500 {
        return Some(format!("HTTP {}", answer.status));
    }
    // Refusals by size or rate are fine in any shape.
    if matches!(answer.status, 413 | 429) {
        return None;
    }
    let body = match &answer.body {
        Ok(body) => body,
        Err(text) => {
            // An export answers CSV or SVG when it succeeds.
            if matches!(case, Case::Export { .. }) && answer.status == 200 {
                return None;
            }
            let head: String = text.chars().take(200).collect();
            return Some(format!("HTTP {} without JSON: {head}", answer.status));
        }
    };
    if let Case::Export { .. } = case {
        let code = body["error"]["code"].as_str();
        return match code {
            Some("INTERNAL") | None => Some(format!("HTTP {}: {body}", answer.status)),
            Some(_) => None,
        };
    }
    let Some(errors) = body.get("errors") else {
        return body
            .get("data")
            .is_none()
            .then(|| format!("HTTP {}: neither data nor errors: {body}", answer.status));
    };
    let Some(errors) = errors.as_array() else {
        return Some(format!("errors is not a list: {body}"));
    };
    for e in errors {
        match e["extensions"]["code"].as_str() {
            None => return Some(format!("an error without a code: {e}")),
            Some("INTERNAL") => return Some(format!("INTERNAL: {e}")),
            Some(_) => {}
        }
    }
    None
}

/// A page's answer: never a failure of the hub (503, the database away or the hub busy, is
/// an answer), and a refusal (4xx) says which of the request's parameters it refuses.
fn judge_page(names: &[String], answer: &Answer) -> Option<String> {
    let text = match &answer.body {
        Ok(json) => json.to_string(),
        Err(text) => text.clone(),
    };
    let head: String = text.chars().take(300).collect();
    match answer.status {
        503 => None,
        500.. => Some(format!("HTTP {}: {head}", answer.status)),
        // Refusals by size or rate are fine in any shape.
        413 | 414 | 429 | 431 => None,
        400..=499 => {
            // A page says what is wrong in its alert; the page around it (the operation's
            // variables among it) does not count.
            let message = match text.split_once("<p role=\"alert\">") {
                Some((_, rest)) => rest.split("</p>").next().unwrap_or(""),
                None if text.starts_with("<!doctype") => {
                    return Some(format!(
                        "HTTP {}: a page without its alert: {head}",
                        answer.status
                    ));
                }
                // JSON or plain text: the whole answer is the message.
                None => text.as_str(),
            };
            let named = names.iter().any(|n| {
                let text = message;
                text.contains(&format!("{n}:"))
                    || text.contains(&format!("\"{n}\""))
                    || text.contains(&format!("&quot;{n}&quot;"))
                    || text.contains(&format!("&#34;{n}&#34;"))
                    || text.contains(&format!("${n}"))
                    || text.contains(&format!("`{n}`"))
                    || text.contains(&format!("{n} "))
            });
            (!named).then(|| {
                let shown: String = message.chars().take(400).collect();
                format!("HTTP {} names none of {names:?}: {shown}", answer.status)
            })
        }
        _ => None,
    }
}

/// Sends `case` and checks the answers and that the process lives on.
async fn exchange(hub: &mut Hub, case: &Case) -> Result<Vec<Answer>, String> {
    let answers = match send(hub, case).await {
        Ok(answers) => answers,
        Err(e) => {
            // Give a dying process a moment to be reaped.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let exit = hub.child.try_wait().ok().flatten();
            return Err(match exit {
                Some(status) => format!("the hub died ({status}): {e}"),
                None => e,
            });
        }
    };
    if let Ok(Some(status)) = hub.child.try_wait() {
        return Err(format!("the hub died ({status})"));
    }
    for answer in &answers {
        if let Some(why) = judge(case, answer) {
            return Err(why);
        }
    }
    Ok(answers)
}

// ---------------------------------------------------------------------------------------------
// What the generator knows of the schema

#[derive(Clone, Debug)]
struct TypeRef {
    name: String,
    list: bool,
    required: bool,
}

#[derive(Clone, Debug)]
struct FieldDef {
    name: String,
    args: Vec<(String, TypeRef)>,
    ty: String,
}

struct Sdl {
    objects: HashMap<String, Vec<FieldDef>>,
    inputs: HashMap<String, Vec<(String, TypeRef)>>,
    enums: HashMap<String, Vec<String>>,
}

fn type_ref(ty: &async_graphql::parser::types::Type) -> TypeRef {
    use async_graphql::parser::types::BaseType;
    match &ty.base {
        BaseType::Named(name) => TypeRef {
            name: name.to_string(),
            list: false,
            required: !ty.nullable,
        },
        BaseType::List(inner) => TypeRef {
            name: type_ref(inner).name,
            list: true,
            required: !ty.nullable,
        },
    }
}

impl Sdl {
    fn load() -> Sdl {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let text = include_str!("../../schema/schema.graphql");
        let doc = async_graphql::parser::parse_schema(text).expect("schema.graphql parses");
        let mut sdl = Sdl {
            objects: HashMap::new(),
            inputs: HashMap::new(),
            enums: HashMap::new(),
        };
        for definition in doc.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let name = ty.node.name.node.to_string();
            match ty.node.kind {
                TypeKind::Object(o) => {
                    sdl.objects.insert(name, fields(&o.fields));
                }
                TypeKind::Interface(i) => {
                    sdl.objects.insert(name, fields(&i.fields));
                }
                TypeKind::InputObject(i) => {
                    let list = i
                        .fields
                        .iter()
                        .map(|f| (f.node.name.node.to_string(), type_ref(&f.node.ty.node)))
                        .collect();
                    sdl.inputs.insert(name, list);
                }
                TypeKind::Enum(e) => {
                    let values = e
                        .values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect();
                    sdl.enums.insert(name, values);
                }
                _ => {}
            }
        }
        assert!(sdl.objects.contains_key("Query") && sdl.objects.contains_key("Mutation"));
        sdl
    }
}

fn fields(
    list: &[async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>],
) -> Vec<FieldDef> {
    list.iter()
        .map(|f| FieldDef {
            name: f.node.name.node.to_string(),
            args: f
                .node
                .arguments
                .iter()
                .map(|a| (a.node.name.node.to_string(), type_ref(&a.node.ty.node)))
                .collect(),
            ty: type_ref(&f.node.ty.node).name,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Strings that have broken something somewhere: NUL and other control characters, odd
/// unicode, FTS5 and SQL syntax, escapes, very long text, and the hub's own vocabulary.
fn hostile_string() -> BoxedStrategy<String> {
    let odd = prop::sample::select(vec![
        "\u{0}",
        "\u{1}",
        "\u{7f}",
        "\u{200b}",
        "\u{202e}",
        "\u{feff}",
        "\u{fffd}",
        "\u{ffff}",
        "\u{10ffff}",
        "\u{1f600}",
        "e\u{301}",
        "\u{3000}",
        "防",
        "ﾎﾞｳﾌ",
        "\"",
        "'",
        "\\",
        "\\u0000",
        "%00",
        "*",
        "^",
        "NEAR(",
        " OR ",
        " AND ",
        " NOT ",
        "-",
        ":",
        "(",
        ")",
        "{",
        "[",
        "#",
        "\"\"\"",
        "\n",
        "\r",
        "\t",
        "' OR 1=1 --",
        "%",
        "_",
        ";",
    ]);
    prop_oneof![
        4 => prop::sample::select(vec![
            "hofu", "yamaguchi", "ube", "shunan", "352063", "352021", "352012", "yamaguchi-pref",
            "promotion_officers", "R5", "H31", "令和5年度", "平成31年度", "2019", "2023-04-01",
            "2024", "防", "協働", "市民", "hofu-plan", "UHJvZ3JhbTox", "",
        ])
        .prop_map(str::to_owned),
        3 => "[a-zA-Z0-9_ -]{0,16}",
        3 => any::<String>(),
        3 => prop::collection::vec(odd, 1..12).prop_map(|parts| parts.concat()),
        2 => ("[a-z防協]{0,8}", "[a-z防協]{0,8}").prop_map(|(a, b)| format!("{a}\u{0}{b}")),
        1 => (1usize..80_000, prop::sample::select(vec!["a", "防", "\u{0}", " ", "\""]))
            .prop_map(|(n, s)| s.repeat(n)),
        // Global IDs (`node(id:)`, mutation inputs) whose key is hostile: the gate cannot
        // see inside base64.
        2 => (
            prop::sample::select(vec!["Municipality", "Program", "Region", "Plan", "Body", "Activity"]),
            prop_oneof![
                Just("352063".to_owned()),
                Just("1".to_owned()),
                ("[0-9]{0,3}", "[0-9]{0,3}").prop_map(|(a, b)| format!("{a}\u{0}{b}")),
                any::<String>(),
                Just("99999999999999999999".to_owned()),
                Just("-1".to_owned()),
            ],
        )
            .prop_map(|(ty, key)| {
                use base64::Engine as _;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ty}:{key}"))
            }),
    ]
    .boxed()
}

/// Number literals: ordinary, at and beyond the bounds of Int, huge, floats, odd forms.
fn hostile_number() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (-3i64..130).prop_map(|n| n.to_string()),
        2 => prop::sample::select(vec![
            "0", "-0", "1", "-1", "100", "101", "1000", "2147483647", "2147483648",
            "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "18446744073709551616", "1.5", "-0.0", "1e3", "1E308",
            "1e309", "-1e309", "1e-400", "0.1e1", "2019.0", "00", "01", "1.", ".5", "1e",
            "0x10", "NaN", "Infinity", "-Infinity",
        ])
        .prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| format!("{f:e}")),
        1 => (1usize..5000).prop_map(|n| "9".repeat(n)),
    ]
    .boxed()
}

/// Everything a case is built from: proptest's values, interpreted by [`Builder`].
#[derive(Clone, Debug)]
struct Ingredients {
    choices: Vec<u16>,
    strings: Vec<String>,
    numbers: Vec<String>,
    /// How deep a deep construct goes: near the bound, or far beyond it.
    nesting: usize,
    transport: u8,
    /// Well-formed cases keep to the schema (every required argument, known names, values
    /// of the right kind) so that hostile scalars reach the resolvers and SQL.
    well_formed: bool,
}

fn ingredients() -> impl Strategy<Value = Ingredients> {
    (
        prop::collection::vec(any::<u16>(), 64..400),
        prop::collection::vec(hostile_string(), 1..8),
        prop::collection::vec(hostile_number(), 1..8),
        // Without the gate's bound a debug build overflows its stack from about 300 levels
        // (deeper, the parser's own stack guard refuses first), a release build from about
        // 1,800: both ranges are covered.
        prop_oneof![
            3 => (BOUND - 4)..=(BOUND + 4),
            2 => 1usize..BOUND,
            4 => (BOUND + 1)..1_000,
            2 => 1_000usize..5_000,
            1 => 5_000usize..40_000,
        ],
        any::<u8>(),
        prop::bool::weighted(0.6),
    )
        .prop_map(
            |(choices, strings, numbers, nesting, transport, well_formed)| Ingredients {
                choices,
                strings,
                numbers,
                nesting,
                transport,
                well_formed,
            },
        )
}

// ---------------------------------------------------------------------------------------------
// Building documents

/// Turns ingredients into a case, following the grammar and the schema.
struct Builder<'a> {
    sdl: &'a Sdl,
    ing: &'a Ingredients,
    at: usize,
    strings_at: usize,
    numbers_at: usize,
    /// Variables declared so far: `$name: Type` and their JSON values.
    declared: Vec<(String, String)>,
    variables: serde_json::Map<String, Value>,
}

/// A generated input value, rendered as a GraphQL literal or as JSON.
#[derive(Clone, Debug)]
enum Val {
    Null,
    Number(String),
    Str(String),
    Bool(bool),
    Enum(String),
    List(Vec<Val>),
    Object(Vec<(String, Val)>),
}

fn graphql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Val {
    fn literal(&self) -> String {
        match self {
            Val::Null => "null".into(),
            Val::Number(n) => n.clone(),
            Val::Str(s) => graphql_string(s),
            Val::Bool(b) => b.to_string(),
            Val::Enum(e) => e.clone(),
            Val::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Val::literal)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Val::Object(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.literal()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn json(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
            Val::Str(s) | Val::Enum(s) => Value::String(s.clone()),
            Val::Bool(b) => Value::Bool(*b),
            Val::List(items) => Value::Array(items.iter().map(Val::json).collect()),
            Val::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.json())).collect())
            }
        }
    }
}

const SCALARS: [&str; 8] = [
    "Int",
    "Float",
    "String",
    "ID",
    "Boolean",
    "FiscalYear",
    "Date",
    "DateTime",
];

impl<'a> Builder<'a> {
    fn new(sdl: &'a Sdl, ing: &'a Ingredients) -> Self {
        Builder {
            sdl,
            ing,
            at: 0,
            strings_at: 0,
            numbers_at: 0,
            declared: Vec::new(),
            variables: serde_json::Map::new(),
        }
    }

    /// The next choice, below `n`.
    fn pick(&mut self, n: usize) -> usize {
        let c = self.ing.choices[self.at % self.ing.choices.len()];
        self.at += 1;
        usize::from(c) % n.max(1)
    }

    /// True about one time in `n`.
    fn one_in(&mut self, n: usize) -> bool {
        self.pick(n) == 0
    }

    fn string(&mut self) -> String {
        let s = &self.ing.strings[self.strings_at % self.ing.strings.len()];
        self.strings_at += 1;
        // A long string once per case is enough; repeated it only makes the body too large.
        let mut s = if s.len() > 1024 && self.strings_at > self.ing.strings.len() {
            s.chars().take(64).collect()
        } else {
            s.clone()
        };
        // Most well-formed cases leave NUL out: the gate refuses it before anything else.
        if self.ing.well_formed && !self.ing.transport.is_multiple_of(4) {
            s.retain(|c| c != '\0');
        }
        s
    }

    fn number(&mut self) -> String {
        let s = self.ing.numbers[self.numbers_at % self.ing.numbers.len()].clone();
        self.numbers_at += 1;
        s
    }

    /// A value for an argument or input field of type `ty`: mostly of that type, sometimes
    /// of another, sometimes nested.
    fn value(&mut self, ty: &TypeRef, depth: usize) -> Val {
        if ty.list && !self.one_in(6) {
            let item = TypeRef {
                name: ty.name.clone(),
                list: false,
                required: true,
            };
            if self.one_in(8) {
                // Long lists around the gate's bound on items, of one value.
                let n = kyodo_hub::gate::MAX_LIST_ITEMS - 10 + self.pick(20);
                let mut one = self.value(&item, depth + 1);
                if one.literal().len() > 32 {
                    one = Val::Str("352063".into());
                }
                return Val::List(vec![one; n]);
            }
            let n = if self.one_in(7) { 0 } else { 1 + self.pick(3) };
            return Val::List((0..n).map(|_| self.value(&item, depth + 1)).collect());
        }
        let wild = !self.ing.well_formed;
        if wild && self.one_in(12) {
            return self.any_value(depth);
        }
        match ty.name.as_str() {
            "Int" if !wild => Val::Number(
                [
                    "-1",
                    "0",
                    "1",
                    "20",
                    "100",
                    "101",
                    "2147483647",
                    "-2147483648",
                ][self.pick(8)]
                .to_owned(),
            ),
            "Int" | "Float" => Val::Number(self.number()),
            "Boolean" => Val::Bool(self.one_in(2)),
            "FiscalYear" if self.one_in(2) => Val::Number(self.number()),
            // The ends of chrono's range lie beyond PostgreSQL's.
            "DateTime" if self.one_in(2) => Val::Str(
                [
                    "-262143-01-01T00:00:00Z",
                    "+262142-12-31T23:59:59Z",
                    "0000-01-01T00:00:00Z",
                    "-4714-11-24T00:00:00Z",
                    "1970-01-01T00:00:00+14:00",
                    "9999-12-31T23:59:59.999999999Z",
                    "2024-02-30T00:00:00Z",
                ][self.pick(7)]
                .to_owned(),
            ),
            "Date" if self.one_in(2) => Val::Str(
                [
                    "-10000-01-01",
                    "0000-00-00",
                    "2023-02-30",
                    "+99999-12-31",
                    "2024-04-01",
                    "2024",
                ][self.pick(6)]
                .to_owned(),
            ),
            name if SCALARS.contains(&name) => Val::Str(self.string()),
            name => {
                if let Some(values) = self.sdl.enums.get(name).cloned() {
                    return if wild && self.one_in(5) {
                        Val::Enum("NOT_A_VALUE".into())
                    } else {
                        Val::Enum(values[self.pick(values.len())].clone())
                    };
                }
                if let Some(fields) = self.sdl.inputs.get(name).cloned() {
                    if depth > 6 {
                        return Val::Null;
                    }
                    let mut out = Vec::new();
                    for (field, ty) in fields {
                        if (wild || !ty.required) && self.one_in(4) {
                            continue;
                        }
                        out.push((field, self.value(&ty, depth + 1)));
                    }
                    if wild && self.one_in(8) {
                        out.push(("notAField".into(), self.any_value(depth + 1)));
                    }
                    return Val::Object(out);
                }
                Val::Str(self.string())
            }
        }
    }

    /// Any value at all.
    fn any_value(&mut self, depth: usize) -> Val {
        let limit = if depth > 4 { 5 } else { 7 };
        match self.pick(limit) {
            0 => Val::Null,
            1 => Val::Number(self.number()),
            2 => Val::Str(self.string()),
            3 => Val::Bool(self.one_in(2)),
            4 => Val::Enum("SOME_ENUM".into()),
            5 => {
                let n = self.pick(4);
                Val::List((0..n).map(|_| self.any_value(depth + 1)).collect())
            }
            _ => {
                let n = self.pick(4);
                Val::Object(
                    (0..n)
                        .map(|i| (format!("f{i}"), self.any_value(depth + 1)))
                        .collect(),
                )
            }
        }
    }

    /// Type text for a variable of `ty`, sometimes wrong.
    fn type_text(&mut self, ty: &TypeRef) -> String {
        let wild = !self.ing.well_formed;
        let base = if wild && self.one_in(10) {
            "String".to_owned()
        } else {
            ty.name.clone()
        };
        let bang = if ty.required && !wild || self.one_in(3) {
            "!"
        } else {
            ""
        };
        if ty.list {
            format!("[{base}!]{bang}")
        } else {
            format!("{base}{bang}")
        }
    }

    /// Arguments of `field`: its own (most of them) and sometimes unknown ones, inline or
    /// through variables.
    fn arguments(&mut self, field: &FieldDef) -> String {
        let mut parts = Vec::new();
        let wild = !self.ing.well_formed;
        for (name, ty) in field.args.clone() {
            if (wild || !ty.required) && self.one_in(4) {
                continue;
            }
            let value = self.value(&ty, 0);
            if self.one_in(3) {
                let var = format!("v{}", self.declared.len());
                let declared = self.type_text(&ty);
                self.declared.push((var.clone(), declared));
                self.variables.insert(var.clone(), value.json());
                parts.push(format!("{name}: ${var}"));
            } else {
                parts.push(format!("{name}: {}", value.literal()));
            }
        }
        if wild && self.one_in(15) {
            let v = self.any_value(0);
            parts.push(format!("unknownArgument: {}", v.literal()));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("({})", parts.join(", "))
        }
    }

    fn directives(&mut self) -> String {
        if self.ing.well_formed {
            return match self.pick(10) {
                0 => format!(" @include(if: {})", self.one_in(2)),
                1 => format!(" @skip(if: {})", self.one_in(2)),
                _ => String::new(),
            };
        }
        match self.pick(12) {
            0 => format!(" @include(if: {})", self.one_in(2)),
            1 => format!(" @skip(if: {})", self.one_in(2)),
            2 => {
                let v = self.any_value(0);
                format!(" @include(if: {})", v.literal())
            }
            3 => {
                let v = self.any_value(0);
                format!(" @unknown(x: {})", v.literal())
            }
            4 => " @skip(if: true)".repeat(1 + self.pick(40)),
            _ => String::new(),
        }
    }

    /// A selection set on object type `ty`, `depth` levels below the root.
    fn selection_set(&mut self, ty: &str, depth: usize) -> String {
        let Some(fields) = self.sdl.objects.get(ty).cloned() else {
            return String::new();
        };
        let leaf = |f: &FieldDef, sdl: &Sdl| !sdl.objects.contains_key(&f.ty);
        let n = 1 + self.pick(4);
        let mut items = Vec::new();
        for _ in 0..n {
            let field = &fields[self.pick(fields.len())];
            let mut text = String::new();
            if self.ing.well_formed {
                // Distinct names: the same field with other arguments would conflict.
                let _ = write!(text, "a{}: ", self.at);
            } else if self.one_in(5) {
                let _ = write!(text, "a{}: ", self.pick(1000));
            }
            text.push_str(&field.name);
            text.push_str(&self.arguments(field));
            text.push_str(&self.directives());
            if !leaf(field, self.sdl) {
                if depth >= 5 || self.one_in(6) {
                    // A leaf of the child type keeps the document valid.
                    let child = self.sdl.objects.get(&field.ty).cloned().unwrap_or_default();
                    let scalar = child
                        .iter()
                        .find(|f| leaf(f, self.sdl) && f.args.is_empty())
                        .map_or("__typename".to_owned(), |f| f.name.clone());
                    let _ = write!(text, " {{ {scalar} }}");
                } else {
                    let inner = self.selection_set(&field.ty, depth + 1);
                    let _ = write!(text, " {{ {inner} }}");
                }
            }
            items.push(text);
        }
        if self.one_in(8) {
            items.push("__typename".into());
        }
        if self.one_in(10) {
            let inner = self.selection_set(ty, depth + 1);
            items.push(format!("... on {ty}{} {{ {inner} }}", self.directives()));
        }
        items.join(" ")
    }

    /// The variable definitions declared while building, as `($v0: T, …)`.
    fn definitions(&self) -> String {
        if self.declared.is_empty() {
            String::new()
        } else {
            format!(
                "({})",
                self.declared
                    .iter()
                    .map(|(n, t)| format!("${n}: {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// An operation over the schema: a query, or a mutation (sent with a token most often).
    fn operation(&mut self, mutation: bool) -> String {
        let root = if mutation { "Mutation" } else { "Query" };
        let body = self.selection_set(root, 0);
        let kind = if mutation { "mutation" } else { "query" };
        let directives = if self.ing.well_formed {
            String::new()
        } else {
            self.directives()
        };
        format!("{kind} Op{}{directives} {{ {body} }}", self.definitions())
    }

    /// Something nested `self.ing.nesting` deep, somewhere a parser recurses.
    fn deep(&mut self) -> (String, Value) {
        let n = self.ing.nesting;
        let list = || format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let object = || format!("{}1{}", "{a: ".repeat(n), "}".repeat(n));
        let json_list = || {
            let text = format!("{}1{}", "[".repeat(n), "]".repeat(n));
            serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text))
        };
        match self.pick(12) {
            0 => (
                format!("{{ fiscalYear(label: {}) {{ year }} }}", list()),
                json!({}),
            ),
            1 => (
                format!("{{ fiscalYear(label: {}) {{ year }} }}", object()),
                json!({}),
            ),
            2 => (
                format!("{{ notAField(x: {}) {{ year }} }}", object()),
                json!({}),
            ),
            3 => (
                format!("{{ regions @include(if: {}) {{ slug }} }}", list()),
                json!({}),
            ),
            4 => (
                format!("{{ {} slug {} }}", "regions {".repeat(n), "}".repeat(n)),
                json!({}),
            ),
            5 => (
                format!(
                    "{{ {} __typename {} }}",
                    "... on Query {".repeat(n),
                    "}".repeat(n)
                ),
                json!({}),
            ),
            6 => (
                format!(
                    "query Q($v: {}Int{}) {{ regions {{ slug }} }}",
                    "[".repeat(n),
                    "]".repeat(n)
                ),
                json!({}),
            ),
            7 => (
                "query Q($v: String!) { fiscalYear(label: $v) { year } }".into(),
                // serde_json reads at most 128 levels; deeper bodies are refused before.
                json!({ "v": json_list() }),
            ),
            8 => (
                format!("query Q($v: [Int] = {}) {{ regions {{ slug }} }}", list()),
                json!({}),
            ),
            9 => (
                format!(
                    "{{ search(text: \"a\", municipalities: {}) {{ totalCount }} }}",
                    list()
                ),
                json!({}),
            ),
            10 => (format!("{{ a{} }}", "(".repeat(n)), json!({})),
            _ => (
                format!(
                    "{{ x(y: \"\"\" {} \"\"\", z: \"{}\") # {}\n {{ a }} }}",
                    "[".repeat(n),
                    "{".repeat(n),
                    "[".repeat(n)
                ),
                json!({}),
            ),
        }
    }

    /// Fragments: chains, cycles, self-spreads, unknown ones, on the wrong type.
    fn fragments(&mut self) -> String {
        let n = 1 + self.ing.nesting.min(3000);
        match self.pick(6) {
            0 => {
                let mut text = String::from("{ ...F0 }\n");
                for i in 0..n {
                    let _ = writeln!(
                        text,
                        "fragment F{i} on Query {{ ...F{} regions {{ slug }} }}",
                        i + 1
                    );
                }
                let _ = writeln!(text, "fragment F{n} on Query {{ __typename }}");
                text
            }
            1 => "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }".into(),
            2 => "{ ...A } fragment A on Query { regions { slug } ...A }".into(),
            3 => "{ ...Missing }".into(),
            4 => "{ ...A } fragment A on Region { slug }".into(),
            _ => {
                let spreads = "...A ".repeat(n);
                format!("{{ {spreads} }} fragment A on Query {{ regions {{ slug }} }}")
            }
        }
    }

    /// Damages `text`: cuts it, inserts bytes, or unbalances it.
    fn damage(&mut self, text: String) -> String {
        let chars: Vec<char> = text.chars().collect();
        let at = self.pick(chars.len() + 1);
        let head: String = chars[..at].iter().collect();
        let tail: String = chars[at..].iter().collect();
        match self.pick(8) {
            0 => head,
            1 => format!("{head}\"{tail}"),
            2 => format!("{head}\"\"\"{tail}"),
            3 => format!("{head}#{tail}"),
            4 => format!("{head}{}{tail}", self.string()),
            5 => format!("{head}}}}}]){tail}"),
            6 => format!("{head}\u{0}{tail}"),
            _ => format!("{tail}{head}"),
        }
    }

    fn export(&mut self) -> Case {
        let path = [
            "/export/compare.csv",
            "/export/indicators.csv",
            "/charts/compare.svg",
            "/export/compare.xlsx",
            "/export/indicators.xlsx",
            "/export/observations.csv",
            "/export/observations.xlsx",
            "/charts/compare.png",
            "/export/dataset.zip",
        ][self.pick(9)];
        let names = [
            "metric",
            "municipalities",
            "region",
            "from",
            "to",
            "per",
            "order",
        ];
        let mut pairs = Vec::new();
        for name in names {
            match self.pick(4) {
                0 => {}
                1 => pairs.push((name.to_owned(), self.string())),
                2 => pairs.push((name.to_owned(), self.number())),
                _ => {
                    let good = match name {
                        "metric" => "promotion_officers".to_owned(),
                        "municipalities" => {
                            let n = if self.one_in(4) {
                                1 + self.pick(6_000)
                            } else {
                                3
                            };
                            vec!["352063"; n].join(",")
                        }
                        "region" => "yamaguchi-pref".into(),
                        "from" => "2019".into(),
                        "to" => "R5".into(),
                        "per" => "PER_100K_POPULATION".into(),
                        _ => "PROGRESS_ASC".into(),
                    };
                    pairs.push((name.to_owned(), good));
                }
            }
        }
        if self.one_in(6) {
            pairs.push(("metric".into(), "x".into()));
        }
        // A URI holds at most 65,534 bytes; percent-encoding triples a byte at worst.
        let room = 60_000 / 3 / (pairs.len() + 1);
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| {
                let mut v = v;
                if v.len() > room && !v.starts_with("352063,") {
                    v = v.chars().take(room / 4).collect();
                }
                (k, v)
            })
            .collect();
        let mut url = reqwest::Url::parse("http://h").expect("url");
        url.set_path(path);
        url.query_pairs_mut().extend_pairs(pairs);
        let mut path_and_query = url.path().to_owned();
        if let Some(q) = url.query() {
            path_and_query.push('?');
            path_and_query.push_str(q);
        }
        if self.one_in(8) {
            // Percent-encoding that is not UTF-8, or broken.
            path_and_query
                .push_str(["&region=%ff%fe", "&metric=%", "&%00=1", "&from=%E3%81"][self.pick(4)]);
        }
        Case::Export { path_and_query }
    }

    /// A hostile value for a page's parameter `name`: the hostile scalars, a number, a value
    /// the page takes, or a huge one.
    fn page_value(&mut self, name: &str, gentle: bool) -> String {
        // A gentle case is mostly values the page takes, so that one hostile value at a time
        // reaches the page's rendering as well as its checks.
        let choice = if gentle && !self.one_in(6) {
            3
        } else {
            self.pick(5)
        };
        match choice {
            0 => self.string(),
            1 => self.number(),
            2 => "防".repeat(1 + self.pick(12_000)),
            _ => match name {
                "metric" => "promotion_officers",
                "region" => ["yamaguchi-prefecture", "toyono", "nats"][self.pick(3)],
                "municipalities" => ["352063", "hofu", "352063,332020", "000000"][self.pick(4)],
                "per" => "PER_100K_POPULATION",
                "from" => ["2019", "H28", "令和元年度", "0"][self.pick(4)],
                "to" => ["R5", "2023", "9999"][self.pick(3)],
                "lang" => ["en", "ja", "EN"][self.pick(3)],
                "q" => ["協働", "防災", "*", "\"NEAR("][self.pick(4)],
                "page" => ["1", "2", "0", "-1", "4294967296", "429496729"][self.pick(6)],
                // `cursor:9` and a cursor of another type.
                "after" => ["Y3Vyc29yOjk", "TXVuaWNpcGFsaXR5OjM1MjA2Mw"][self.pick(2)],
                "start" => "10",
                _ => "1",
            }
            .to_owned(),
        }
    }

    /// A city page's path with an odd slug: real ones, percent-encoded hostile text, and raw
    /// forms that are no UTF-8, climb out of the path or end early.
    fn city_path(&mut self) -> String {
        match self.pick(4) {
            0 => format!(
                "/cities/{}",
                ["hofu", "352063", "HOFU", "ube"][self.pick(4)]
            ),
            1 => {
                let raw = [
                    "%ff",
                    "%",
                    "%00",
                    "..",
                    "%2e%2e%2f%2e%2e",
                    "hofu%2Fplans",
                    "%E3%81",
                    "hofu%20",
                    "hofu;x",
                    "%C0%AF",
                    "hofu/",
                    "hofu/extra",
                    "",
                ];
                format!("/cities/{}", raw[self.pick(raw.len())])
            }
            _ => {
                let slug = self.string();
                let slug: String = slug.chars().take(2_000).collect();
                let mut url = reqwest::Url::parse("http://h/cities").expect("url");
                if let Ok(mut segments) = url.path_segments_mut() {
                    segments.push(&slug);
                }
                url.path().to_owned()
            }
        }
    }

    /// A GET of a page with hostile parameters: the portal's pages, GraphiQL, the schema, the
    /// upload page, and paths that are no page.
    fn page(&mut self) -> Case {
        let (path, params): (String, &[&str]) = match self.pick(10) {
            0 => ("/".into(), &["lang"]),
            1 | 2 => (
                "/compare".into(),
                &[
                    "metric",
                    "region",
                    "municipalities",
                    "per",
                    "from",
                    "to",
                    "lang",
                ],
            ),
            3 | 4 => ("/search".into(), &["q", "page", "after", "start", "lang"]),
            5 => ("/indicators".into(), &["region", "lang"]),
            6 | 7 => (self.city_path(), &["lang"]),
            _ => {
                let paths = [
                    "/upload",
                    "/schema.graphql",
                    "/graphiql",
                    "/graphiql/graphiql.min.js",
                    "/graphiql/..%2f..%2fCargo.toml",
                    "/graphiql/%00",
                    "/portal.css",
                    "/favicon.ico",
                    "/cities",
                    "/nowhere",
                    "/%ff",
                    "/export",
                ];
                (
                    paths[self.pick(paths.len())].to_owned(),
                    &["lang", "v", "q"],
                )
            }
        };
        let gentle = self.one_in(2);
        let mut pairs: Vec<(String, String)> = Vec::new();
        for name in params {
            match self.pick(4) {
                0 => {}
                1 => {
                    // Repeated: a form's checkboxes, or a hand-edited URL.
                    let a = self.page_value(name, gentle);
                    let b = self.page_value(name, gentle);
                    pairs.push(((*name).to_owned(), a));
                    pairs.push(((*name).to_owned(), b));
                }
                _ => {
                    let v = self.page_value(name, gentle);
                    pairs.push(((*name).to_owned(), v));
                }
            }
        }
        if self.one_in(6) {
            let name = self.string();
            let value = self.string();
            pairs.push((name, value));
        }
        // A URI holds at most 65,534 bytes; percent-encoding triples a byte at worst (and a
        // kanji takes nine).
        let room = 60_000usize.saturating_sub(path.len()) / 9 / (pairs.len() + 1);
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| {
                let k: String = k.chars().take(room).collect();
                let v: String = v.chars().take(room).collect();
                (k, v)
            })
            .collect();
        let mut names: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
        if names.iter().any(|n| n == "q") {
            // The page's `q` is the API's `text`.
            names.push("text".into());
        }
        let known = [
            "/",
            "/compare",
            "/search",
            "/indicators",
            "/upload",
            "/schema.graphql",
            "/graphiql",
            "/portal.css",
            "/favicon.ico",
        ];
        if path.starts_with("/cities/") {
            names.push("slug".into());
        }
        if !known.contains(&path.as_str()) {
            // A path that is no page: the answer names the path.
            names.push("path".into());
            names.push("file".into());
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(pairs);
        let mut query = query.finish();
        if self.one_in(6) {
            // Percent-encoding that is not UTF-8, or broken.
            let raw = [
                "q=%ff%fe",
                "page=%",
                "%00=1",
                "lang=%E3%81",
                "metric=%ZZ",
                "region=%C0%AF",
            ][self.pick(6)];
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(raw);
            if let Some((name, _)) = raw.split_once('=') {
                names.push(name.to_owned());
            }
        }
        let path_and_query = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        Case::Page {
            path_and_query,
            names,
        }
    }

    fn build(mut self) -> Case {
        // One case in five is a browser's GET of a page.
        if self.one_in(5) {
            return self.page();
        }
        let transport = match self.ing.transport % 16 {
            0..=4 => Transport::Post,
            5..=7 => Transport::PostWithToken,
            8..=10 => Transport::Get,
            11..=13 => Transport::Persisted,
            14 => Transport::PostWithBadToken,
            _ => Transport::PersistedBroken(self.ing.transport / 16),
        };
        let mut operation_name = None;
        let shape = if self.ing.well_formed {
            // Queries and mutations only, well formed.
            [0, 7][usize::from(self.one_in(3))]
        } else {
            self.pick(20)
        };
        let (query, variables) = match shape {
            0..=6 => {
                let q = self.operation(false);
                operation_name = self.one_in(2).then(|| "Op".to_owned());
                (q, Value::Object(std::mem::take(&mut self.variables)))
            }
            7..=9 => {
                let q = self.operation(true);
                (q, Value::Object(std::mem::take(&mut self.variables)))
            }
            10..=11 => self.deep(),
            12 => (self.fragments(), json!({})),
            13 => {
                let n = 1 + self.pick(120);
                let fields: Vec<String> = (0..n)
                    .map(|i| format!("a{i}: regions {{ slug }}"))
                    .collect();
                (format!("{{ {} }}", fields.join(" ")), json!({}))
            }
            14 => {
                let a = self.operation(false);
                self.declared.clear();
                let b = self.operation(true).replacen("Op", "Op2", 1);
                operation_name = match self.pick(4) {
                    0 => None,
                    1 => Some("Op".into()),
                    2 => Some("Op2".into()),
                    _ => Some(self.string()),
                };
                (
                    format!("{a}\n{b}"),
                    Value::Object(std::mem::take(&mut self.variables)),
                )
            }
            15..=16 => {
                let mutation = self.one_in(3);
                let q = self.operation(mutation);
                let damaged = self.damage(q);
                (damaged, Value::Object(std::mem::take(&mut self.variables)))
            }
            17 => {
                // Variables of the wrong shape.
                let v = match self.pick(4) {
                    0 => json!([1, 2]),
                    1 => json!("text"),
                    2 => Value::Null,
                    _ => self.any_value(0).json(),
                };
                ("query Q($a: Int) { regions { slug } }".into(), v)
            }
            18 => return self.export(),
            _ => {
                let body = match self.pick(6) {
                    0 => "[".repeat(self.ing.nesting),
                    1 => format!("{{\"query\": {}}}", "[".repeat(self.ing.nesting)),
                    2 => self.string(),
                    3 => "[{\"query\": \"{ regions { slug } }\"}, {\"query\": \"{ metrics { code } }\"}]".into(),
                    4 => json!({ "query": 1, "variables": "x" }).to_string(),
                    _ => format!(
                        "{{\"query\": \"query($v: Int) {{ regions {{ slug }} }}\", \"variables\": {{\"v\": {}1{}}}}}",
                        "[".repeat(self.ing.nesting),
                        "]".repeat(self.ing.nesting)
                    ),
                };
                return Case::RawPost { body };
            }
        };
        // A mutation over GET is refused with 405; keep most of them on POST.
        let transport =
            if query.contains("mutation") && matches!(transport, Transport::Get) && !self.one_in(4)
            {
                Transport::PostWithToken
            } else {
                transport
            };
        Case::Graphql {
            transport,
            query,
            variables,
            operation_name,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The tests

fn case_count() -> usize {
    let cases = std::env::var("HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1200);
    // CI runs README's longer command lines as written (.ci/doc-commands), as a smoke run.
    if std::env::var("KYODO_SMOKE").is_ok_and(|v| v == "1") {
        cases.min(50)
    } else {
        cases
    }
}

fn seed() -> u64 {
    std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// The requests that ended the process before the gate bounded nesting, and NUL bytes that
/// reached SQL: each gets the code it must get.
async fn regressions(hub: &mut Hub) {
    // Each depth at which a debug or a release build ended before the gate bounded nesting.
    for n in [100, 200, 300, 400, 500, 700, 1000, 1800, 2000, 5000] {
        for (shape, open, close) in [("list", "[", "]"), ("object", "{a: ", "}")] {
            let query = format!(
                "{{ fiscalYear(label: {}1{}) {{ year }} }}",
                open.repeat(n),
                close.repeat(n)
            );
            let case = Case::Graphql {
                transport: Transport::Post,
                query,
                variables: json!({}),
                operation_name: None,
            };
            let answers = exchange(hub, &case)
                .await
                .unwrap_or_else(|e| panic!("{n}-deep {shape}: {e}"));
            let body = answers[0].body.as_ref().expect("a JSON answer");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
                "{n}-deep {shape}: {body}"
            );
        }
    }
    let deep_list = format!(
        "{{ fiscalYear(label: {}1{}) {{ year }} }}",
        "[".repeat(1800),
        "]".repeat(1800)
    );
    let deep_object = format!(
        "{{ fiscalYear(label: {}1{}) {{ year }} }}",
        "{a: ".repeat(2000),
        "}".repeat(2000)
    );
    let unknown_field = format!(
        "{{ notAField(x: {}1{}) }}",
        "{a: ".repeat(2000),
        "}".repeat(2000)
    );
    let directive = format!(
        "{{ regions @include(if: {}true{}) {{ slug }} }}",
        "{a: ".repeat(2000),
        "}".repeat(2000)
    );
    let selections = format!(
        "{{ {} slug {} }}",
        "regions {".repeat(2000),
        "}".repeat(2000)
    );
    let types = format!(
        "query($v: {}Int{}) {{ regions {{ slug }} }}",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let limit = |query: &str, transport| Case::Graphql {
        transport,
        query: query.to_owned(),
        variables: json!({}),
        operation_name: None,
    };
    for (name, case) in [
        ("1,800-deep list", limit(&deep_list, Transport::Post)),
        ("2,000-deep object", limit(&deep_object, Transport::Post)),
        (
            "2,000-deep object in an unknown field",
            limit(&unknown_field, Transport::Post),
        ),
        (
            "2,000-deep object in a directive",
            limit(&directive, Transport::Post),
        ),
        (
            "1,800-deep list over GET",
            limit(&deep_list, Transport::Get),
        ),
        (
            "2,000-deep object persisted",
            limit(&deep_object, Transport::Persisted),
        ),
        ("2,000-deep selections", limit(&selections, Transport::Post)),
        ("2,000-deep variable type", limit(&types, Transport::Get)),
    ] {
        let answers = exchange(hub, &case)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let body = answers[0].body.as_ref().expect("a JSON answer");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
            "{name}: {body}"
        );
    }

    // Deep JSON variables, over POST and GET: serde_json's own bound, answered with a code.
    let deep_json = format!("{}1{}", "[".repeat(2000), "]".repeat(2000));
    let body = format!(
        "{{\"query\": \"query($v: Int) {{ regions {{ slug }} }}\", \"variables\": {{\"v\": {deep_json}}}}}"
    );
    let answers = exchange(hub, &Case::RawPost { body })
        .await
        .unwrap_or_else(|e| panic!("deep JSON variables: {e}"));
    assert_eq!(answers[0].status, 400);
    let body = answers[0].body.as_ref().expect("a JSON answer");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    let r = hub
        .client
        .get(format!("{}/graphql", hub.url))
        .query(&[
            ("query", "query($v: Int) { regions { slug } }"),
            ("variables", &format!("{{\"v\": {deep_json}}}")),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );

    // NUL in the text, in a variable, in a slug, in a mutation's input, in an export.
    let nul = |query: &str, variables: Value, transport| Case::Graphql {
        transport,
        query: query.to_owned(),
        variables,
        operation_name: None,
    };
    for (case, argument) in [
        (
            nul(
                r#"{ search(text: "防\u0000") { totalCount } }"#,
                json!({}),
                Transport::Post,
            ),
            "search.text",
        ),
        (
            nul(
                "query($t: String!) { search(text: $t) { totalCount } }",
                json!({ "t": "a\u{0}b" }),
                Transport::Get,
            ),
            "$t",
        ),
        (
            nul(
                "{ municipality(slug: \"hofu\u{0}\") { code } }",
                json!({}),
                Transport::Post,
            ),
            "municipality.slug",
        ),
        (
            nul(
                "mutation($i: CreateProgramInput!) { createProgram(input: $i) { id } }",
                json!({ "i": { "municipality": "352063", "key": "k", "kind": "OTHER", "title": "x", "note": "a\u{0}" } }),
                Transport::PostWithToken,
            ),
            "$i.note",
        ),
        (
            nul(
                "mutation { importObservations(csv: \"municipality,metric\\n352063,x\\u0000\") { created } }",
                json!({}),
                Transport::PostWithToken,
            ),
            "importObservations.csv",
        ),
    ] {
        let answers = exchange(hub, &case)
            .await
            .unwrap_or_else(|e| panic!("{argument}: {e}"));
        let body = answers[0].body.as_ref().expect("a JSON answer");
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["argument"], argument, "{body}");
        assert!(
            error["message"].as_str().is_some_and(|m| m.contains("NUL")),
            "{body}"
        );
    }
    // A NUL inside a global ID, where the gate cannot see it.
    let id = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Municipality:35\u{0}063")
    };
    let case = nul(
        &format!("{{ node(id: \"{id}\") {{ id }} }}"),
        json!({}),
        Transport::Post,
    );
    let answers = exchange(hub, &case)
        .await
        .unwrap_or_else(|e| panic!("NUL in an ID: {e}"));
    let body = answers[0].body.as_ref().expect("a JSON answer");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );

    // A time before PostgreSQL's first timestamp (4713 BC) keeps every change.
    let case = nul(
        r#"{ changes(since: "-262143-01-01T00:00:00Z") { totalCount } }"#,
        json!({}),
        Transport::PostWithToken,
    );
    let answers = exchange(hub, &case)
        .await
        .unwrap_or_else(|e| panic!("an early since: {e}"));
    let body = answers[0].body.as_ref().expect("a JSON answer");
    assert!(body["data"]["changes"]["totalCount"].is_number(), "{body}");

    for (query, parameter) in [
        ("/export/compare.csv?metric=promotion_officers%00", "metric"),
        (
            "/export/compare.csv?metric=promotion_officers&region=yama%00",
            "region",
        ),
        (
            "/export/indicators.csv?municipalities=352063%00",
            "municipalities",
        ),
        (
            "/charts/compare.svg?metric=promotion_officers&from=%00",
            "from",
        ),
        ("/export/compare.csv?metric=a&metric=b", "metric"),
    ] {
        let r = hub
            .client
            .get(format!("{}{query}", hub.url))
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.expect("JSON");
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
    }

    // Pages the generator found answering without naming what was wrong: a fiscal year that
    // does not parse ("Failed to parse \"FiscalYear\"", with no name), a slug that is no UTF-8
    // (plain text from the router), a path that is no page (an empty 404).
    for (path_and_query, status, named) in [
        (
            "/compare?metric=promotion_officers&from=%E9%98%B2",
            400,
            "from",
        ),
        ("/compare?metric=promotion_officers&to=R99", 400, "to"),
        ("/cities/%ff", 400, "slug"),
        ("/cities/no-such-city", 404, "slug"),
        ("/nowhere?lang=en", 404, "path"),
        ("/search?q=%E5%8D%94&page=0", 400, "page"),
    ] {
        let case = Case::Page {
            path_and_query: path_and_query.to_owned(),
            names: vec![named.to_owned()],
        };
        let answers = exchange(hub, &case)
            .await
            .unwrap_or_else(|e| panic!("{path_and_query}: {e}"));
        assert_eq!(answers[0].status, status, "{path_and_query}");
        let page = answers[0].body.as_ref().expect_err("an HTML page");
        assert!(
            page.contains("<p role=\"alert\">"),
            "{path_and_query}: {page}"
        );
    }
}

async fn hostile_input_leaves_the_hub_alive_and_answering(backend: Backend) {
    // Arrange: a hub process on a fresh database.
    let db = TestDb::create(&backend).await;
    let mut hub = start(&db).await;
    let sdl = Sdl::load();
    let cases = case_count();
    let seed = seed();
    eprintln!("hostile input: {cases} cases, HOSTILE_SEED={seed}");
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = ingredients();
    // `HOSTILE_ONLY=i` sends case i of the seed's sequence alone, to look at it again.
    let only: Option<usize> = std::env::var("HOSTILE_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());

    // Act and assert: the known killers first, then the generated cases.
    let started = Instant::now();
    regressions(&mut hub).await;
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    let mut coded: HashMap<String, usize> = HashMap::new();
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    // The page cases' answers by route and status, to see that every route was reached.
    let mut pages: HashMap<(String, u16), usize> = HashMap::new();
    for i in 0..cases {
        let ing = strategy
            .new_tree(&mut runner)
            .expect("generate a case")
            .current();
        let case = Builder::new(&sdl, &ing).build();
        if only.is_some_and(|only| only != i) {
            continue;
        }
        let sent = Instant::now();
        let result = exchange(&mut hub, &case).await;
        if sent.elapsed() > Duration::from_secs(2) {
            eprintln!("  case {i} took {:.1} s", sent.elapsed().as_secs_f64());
            if let Some(dir) = std::env::var_os("HOSTILE_DUMP") {
                let file = std::path::Path::new(&dir).join(format!("case-{i}.txt"));
                let _ = std::fs::write(file, format!("{case:#?}"));
            }
        }
        slowest.push((sent.elapsed(), case.summary().chars().take(160).collect()));
        slowest.sort_by_key(|b| std::cmp::Reverse(b.0));
        slowest.truncate(3);
        match result {
            Ok(answers) => {
                if std::env::var_os("HOSTILE_VERBOSE").is_some() {
                    let first = answers.first().map(|a| match &a.body {
                        Ok(b) => b["errors"][0]["message"].to_string(),
                        Err(_) => String::new(),
                    });
                    eprintln!(
                        "case {i} ({} ms): {}\n  -> {}",
                        sent.elapsed().as_millis(),
                        case.summary().chars().take(300).collect::<String>(),
                        first
                            .unwrap_or_default()
                            .chars()
                            .take(300)
                            .collect::<String>()
                    );
                }
                if let Case::Page { path_and_query, .. } = &case {
                    let path = path_and_query.split('?').next().unwrap_or("");
                    let route = if path.starts_with("/cities/") {
                        "/cities/…".to_owned()
                    } else {
                        path.to_owned()
                    };
                    for a in &answers {
                        *pages.entry((route.clone(), a.status)).or_default() += 1;
                    }
                }
                for a in answers {
                    *statuses.entry(a.status).or_default() += 1;
                    let code = a.body.ok().and_then(|b| {
                        b["errors"][0]["extensions"]["code"]
                            .as_str()
                            .or(b["error"]["code"].as_str())
                            .map(str::to_owned)
                    });
                    *coded
                        .entry(code.unwrap_or_else(|| "(data)".into()))
                        .or_default() += 1;
                }
            }
            Err(why) => panic!(
                "case {i} of HOSTILE_SEED={seed}: {why}\ncase: {}",
                case.summary()
            ),
        }
    }
    let health = hub
        .client
        .get(format!("{}/healthz", hub.url))
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(
        health.ok(),
        Some(200),
        "the hub is not healthy after the run"
    );
    let mut coded: Vec<_> = coded.into_iter().collect();
    coded.sort();
    let mut statuses: Vec<_> = statuses.into_iter().collect();
    statuses.sort();
    eprintln!(
        "hostile input on {backend:?}: {cases} cases in {:.1} s; answers by code {coded:?}; by HTTP status {statuses:?}",
        started.elapsed().as_secs_f64()
    );
    let mut pages: Vec<_> = pages.into_iter().collect();
    pages.sort();
    eprintln!("page cases by route and status: {pages:?}");
    for (took, case) in slowest {
        eprintln!("  slow: {:.0} ms: {case}", took.as_secs_f64() * 1000.0);
    }
}

db_tests!(hostile_input_leaves_the_hub_alive_and_answering);
