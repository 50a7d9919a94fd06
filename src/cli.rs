//! Command-line interface: `serve`, `import`, `schema`, `migrate`. Each command's logic lives
//! in a function here so tests can call it without a process.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::dataset::Dataset;
use crate::{db, graphql, http, import};

/// kyodo-hub: a GraphQL hub of Japanese municipalities' citizen–government collaboration data.
#[derive(Debug, Parser)]
#[command(name = "kyodo-hub", version)]
pub struct Cli {
    /// Database URL: `sqlite://FILE?mode=rwc` (created if missing) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = db::DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API. Migrates the database, and loads the bundled dataset when it is empty.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "KYODO_HUB_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[command(flatten)]
        limits: crate::limits::Limits,
    },
    /// Validate a dataset file or folder and load it in one transaction. A municipality that
    /// is already in the database is replaced.
    Import {
        /// A `.yaml` file or a folder of them (e.g. `data/`).
        path: PathBuf,
    },
    /// Write a synthetic dataset of the same shape as the real one (for benchmarks), loadable
    /// with `import`. The same options give the same files.
    Generate {
        /// How many municipalities (up to 1,741, all of Japan).
        #[arg(long, default_value_t = 1741)]
        municipalities: usize,
        /// How many fiscal years of observations, activities and meetings.
        #[arg(long, default_value_t = 20)]
        years: u32,
        /// The first of those fiscal years.
        #[arg(long, default_value_t = 2005)]
        first_fiscal_year: i32,
        /// Seed of the random choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Folder to write metrics.yaml, regions.yaml and municipalities/ into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Apply pending migrations and exit.
    Migrate,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Generate {
            municipalities,
            years,
            first_fiscal_year,
            seed,
            out,
        } => {
            let files = crate::generate::generate(&crate::generate::GenerateOptions {
                municipalities,
                years,
                first_fiscal_year,
                seed,
            })?;
            crate::generate::write(&files, &out)?;
            println!("wrote {} files to {}", files.len(), out.display());
            Ok(())
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db.conn).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Import { path } => {
            // Validate before touching the database, so a bad file never opens a transaction.
            let dataset = Dataset::read(&path)?;
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db.conn).await?;
            let summary = import::import(&db.conn, &dataset).await?;
            // Name the cities of a small import; a national one would fill the terminal.
            let names = match summary.municipalities.len() {
                0..=10 => summary.municipalities.join(", "),
                n => format!(
                    "{}, … and {} more",
                    summary.municipalities[..5].join(", "),
                    n - 5
                ),
            };
            println!(
                "imported {} municipalities ({names}), {} regions, {} metrics into {}",
                summary.municipalities.len(),
                summary.regions,
                summary.metrics,
                db::redact(&cli.database_url)
            );
            Ok(())
        }
        Command::Serve { addr, limits } => serve(&cli.database_url, addr, limits).await,
    }
}

/// Builds the app over a migrated database holding at least the bundled dataset, with the
/// default limits.
pub async fn prepare(database_url: &str) -> anyhow::Result<http::AppState> {
    prepare_with(database_url, crate::limits::Limits::default()).await
}

/// As [`prepare`], with the given limits.
pub async fn prepare_with(
    database_url: &str,
    limits: crate::limits::Limits,
) -> anyhow::Result<http::AppState> {
    let db = db::connect(database_url).await?;
    db::migrate(&db.conn).await?;
    if import::load_bundled_if_empty(&db.conn).await? {
        tracing::info!("empty database: loaded the bundled dataset");
    }
    Ok(http::AppState {
        schema: graphql::build_schema(db.conn.clone(), &limits)?,
        db: db.conn,
        statements: db.statements,
        limits: std::sync::Arc::new(limits),
        metrics: std::sync::Arc::default(),
    })
}

async fn serve(
    database_url: &str,
    addr: SocketAddr,
    limits: crate::limits::Limits,
) -> anyhow::Result<()> {
    let state = prepare_with(database_url, limits).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(%addr, database = %db::redact(database_url), "serving GraphQL on http://{addr}/graphql");
    // The peer address identifies anonymous clients for rate limiting.
    axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
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

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
