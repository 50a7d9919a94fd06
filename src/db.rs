//! Connecting to the database, SQLite or PostgreSQL by URL, and counting the SQL statements
//! sent through the connection so that tests (and later metrics) can see N+1 queries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Default database: an SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://kyodo-hub.sqlite?mode=rwc";

/// Counts statements executed through one connection pool.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A connection pool with its statement counter.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub statements: StatementCounter,
}

/// Opens a pool for `url` (`sqlite://…` or `postgres://…`).
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // An in-memory database exists per connection, so the pool must hold exactly one.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        opts.max_connections(if in_memory { 1 } else { 8 });
        opts.map_sqlx_sqlite_opts(|o| {
            // WAL lets readers proceed while a writer commits; the busy timeout makes a writer
            // wait for another instead of failing at once with SQLITE_BUSY.
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        opts.max_connections(16);
        // No statement may hold a connection longer than a request may last.
        opts.map_sqlx_postgres_opts(|o| o.options([("statement_timeout", "10s")]));
    }
    let mut conn = Database::connect(opts)
        .await
        .with_context(|| format!("cannot connect to {}", redact(url)))?;
    let statements = StatementCounter::default();
    let counter = statements.0.clone();
    conn.set_metric_callback(move |m| {
        // The response cache's background check is no request's work.
        if !m.statement.sql.starts_with(crate::cache::GENERATION_QUERY) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    Ok(Db { conn, statements })
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("migrations failed")
}

/// The URL without its password, for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_do_not_reach_logs() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://x.sqlite"), "sqlite://x.sqlite");
    }
}
