//! The `kyodo-hub` binary: parses the command line and hands over to [`kyodo_hub::cli`].

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Under load, glibc's allocator took a fifth of the hub's CPU (malloc, free and waits on its
/// arena locks) and let memory climb for minutes before levelling; with mimalloc's per-thread
/// heaps neither happens (measured figures: README, Performance). The crate's `override`
/// feature makes mimalloc the C library's `malloc` for the whole process too: SQLite allocates
/// its pages and statements there, on the connections' worker threads, where glibc's
/// per-thread arenas held on to freed memory (SQLite soaks stood at ~2.5× PostgreSQL's RSS).
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
