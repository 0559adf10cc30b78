//! The `priceline` command line: serve the API, manage the schema, print the OpenAPI document.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use priceline_store::{Backend, DatabaseUrl, Pool, migrations};

use crate::config::{ConfigError, Settings};
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "priceline",
    version,
    about = "Hospital Priceline: a price API over CMS hospital price transparency files",
    after_help = "Configuration comes from PRICELINE_* environment variables or a .env file; see README.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (and Swagger UI at /docs).
    Serve {
        /// Apply pending migrations first. Always done for SQLite; PostgreSQL needs this flag or
        /// `priceline migrate up`, so production schema changes stay deliberate.
        #[arg(long)]
        migrate: bool,
    },
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the OpenAPI document (3.1, JSON).
    Openapi,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last N applied migrations.
    Down {
        /// How many migrations to revert.
        #[arg(default_value_t = 1)]
        steps: usize,
    },
    /// List migrations and whether each is applied.
    Status,
}

/// Runs a command; `settings` is only consulted by commands that need configuration.
pub fn run(
    cli: Cli,
    settings: impl FnOnce() -> Result<Settings, ConfigError>,
) -> anyhow::Result<()> {
    match cli.command {
        Command::Openapi => {
            print!("{}", crate::openapi::spec_json());
            Ok(())
        }
        Command::Migrate { action } => migrate(&settings()?, action),
        Command::Serve { migrate } => serve(settings()?, migrate),
    }
}

fn migrate(settings: &Settings, action: MigrateAction) -> anyhow::Result<()> {
    let mut connection = priceline_store::connect(&settings.database_url)?;
    let target = &settings.database_url;
    match action {
        MigrateAction::Up => {
            let applied = migrations::run_pending(&mut connection)?;
            if applied.is_empty() {
                println!("{target}: schema is up to date");
            }
            for name in applied {
                println!("{target}: applied {name}");
            }
        }
        MigrateAction::Down { steps } => {
            let reverted = migrations::revert(&mut connection, steps)?;
            if reverted.is_empty() {
                println!("{target}: nothing to revert");
            }
            for name in reverted {
                println!("{target}: reverted {name}");
            }
        }
        MigrateAction::Status => {
            for status in migrations::status(&mut connection)? {
                let mark = if status.applied { "applied" } else { "pending" };
                println!("{mark:8} {}", status.name);
            }
        }
    }
    Ok(())
}

/// Opens the pool and brings the schema up to date: always for the embedded SQLite file, which is ours
/// to manage; for PostgreSQL only when asked, since its schema is the operator's. Refuses to serve on
/// a PostgreSQL schema with pending migrations.
pub fn open_database(url: &DatabaseUrl, pool_size: u32, migrate: bool) -> anyhow::Result<Pool> {
    let pool = Pool::open(url, pool_size)?;
    let mut connection = pool.get()?;
    let pending: Vec<String> = migrations::status(&mut connection)?
        .into_iter()
        .filter(|status| !status.applied)
        .map(|status| status.name)
        .collect();
    if pending.is_empty() {
        return Ok(pool);
    }
    if url.backend() != Backend::Sqlite && !migrate {
        bail!(
            "{url} has {} pending migration(s) ({}); run `priceline migrate up` or `priceline serve --migrate`",
            pending.len(),
            pending.join(", ")
        );
    }
    for name in migrations::run_pending(&mut connection)? {
        tracing::info!(migration = %name, "applied migration");
    }
    drop(connection);
    Ok(pool)
}

fn serve(settings: Settings, migrate: bool) -> anyhow::Result<()> {
    crate::telemetry::init(&settings.log_filter);
    let url = &settings.database_url;
    let pool = open_database(url, settings.pool_size, migrate)?;
    let application = Application::build(settings.listen, settings.workers, pool)
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let base = format!("http://{}:{}", settings.listen.ip(), application.port());
    println!("Hospital Priceline is serving {url}");
    println!("  API:        {base}/");
    println!("  Swagger UI: {base}/docs/");
    println!("  OpenAPI:    {base}/openapi.json");
    println!("  Health:     {base}/healthz");
    actix_web::rt::System::new().block_on(application.run_until_stopped())?;
    Ok(())
}
