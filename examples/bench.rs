//! Latency of the cross-city operations at national scale: a synthetic dataset of every
//! municipality of Japan (1,741) × 20 fiscal years, imported into SQLite and PostgreSQL, and
//! each operation sent over HTTP on loopback to the real router, one request at a time.
//!
//! ```sh
//! cargo run --release --example bench                                  # SQLite only
//! BENCH_PG_URL=postgres://root@127.0.0.1:5432/test cargo run --release --example bench
//! cargo run --release --example bench -- --municipalities 200 --iterations 20   # quicker
//! ```
//!
//! It prints, per database and operation, the median, p95 and p99 latency in milliseconds and
//! the SQL statements one request costs, with the response cache off so that every request
//! runs. It is a measurement, not a test: it asserts only
//! that every answer is free of errors.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use kyodo_hub::dataset::generate::{GenerateOptions, generate};

struct Args {
    municipalities: usize,
    years: u32,
    seed: u64,
    iterations: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        municipalities: 1741,
        years: 20,
        seed: 1,
        iterations: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--municipalities" => a.municipalities = value.parse()?,
            "--years" => a.years = value.parse()?,
            "--seed" => a.seed = value.parse()?,
            "--iterations" => a.iterations = value.parse()?,
            other => bail!("unknown flag {other}"),
        }
    }
    // CI runs README's command line as written (.ci/doc-commands), as a smoke run: the
    // national dataset alone takes minutes to generate and import.
    if std::env::var("KYODO_SMOKE").is_ok_and(|v| v == "1") {
        a.municipalities = a.municipalities.min(20);
        a.years = a.years.min(2);
        a.iterations = a.iterations.min(2);
        println!("KYODO_SMOKE=1: a smoke run, whatever the flags say");
    }
    Ok(a)
}

/// The operations a liaison meeting or a portal sends, by name; `planned` is a city that has
/// a plan, whose plan tree is the yardstick of one city's latency.
fn operations(planned: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "plan tree: one city",
            include_str!("queries/plan-tree.graphql")
                .replace("\"yamaguchi\"", &format!("{planned:?}")),
        ),
        (
            "compare: all cities, per 100k",
            r#"{ compare(metric: "promotion_officers", per: PER_100K_POPULATION) {
                rows { municipality { code nameJa } rank latest { fiscalYear value source { title } } } } }"#
                .into(),
        ),
        (
            "compare: all cities, first 20",
            r#"{ compare(metric: "promotion_officers", per: PER_100K_POPULATION) {
                rowsConnection(first: 20) { totalCount edges { node {
                    municipality { code nameJa } rank latest { fiscalYear value source { title } } } } } } }"#
                .into(),
        ),
        (
            "compare: one prefecture, 2010-2019",
            r#"{ compare(metric: "staff_training_participants", region: "pref-13", from: 2010, to: 2019) {
                fiscalYears rows { municipality { code } rank values { fiscalYear value } } } }"#
                .into(),
        ),
        (
            "indicatorProgress: one prefecture",
            r#"{ indicatorProgress(region: "pref-13") { name progress municipality { code }
                baseline { value } latest { value } targets { value } } }"#
                .into(),
        ),
        (
            "activityStats: by city and kind",
            "{ activityStats(groupBy: [MUNICIPALITY, PROGRAM_KIND]) { municipality { code } programKind sessions participants } }".into(),
        ),
        (
            "search: 防災 (2 chars), first 20",
            r#"{ search(text: "防災", first: 20) { totalCount edges { node { kind title snippet municipality { code } } } } }"#.into(),
        ),
        (
            "search: 協働推進員 (5 chars), first 20",
            r#"{ search(text: "協働推進員", first: 20) { totalCount edges { node { kind title snippet municipality { code } } } } }"#.into(),
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn bench_database(
    label: &str,
    url: &str,
    a: &Args,
    files: &[kyodo_hub::dataset::generate::GeneratedFile],
) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = kyodo_hub::db::connect(url).await?;
    kyodo_hub::db::migrate(&db.conn).await?;
    let dataset = kyodo_hub::dataset::Dataset::from_texts(
        files.iter().map(|f| (f.path.as_str(), f.text.as_str())),
    )
    .map_err(|e| anyhow::anyhow!("generated dataset is invalid: {e}"))?;
    let parsed = started.elapsed();
    kyodo_hub::dataset::import::import(&db.conn, &dataset).await?;
    println!(
        "{label}: parsed and validated in {:.1} s, imported {} municipalities in {:.1} s",
        parsed.as_secs_f64(),
        dataset.municipalities.len(),
        (started.elapsed() - parsed).as_secs_f64()
    );
    drop(dataset);

    let planned = {
        use sea_orm::{EntityTrait, QueryOrder};
        let plan = entity::plans::Entity::find()
            .order_by_asc(entity::plans::Column::MunicipalityCode)
            .one(&db.conn)
            .await?
            .context("the generated cities have no plan")?;
        entity::municipalities::Entity::find_by_id(plan.municipality_code)
            .one(&db.conn)
            .await?
            .context("the plan's city")?
            .slug
    };
    let started = Instant::now();
    // Every request executed: the response cache would answer the repeated query from memory.
    let uncached = kyodo_hub::config::ServeConfig {
        cache: kyodo_hub::config::CacheConfig {
            response_cache_entries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let state = kyodo_hub::app::prepare_with(url, uncached).await?;
    let (documents, bytes) = state.search.size();
    println!(
        "{label}: hub ready in {:.1} s (search index: {documents} documents, {:.0} MiB, built at start)",
        started.elapsed().as_secs_f64(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    let statements = state.statements.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}/graphql", listener.local_addr()?);
    let router = kyodo_hub::http::router(state);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();

    println!("| {label} | operation | p50 ms | p95 ms | p99 ms | SQL statements |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, query) in operations(&planned) {
        let mut times = Vec::with_capacity(a.iterations);
        let mut per_request = 0;
        // Two warm-up requests fill the connection pool and the database's caches.
        for i in 0..a.iterations + 2 {
            let before = statements.get();
            let t = Instant::now();
            let body: Value = client
                .post(&address)
                .json(&json!({ "query": query }))
                .send()
                .await?
                .json()
                .await?;
            let elapsed = t.elapsed();
            if body.get("errors").is_some() {
                bail!("{name}: {}", body["errors"]);
            }
            per_request = statements.get() - before;
            if i >= 2 {
                times.push(elapsed);
            }
        }
        times.sort();
        println!(
            "| {label} | {name} | {:.1} | {:.1} | {:.1} | {per_request} |",
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            percentile(&times, 99.0)
        );
    }
    server.abort();
    println!();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let t = Instant::now();
    let files = generate(&GenerateOptions {
        municipalities: a.municipalities,
        years: a.years,
        first_fiscal_year: 2005,
        seed: a.seed,
    })?;
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    println!(
        "generated {} municipalities × {} fiscal years (seed {}): {} files, {:.1} MB of YAML in {:.1} s",
        a.municipalities,
        a.years,
        a.seed,
        files.len(),
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    println!(
        "machine: {} cores; each request sent alone over loopback, response cache off, {} timed requests per operation\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        a.iterations
    );

    let dir = tempfile::tempdir()?;
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.sqlite").display()
    );
    bench_database("SQLite", &sqlite, &a, &files).await?;

    if let Ok(admin) = std::env::var("BENCH_PG_URL") {
        use sea_orm::{ConnectionTrait, Database};
        let name = format!("kyodo_bench_{}", std::process::id());
        let conn = Database::connect(admin.as_str()).await?;
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let result = bench_database("PostgreSQL", &format!("{base}/{name}"), &a, &files).await;
        conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        result?;
    } else {
        println!(
            "PostgreSQL skipped: set BENCH_PG_URL=postgres://root@127.0.0.1:5432/test to include it"
        );
    }
    Ok(())
}
