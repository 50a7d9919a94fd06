//! Command-line interface: `serve`, `import`, `schema`, `migrate`, `reindex`, `generate`, `token`. Each
//! command hands over to the layer that does the work ([`crate::app`] builds and serves the
//! hub, [`crate::dataset`] reads, imports and generates, [`crate::write::auth`] keeps tokens).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::dataset::Dataset;
use crate::dataset::import;
use crate::{app, db, graphql};

/// kyodo-hub: a GraphQL hub of Japanese municipalities' citizen–government collaboration data.
#[derive(Debug, Parser)]
#[command(name = "kyodo-hub", version)]
pub struct Cli {
    /// Database URL: `sqlite://FILE?mode=rwc` (created if missing) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = db::DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Seconds to keep trying to reach the database at start (it may be starting beside the
    /// hub), each try logged; 0 gives up at once.
    #[arg(long, env = "KYODO_HUB_DATABASE_WAIT", default_value_t = db::DEFAULT_WAIT_SECS, global = true)]
    pub database_wait: u64,

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
        limits: crate::config::ServeConfig,
    },
    /// Validate a dataset file or folder and load it in one transaction. A municipality that
    /// is already in the database is replaced. A city's file imported without a metrics.yaml
    /// takes the metric codes it names from the database, or else from the bundled catalogue.
    /// Files over 4 MiB or nested deeper than 32 levels are refused before they are parsed.
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
    /// Create, revoke or list API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print the GraphQL schema (SDL): the federation subgraph's, or with `--public` the one
    /// without federation directives that `GET /schema.graphql` serves.
    Schema {
        /// Leave out federation's directives, so that graphql-js `buildSchema` loads it.
        #[arg(long)]
        public: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Rebuild the search index of every municipality from its records, in one transaction:
    /// after an upgrade whose index covers more text, for a database loaded by an older hub.
    /// The latest values compare ranks by are rewritten from the observations too.
    Reindex,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret, once: only a hash is stored.
    Create {
        /// Code of the municipality an editor or viewer acts for (e.g. 352063); left out for
        /// an admin.
        #[arg(long)]
        municipality: Option<String>,
        /// editor (writes the municipality's records), viewer (reads its audit trail) or admin
        /// (every municipality).
        #[arg(long)]
        role: String,
        /// Who holds the token, e.g. "Hofu citizen activities section"; shown in the audit
        /// trail.
        #[arg(long)]
        label: String,
        /// How long the token works, e.g. 90d, 12h, 2w or 1h30m (units s, m, h, d, w, M, y);
        /// left out, it works until revoked. A request with an expired token gets 401
        /// saying when it expired.
        #[arg(long, value_name = "DURATION", value_parser = crate::write::auth::parse_duration)]
        expires_in: Option<std::time::Duration>,
    },
    /// Replace a token by a new one with the same role, municipality and label, and print the
    /// new secret, once. The old one keeps working for the grace period, then stops.
    Rotate {
        /// The id of the token to replace.
        id: i32,
        /// How long the old token keeps working, e.g. 24h, 30m; 0 revokes it at once.
        #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = crate::write::auth::parse_duration)]
        grace: std::time::Duration,
        /// How long the new token works; left out, as long as the old one was made to last
        /// (or until revoked, if it had no end).
        #[arg(long, value_name = "DURATION", value_parser = crate::write::auth::parse_duration)]
        expires_in: Option<std::time::Duration>,
    },
    /// Revoke a token by its id; it stops working at once.
    Revoke {
        /// The id printed by `token create` and `token list`.
        id: i32,
    },
    /// List tokens (ids, roles, municipalities, status with expiry, labels; never secrets).
    List,
}

async fn token(
    database_url: &str,
    wait: std::time::Duration,
    command: TokenCommand,
) -> anyhow::Result<()> {
    // Migrating takes the same turn as `serve` and `import`, so a token made while another
    // process starts does not race its migrations.
    let (db, ()) =
        db::with_startup_lock(database_url, wait, async |db| db::migrate(&db.conn).await).await?;
    match command {
        TokenCommand::Create {
            municipality,
            role,
            label,
            expires_in,
        } => {
            let role: crate::domain::TokenRole = role.to_uppercase().parse().map_err(|_| {
                anyhow::anyhow!("--role: expected editor, viewer or admin, got {role:?}")
            })?;
            let created = match expires_in {
                Some(d) => {
                    crate::write::auth::create_expiring_in(
                        &db.conn,
                        municipality.as_deref(),
                        role,
                        &label,
                        d,
                    )
                    .await?
                }
                None => {
                    crate::write::auth::create(&db.conn, municipality.as_deref(), role, &label)
                        .await?
                }
            };
            eprintln!(
                "created token {}; its secret is shown only this once:",
                describe(&created.token)
            );
            println!("{}", created.secret);
        }
        TokenCommand::Rotate {
            id,
            grace,
            expires_in,
        } => {
            let rotated = crate::write::auth::rotate(&db.conn, id, grace, expires_in).await?;
            let old_end = match (rotated.old.revoked_at, rotated.old.expires_at) {
                (Some(_), _) => "was revoked at once".to_owned(),
                (None, Some(end)) => {
                    format!("keeps working until {}", crate::write::auth::show_time(end))
                }
                (None, None) => "keeps working".to_owned(),
            };
            eprintln!(
                "rotated token {id}: it {old_end}; created token {}; its secret is shown only this once:",
                describe(&rotated.new.token)
            );
            println!("{}", rotated.new.secret);
        }
        TokenCommand::Revoke { id } => {
            let token = crate::write::auth::revoke(&db.conn, id).await?;
            println!(
                "revoked token {} ({}) at {}",
                token.id,
                token.label,
                token.revoked_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            );
        }
        TokenCommand::List => {
            let now = chrono::Utc::now();
            for t in crate::write::auth::list(&db.conn).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.role.to_lowercase(),
                    t.municipality_code.as_deref().unwrap_or("*"),
                    crate::write::auth::status(&t, now),
                    t.label
                );
            }
        }
    }
    Ok(())
}

/// `7 (Hofu citizen activities section, editor of 352063, expires 2027-02-27T09:00:00Z)`.
fn describe(token: &entity::api_tokens::Model) -> String {
    format!(
        "{} ({}, {}{}{})",
        token.id,
        token.label,
        token.role.to_lowercase(),
        token
            .municipality_code
            .as_deref()
            .map(|m| format!(" of {m}"))
            .unwrap_or_default(),
        token
            .expires_at
            .map(|t| format!(", expires {}", crate::write::auth::show_time(t)))
            .unwrap_or_default()
    )
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let wait = std::time::Duration::from_secs(cli.database_wait);
    match cli.command {
        Command::Generate {
            municipalities,
            years,
            first_fiscal_year,
            seed,
            out,
        } => {
            let files =
                crate::dataset::generate::generate(&crate::dataset::generate::GenerateOptions {
                    municipalities,
                    years,
                    first_fiscal_year,
                    seed,
                })?;
            crate::dataset::generate::write(&files, &out)?;
            println!("wrote {} files to {}", files.len(), out.display());
            Ok(())
        }
        Command::Token { command } => token(&cli.database_url, wait, command).await,
        Command::Schema { public } => {
            print!(
                "{}",
                if public {
                    graphql::public_sdl()
                } else {
                    graphql::sdl()
                }
            );
            Ok(())
        }
        Command::Migrate => {
            db::with_startup_lock(&cli.database_url, wait, async |db| {
                db::migrate(&db.conn).await
            })
            .await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Reindex => {
            let (_, cities) = db::with_startup_lock(&cli.database_url, wait, async |db| {
                db::migrate(&db.conn).await?;
                reindex_all(&db.conn).await
            })
            .await?;
            println!(
                "rebuilt the search index of {cities} municipalities in {}",
                db::redact(&cli.database_url)
            );
            Ok(())
        }
        Command::Import { path } => {
            // Validate before touching the database, so a bad file never opens a transaction.
            let dataset = Dataset::read(&path)?;
            let (_, summary) = db::with_startup_lock(&cli.database_url, wait, async |db| {
                db::migrate(&db.conn).await?;
                import::import(&db.conn, &dataset).await
            })
            .await?;
            // Name the cities of a small import; a national one would fill the terminal.
            let names = match summary.municipalities.len() {
                0..=10 => summary.municipalities.join(", "),
                n => format!(
                    "{}, … and {} more",
                    summary.municipalities[..5].join(", "),
                    n - 5
                ),
            };
            let lent = match summary.metrics_from_bundle {
                0 => String::new(),
                n => format!(
                    " ({n} from the bundled catalogue, data/metrics.yaml, as the database lacked them)"
                ),
            };
            println!(
                "imported {} municipalities ({names}), {} regions, {} metrics{lent} into {}",
                summary.municipalities.len(),
                summary.regions,
                summary.metrics,
                db::redact(&cli.database_url)
            );
            Ok(())
        }
        Command::Serve { addr, limits } => app::serve(&cli.database_url, wait, addr, limits).await,
    }
}

/// Rebuilds every municipality's search documents in one transaction, so that searches see
/// either the old index or the new one, never a half-built one.
async fn reindex_all(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<usize> {
    use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
    let txn = conn.begin().await?;
    let codes: Vec<String> = entity::municipalities::Entity::find()
        .order_by_asc(entity::municipalities::Column::Code)
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.code)
        .collect();
    for code in &codes {
        crate::read::search::index::reindex_municipality(&txn, code).await?;
    }
    crate::read::latest::refresh(&txn, &codes.iter().cloned().collect()).await?;
    // Serving processes see the generation move and reload the cities whose revision rose.
    crate::cache::bump_generation(&txn).await?;
    txn.commit().await?;
    Ok(codes.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn serve_without_flags_takes_the_default_limits() {
        use clap::Parser;
        let cli = super::Cli::try_parse_from(["kyodo-hub", "serve"]).expect("valid");
        let super::Command::Serve { limits, .. } = cli.command else {
            panic!("serve");
        };
        assert_eq!(
            format!("{limits:?}"),
            format!("{:?}", crate::config::ServeConfig::default())
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks() {
        use clap::Parser;
        let cli = super::Cli::try_parse_from([
            "kyodo-hub",
            "serve",
            "--trusted-proxies",
            "10.0.0.0/8, ::1",
        ])
        .expect("valid");
        let super::Command::Serve { limits, .. } = cli.command else {
            panic!("serve");
        };
        let shown: Vec<String> = limits
            .http
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128"]);
        let e = super::Cli::try_parse_from(["kyodo-hub", "serve", "--trusted-proxies", "gateway"])
            .expect_err("not an address");
        assert!(
            e.to_string()
                .contains("`gateway` is not an IP address or a CIDR block"),
            "{e}"
        );
    }
}
