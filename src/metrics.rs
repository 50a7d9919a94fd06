//! `/metrics` in the Prometheus text format: GraphQL requests, their errors by code, a latency
//! histogram, SQL statements and connection-pool use. Counters are plain atomics kept by the
//! process; a scraper sums them across processes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{DatabaseBackend, DatabaseConnection};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    requests: AtomicU64,
    /// Requests at or under each bound (cumulative, as Prometheus expects).
    buckets: [AtomicU64; BUCKETS.len()],
    sum_micros: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    /// Records one GraphQL request and the codes of its errors.
    pub fn observe(&self, elapsed: Duration, codes: &[String]) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        if !codes.is_empty()
            && let Ok(mut errors) = self.errors.lock()
        {
            for code in codes {
                *errors.entry(code.trim_matches('"').to_owned()).or_default() += 1;
            }
        }
    }

    /// The exposition text.
    pub fn render(&self, statements: u64, db: &DatabaseConnection) -> String {
        let mut out = String::new();
        let requests = self.requests.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP kyodo_hub_graphql_requests_total GraphQL requests answered."
        );
        let _ = writeln!(out, "# TYPE kyodo_hub_graphql_requests_total counter");
        let _ = writeln!(out, "kyodo_hub_graphql_requests_total {requests}");
        let _ = writeln!(
            out,
            "# HELP kyodo_hub_graphql_errors_total Errors in GraphQL responses, by extensions.code."
        );
        let _ = writeln!(out, "# TYPE kyodo_hub_graphql_errors_total counter");
        if let Ok(errors) = self.errors.lock() {
            for (code, n) in errors.iter() {
                let _ = writeln!(out, "kyodo_hub_graphql_errors_total{{code=\"{code}\"}} {n}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP kyodo_hub_graphql_request_duration_seconds Time to answer a GraphQL request."
        );
        let _ = writeln!(
            out,
            "# TYPE kyodo_hub_graphql_request_duration_seconds histogram"
        );
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "kyodo_hub_graphql_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "kyodo_hub_graphql_request_duration_seconds_bucket{{le=\"+Inf\"}} {requests}"
        );
        let _ = writeln!(
            out,
            "kyodo_hub_graphql_request_duration_seconds_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "kyodo_hub_graphql_request_duration_seconds_count {requests}"
        );
        let _ = writeln!(
            out,
            "# HELP kyodo_hub_sql_statements_total SQL statements sent to the database."
        );
        let _ = writeln!(out, "# TYPE kyodo_hub_sql_statements_total counter");
        let _ = writeln!(out, "kyodo_hub_sql_statements_total {statements}");
        let (size, idle) = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DatabaseBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let _ = writeln!(
            out,
            "# HELP kyodo_hub_db_pool_connections Open database connections."
        );
        let _ = writeln!(out, "# TYPE kyodo_hub_db_pool_connections gauge");
        let _ = writeln!(out, "kyodo_hub_db_pool_connections {size}");
        let _ = writeln!(
            out,
            "# HELP kyodo_hub_db_pool_idle_connections Open connections not in use."
        );
        let _ = writeln!(out, "# TYPE kyodo_hub_db_pool_idle_connections gauge");
        let _ = writeln!(out, "kyodo_hub_db_pool_idle_connections {idle}");
        out
    }
}
