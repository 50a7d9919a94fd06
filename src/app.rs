//! The running hub: a migrated database holding at least the bundled dataset, the response
//! cache and the search index watching it, the schema and the gate built from the limits, and
//! the accept loop that serves them until a signal stops it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::cache::ResponseCache;
use crate::config::ServeConfig;
use crate::dataset::import;
use crate::gate::Gate;
use crate::gate::ratelimit::FailureBudget;
use crate::http::{self, server};
use crate::metrics::Metrics;
use crate::read::catalogue::Catalogue;
use crate::read::search::engine::SearchIndex;
use crate::{db, graphql};

/// Builds the app over a migrated database holding at least the bundled dataset, with the
/// default limits.
pub async fn prepare(database_url: &str) -> anyhow::Result<http::AppState> {
    prepare_with(database_url, ServeConfig::default()).await
}

/// As [`prepare`], with the given limits.
pub async fn prepare_with(
    database_url: &str,
    limits: ServeConfig,
) -> anyhow::Result<http::AppState> {
    prepare_waiting(database_url, limits, Duration::ZERO, SearchStart::Built).await
}

/// When the search index is built: before the state is returned (tests, benchmarks and
/// tools that ask at once), or by a task while the server already answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchStart {
    Built,
    InBackground,
}

/// As [`prepare_with`], waiting up to `wait` for the database to be reachable. Migrating and
/// loading run under the start-up lock, so processes started together on one empty database
/// load it once and all serve it.
pub async fn prepare_waiting(
    database_url: &str,
    limits: ServeConfig,
    wait: Duration,
    search: SearchStart,
) -> anyhow::Result<http::AppState> {
    let (db, ()) = db::with_startup_lock(database_url, wait, async |db| {
        db::migrate(&db.conn).await?;
        if import::load_bundled_if_empty(&db.conn).await? {
            tracing::info!("empty database: loaded the bundled dataset");
        }
        Ok(())
    })
    .await?;
    let cache = Arc::new(ResponseCache::new(
        limits.cache.response_cache_entries,
        limits.cache.response_cache_bytes,
    ));
    let catalogue = Arc::new(Catalogue::new());
    let generation = db::read_generation(&db.conn).await?;
    cache.observe(generation);
    catalogue.observe(generation);
    catalogue.current(&db.conn).await?;
    // A server builds it while it answers: at 1,741 cities the build takes half a minute.
    // Until it is done a search answers UNAVAILABLE and `/readyz` 503, never from a
    // half-built index.
    let search = match search {
        SearchStart::Built => SearchIndex::open(&db.conn).await,
        SearchStart::InBackground => SearchIndex::start(db.conn.clone()),
    }
    .map_err(|e| anyhow::anyhow!("cannot build the search index: {e:?}"))?;
    watch_generation(
        db.conn.clone(),
        &cache,
        &search,
        &catalogue,
        Duration::from_millis(limits.cache.response_cache_poll_ms.max(10)),
    );
    let (schema, introspection) = graphql::build_schemas(
        db.conn.clone(),
        &limits,
        cache.clone(),
        search.clone(),
        catalogue.clone(),
    )?;
    let metrics = Arc::new(Metrics::new(db.statements.clone(), db.conn.clone()));
    Ok(http::AppState {
        gate: Arc::new(Gate::new(&limits, &schema.sdl())?),
        schema,
        introspection,
        cache,
        search,
        catalogue,
        db: db.conn,
        statements: db.statements,
        auth_failures: FailureBudget::per_minute(limits.rate.auth_failures_per_minute),
        limits: Arc::new(limits),
        metrics,
        verified_tokens: Arc::default(),
    })
}

pub async fn serve(
    database_url: &str,
    wait: Duration,
    addr: SocketAddr,
    limits: ServeConfig,
) -> anyhow::Result<()> {
    let state = prepare_waiting(database_url, limits, wait, SearchStart::InBackground).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(%addr, database = %db::redact(database_url), "serving GraphQL on http://{addr}/graphql");
    let mut connections = server::ConnectionLimits::of(&state.limits);
    connections.max_connections = server::fit_connection_cap(connections.max_connections);
    tracing::info!(
        max_connections = connections.max_connections,
        header_read_timeout_s = state.limits.http.header_read_timeout_secs,
        "connection limits"
    );
    server::serve(
        listener,
        http::router(state),
        connections,
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; axum then stops accepting and finishes in-flight requests.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Reads the database's generation every `every`, once for both of the process's views of
/// the data that other processes' writes make stale: the response cache forgets its answers,
/// the metric catalogue its copy, and the search index reloads the cities whose revision
/// moved. The task ends with the server, when the index is dropped.
fn watch_generation(
    db: sea_orm::DatabaseConnection,
    cache: &Arc<ResponseCache>,
    search: &Arc<SearchIndex>,
    catalogue: &Arc<Catalogue>,
    every: Duration,
) {
    let (cache, search, catalogue) = (
        Arc::downgrade(cache),
        Arc::downgrade(search),
        Arc::downgrade(catalogue),
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (Some(cache), Some(search), Some(catalogue)) =
                (cache.upgrade(), search.upgrade(), catalogue.upgrade())
            else {
                return;
            };
            match db::read_generation(&db).await {
                Ok(now) => {
                    cache.observe(now);
                    catalogue.observe(now);
                    if let Err(e) = search.catch_up_to(&db, now).await {
                        tracing::warn!(error = ?e, "cannot refresh the search index; trying again");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read data_generation; clearing the response cache");
                    cache.clear();
                    catalogue.forget();
                }
            }
        }
    });
}
