//! `/metrics` in the Prometheus text format (0.0.4): GraphQL requests, their errors by code, a
//! latency histogram, SQL statements and connection-pool use, kept and written by the
//! Prometheus project's own client. Each process counts its own; a scraper sums them.

use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseBackend, DatabaseConnection};

use crate::db::StatementCounter;
use crate::error::ErrorCode;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: ErrorCode,
}

impl EncodeLabelValue for ErrorCode {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        use std::fmt::Write as _;
        encoder.write_str(self.as_str())
    }
}

/// An export's route and whether the response cache answered it (`hit`, `miss`, `off`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ExportLabels {
    route: String,
    cache: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Counter,
    errors: Family<CodeLabel, Counter>,
    duration: Histogram,
    exports: Family<ExportLabels, Counter>,
}

impl Metrics {
    /// Metrics of a process whose pool is `db`, which counts its statements in `statements`.
    pub fn new(statements: StatementCounter, db: DatabaseConnection) -> Self {
        let requests = Counter::default();
        let errors = Family::<CodeLabel, Counter>::default();
        let duration = Histogram::new(BUCKETS);
        // The registry ends each registered help text with a full stop of its own.
        let mut registry = Registry::default();
        registry.register(
            "kyodo_hub_graphql_requests",
            "GraphQL requests answered",
            requests.clone(),
        );
        registry.register(
            "kyodo_hub_graphql_errors",
            "Errors in GraphQL responses, by extensions.code",
            errors.clone(),
        );
        registry.register(
            "kyodo_hub_graphql_request_duration_seconds",
            "Time to answer a GraphQL request",
            duration.clone(),
        );
        let exports = Family::<ExportLabels, Counter>::default();
        registry.register(
            "kyodo_hub_export_requests",
            "Downloads of exports and charts, by route and whether the response cache answered",
            exports.clone(),
        );
        registry.register_collector(Box::new(Database { statements, db }));
        Metrics {
            registry,
            requests,
            errors,
            duration,
            exports,
        }
    }

    /// Records one GraphQL request and the codes of its errors.
    pub fn observe(&self, elapsed: Duration, codes: &[ErrorCode]) {
        self.requests.inc();
        self.duration.observe(elapsed.as_secs_f64());
        for &code in codes {
            self.errors.get_or_create(&CodeLabel { code }).inc();
        }
    }

    /// Records one download of `route` (one of the export routes, so the labels stay few).
    pub fn observe_export(&self, route: &str, cache: &'static str) {
        self.exports
            .get_or_create(&ExportLabels {
                route: route.to_owned(),
                cache,
            })
            .inc();
    }

    /// The exposition text, of type
    /// [`prometheus_text::CONTENT_TYPE`](prometheus_client::encoding::prometheus_text::CONTENT_TYPE).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) =
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
        {
            tracing::error!(error = %e, "cannot write the metrics");
        }
        out
    }
}

/// What the database side looks like at the moment of a scrape.
#[derive(Debug)]
struct Database {
    statements: StatementCounter,
    db: DatabaseConnection,
}

impl Collector for Database {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let statements = ConstCounter::new(self.statements.get());
        statements.encode(encoder.encode_descriptor(
            "kyodo_hub_sql_statements",
            "SQL statements sent to the database.",
            None,
            statements.metric_type(),
        )?)?;
        let (size, idle) = match self.db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DatabaseBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        for (name, help, value) in [
            (
                "kyodo_hub_db_pool_connections",
                "Open database connections.",
                i64::from(size),
            ),
            (
                "kyodo_hub_db_pool_idle_connections",
                "Open connections not in use.",
                i64::try_from(idle).unwrap_or(i64::MAX),
            ),
        ] {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}
