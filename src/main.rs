//! The `kyodo-hub` binary: parses the command line and hands over to [`kyodo_hub::cli`].

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// glibc's allocator kept a hub under load on SQLite at three times the memory of one on
/// PostgreSQL and spent a fifth of its CPU in malloc, free and arena locks; mimalloc's
/// per-thread heaps avoid both (measured figures: README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only help a terminal; in a log file they are noise around every field.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = kyodo_hub::cli::Cli::parse();
    match kyodo_hub::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
