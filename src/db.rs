//! Connecting to the database, SQLite or PostgreSQL by URL, and counting the SQL statements
//! sent through the connection so that tests (and later metrics) can see N+1 queries.
//!
//! Also what keeps processes that share one database out of each other's way: waiting for a
//! database that is not up yet, and the start-up lock under which migrations and imports run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// Longest a request waits for a pooled connection before it is answered `UNAVAILABLE`
/// (HTTP 503, `Retry-After`). While the database is down, opening a connection is refused and
/// retried until this passes, so it is how long a request takes to learn of an outage. Under
/// load it bounds the queue for a connection: a request that has waited this long on a
/// saturated pool is told to come back rather than kept waiting towards the request timeout.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Default of `--database-wait`: how long a command waits for its database at start.
pub const DEFAULT_WAIT_SECS: u64 = 30;

/// Opens a pool for `url` (`sqlite://…` or `postgres://…`).
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_timeout(ACQUIRE_TIMEOUT);
    if url.starts_with("sqlite:") {
        // A file in this process cannot drop a connection, and sqlx's ping before every
        // checkout is a round trip to the connection's worker thread: as many thread hand-offs
        // as the statement itself (seen in a perf profile of the plan tree).
        opts.test_before_acquire(false);
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
        // Ping only a connection idle long enough to have been dropped (by a restart, a proxy
        // or a firewall), not every checkout: the default ping was one more network round
        // trip per statement. A connection that breaks while busy fails its statement, which
        // is answered `UNAVAILABLE` like any outage (tests/faults.rs).
        opts.test_before_acquire_if_idle_for(Duration::from_secs(1));
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
        if !m.statement.sql.starts_with(GENERATION_QUERY) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    Ok(Db { conn, statements })
}

/// The response cache's background check of the data generation, left out of the
/// per-request statement count (it is no request's work).
pub const GENERATION_QUERY: &str =
    "SELECT CAST(generation AS BIGINT) AS generation FROM data_generation WHERE id = 1";

/// The data generation: raised by every transaction that changes data, read by the caches
/// that must notice another process's writes.
pub async fn read_generation(db: &impl sea_orm::ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            GENERATION_QUERY,
        ))
        .await?;
    let generation: i64 = match row {
        Some(r) => r.try_get("", "generation")?,
        None => 0,
    };
    Ok(u64::try_from(generation).unwrap_or(0))
}

/// Whether `e` says the database could not be reached (so trying again later may work), as
/// opposed to a wrong password, a missing database or a bad URL.
fn unreachable(e: &anyhow::Error) -> bool {
    e.chain()
        .find_map(|c| c.downcast_ref::<sea_orm::DbErr>())
        .is_some_and(crate::error::is_unavailable)
}

/// As [`connect`], trying again for up to `wait` while the database cannot be reached (it may
/// be starting beside the hub), and saying so in the log each time.
pub async fn connect_waiting(url: &str, wait: Duration) -> anyhow::Result<Db> {
    let started = Instant::now();
    let mut attempt = 1u32;
    loop {
        match connect(url).await {
            Ok(db) => {
                if attempt > 1 {
                    tracing::info!(
                        attempt,
                        waited_s = started.elapsed().as_secs_f64(),
                        "database reachable"
                    );
                }
                return Ok(db);
            }
            Err(e) if unreachable(&e) && started.elapsed() + RETRY_PAUSE < wait => {
                tracing::warn!(
                    attempt,
                    error = %format!("{e:#}"),
                    waited_s = started.elapsed().as_secs(),
                    wait_s = wait.as_secs(),
                    "database not reachable yet; retrying (--database-wait)"
                );
                attempt += 1;
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            Err(e) if unreachable(&e) && !wait.is_zero() => {
                return Err(e.context(format!(
                    "gave up after waiting {} s for the database (--database-wait)",
                    started.elapsed().as_secs()
                )));
            }
            Err(e) => return Err(e),
        }
    }
}

const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("migrations failed")
}

/// What an advisory lock of PostgreSQL is about: the first of its two keys.
#[derive(Clone, Copy, Debug)]
#[repr(i32)]
pub enum LockSpace {
    /// Migrating and loading data at start, and importing (one key).
    Startup = 0x6b68_0001,
    /// One municipality's search documents (keyed by municipality code).
    SearchIndex = 0x6b68_0002,
    /// One municipality's latest values (keyed by municipality code).
    LatestObservations = 0x6b68_0003,
}

/// The two keys of PostgreSQL's `pg_advisory_lock(int, int)` for `name` in `space`: a
/// municipality code is a number and is its own key; any other name is hashed (FNV-1a), so
/// two names may share a lock, which only serialises more than needed.
pub fn lock_key(space: LockSpace, name: &str) -> (i32, i32) {
    let key = name.parse::<i32>().unwrap_or_else(|_| {
        let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        i32::from_ne_bytes(hash.to_ne_bytes())
    });
    (space as i32, key)
}

/// Holds `space`'s lock on `name` until the transaction `db` ends (PostgreSQL; SQLite has one
/// writer at a time already). Every statement after it sees what the previous holder
/// committed, since READ COMMITTED takes a snapshot per statement.
pub async fn lock_for_transaction(
    db: &impl sea_orm::ConnectionTrait,
    space: LockSpace,
    name: &str,
) -> Result<(), sea_orm::DbErr> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    let (space, key) = lock_key(space, name);
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [space.into(), key.into()],
    ))
    .await?;
    Ok(())
}

/// The SQLite database file a URL names, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Held while one process migrates or loads a database that others may be starting on.
enum StartupLock {
    /// An SQLite database: an exclusive lock on `<database>.lock` beside it. (An exclusive
    /// SQLite transaction cannot serve: the migrator runs on other connections of the pool,
    /// which would wait on it forever.) The operating system drops it if the process dies.
    File(std::fs::File),
    /// PostgreSQL: a session advisory lock held by one pooled connection, which PostgreSQL
    /// drops if the process dies.
    Postgres(sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>),
    /// In-memory SQLite: no other process can see it.
    None,
}

/// How often a waiting process says in the log that it is still waiting.
const LOCK_LOG_EVERY: Duration = Duration::from_secs(10);
const LOCK_POLL: Duration = Duration::from_millis(100);

async fn lock_sqlite(path: &Path) -> anyhow::Result<StartupLock> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open the start-up lock {}", lock_path.display()))?;
    let started = Instant::now();
    let mut logged = None::<Instant>;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(StartupLock::File(file)),
            Err(std::fs::TryLockError::WouldBlock) => {
                if logged.is_none_or(|t| t.elapsed() >= LOCK_LOG_EVERY) {
                    tracing::info!(
                        lock = %lock_path.display(),
                        waited_s = started.elapsed().as_secs(),
                        "another kyodo-hub process is migrating or loading this database; waiting"
                    );
                    logged = Some(Instant::now());
                }
                tokio::time::sleep(LOCK_POLL).await;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| {
                    format!("cannot take the start-up lock {}", lock_path.display())
                });
            }
        }
    }
}

async fn lock_postgres(db: &Db) -> anyhow::Result<StartupLock> {
    use sea_orm::sqlx::Row as _;
    let mut conn = db
        .conn
        .get_postgres_connection_pool()
        .acquire()
        .await
        .context("cannot take a connection for the start-up lock")?;
    let (space, key) = lock_key(LockSpace::Startup, "startup");
    let started = Instant::now();
    let mut logged = None::<Instant>;
    // Polled rather than waited on: a blocking wait would run into the statement timeout
    // while a large import holds the lock.
    loop {
        let taken: bool = sea_orm::sqlx::query("SELECT pg_try_advisory_lock($1, $2)")
            .bind(space)
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .context("cannot take the start-up lock")?
            .try_get(0)
            .context("cannot take the start-up lock")?;
        if taken {
            return Ok(StartupLock::Postgres(conn));
        }
        if logged.is_none_or(|t| t.elapsed() >= LOCK_LOG_EVERY) {
            tracing::info!(
                waited_s = started.elapsed().as_secs(),
                "another kyodo-hub process is migrating or loading this database; waiting"
            );
            logged = Some(Instant::now());
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

impl StartupLock {
    async fn release(self) {
        match self {
            StartupLock::File(file) => {
                if let Err(e) = file.unlock() {
                    tracing::warn!(error = %e, "cannot release the start-up lock file");
                }
            }
            StartupLock::Postgres(mut conn) => {
                let (space, key) = lock_key(LockSpace::Startup, "startup");
                let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                    .bind(space)
                    .bind(key)
                    .execute(&mut *conn)
                    .await;
                if let Err(e) = unlocked {
                    // Closing the session drops the lock too.
                    tracing::warn!(error = %e, "cannot release the start-up lock; closing its connection");
                    conn.close_on_drop();
                }
            }
            StartupLock::None => {}
        }
    }
}

/// Connects to `url` (waiting up to `wait` for it, see [`connect_waiting`]) and runs `work`
/// (migrating, loading, importing) under the start-up lock, so that processes started
/// together on one empty database take turns: the first creates the tables and loads the
/// data, the next finds them there. Every command that changes the schema or imports takes
/// it; serving does not.
pub async fn with_startup_lock<T>(
    url: &str,
    wait: Duration,
    work: impl AsyncFnOnce(&Db) -> anyhow::Result<T>,
) -> anyhow::Result<(Db, T)> {
    // SQLite: locked before the first connection, which already writes (WAL mode).
    let file_lock = match sqlite_file(url) {
        Some(path) => Some(lock_sqlite(&path).await?),
        None => None,
    };
    let db = connect_waiting(url, wait).await?;
    let lock = match file_lock {
        Some(lock) => lock,
        None if db.conn.get_database_backend() == sea_orm::DbBackend::Postgres => {
            lock_postgres(&db).await?
        }
        None => StartupLock::None,
    };
    let result = work(&db).await;
    lock.release().await;
    Ok((db, result?))
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
    fn sqlite_urls_name_their_file() {
        use std::path::PathBuf;
        assert_eq!(
            super::sqlite_file("sqlite:///tmp/x/hub.sqlite?mode=rwc"),
            Some(PathBuf::from("/tmp/x/hub.sqlite"))
        );
        assert_eq!(
            super::sqlite_file("sqlite://kyodo-hub.sqlite?mode=rwc"),
            Some(PathBuf::from("kyodo-hub.sqlite"))
        );
        assert_eq!(super::sqlite_file("sqlite::memory:"), None);
        assert_eq!(super::sqlite_file("sqlite://x?mode=memory"), None);
        assert_eq!(super::sqlite_file("postgres://u@h/db"), None);
    }

    #[test]
    fn lock_keys_are_codes_or_hashes() {
        use super::{LockSpace, lock_key};
        assert_eq!(lock_key(LockSpace::SearchIndex, "352063").1, 352_063);
        let a = lock_key(LockSpace::SearchIndex, "x-01");
        assert_eq!(a, lock_key(LockSpace::SearchIndex, "x-01"));
        assert_ne!(a, lock_key(LockSpace::SearchIndex, "x-02"));
        assert_ne!(a.0, lock_key(LockSpace::Startup, "x-01").0);
    }

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
