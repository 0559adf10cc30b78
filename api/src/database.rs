//! Opening the service's database: the pool, with the schema brought up to date, or pending
//! migrations refused where applying them is the operator's call. Beside the CLI, which opens it for
//! `serve` and `import`, so the test server opens its database the same way without the CLI.

use anyhow::bail;
use priceline_store::{Backend, DatabaseUrl, Pool, PoolOptions, migrations};

/// Opens the pool and brings the schema up to date: always for the embedded SQLite file, which is ours
/// to manage; for PostgreSQL only when asked, since its schema is the operator's. Refuses to serve on
/// a PostgreSQL schema with pending migrations.
pub fn open_database(
    url: &DatabaseUrl,
    options: PoolOptions,
    migrate: bool,
) -> anyhow::Result<Pool> {
    let pool = Pool::open(url, options)?;
    let mut connection = pool.get()?;
    let pending = migrations::pending(&mut connection)?;
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
