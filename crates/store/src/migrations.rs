//! Embedded migrations, one tree per backend (`migrations/sqlite`, `migrations/postgres`) with the same
//! folder names. `build.rs` makes Cargo rebuild this crate when a migration folder is added.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::DbConnection;
use crate::{StoreError, StoreResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// One migration and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The version diesel records (`20261122000001`).
    pub version: String,
    /// The migration's folder name, version and purpose (`2026-11-22-000001_create_price_tables`):
    /// what an operator reads.
    pub name: String,
    pub applied: bool,
}

fn failed(error: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(error.to_string())
}

/// Every known migration of this connection's backend as (version, folder name), oldest first.
fn known(connection: &DbConnection) -> StoreResult<Vec<(String, String)>> {
    let mut known: Vec<(String, String)> = match connection {
        DbConnection::Sqlite(_) => MigrationSource::<Sqlite>::migrations(&SQLITE)
            .map_err(failed)?
            .iter()
            .map(|m| (m.name().version().to_string(), m.name().to_string()))
            .collect(),
        DbConnection::Postgres(_) => MigrationSource::<Pg>::migrations(&POSTGRES)
            .map_err(failed)?
            .iter()
            .map(|m| (m.name().version().to_string(), m.name().to_string()))
            .collect(),
    };
    known.sort();
    Ok(known)
}

/// The folder name of the migration with this version (the version itself if it is not ours).
fn named(known: &[(String, String)], version: &str) -> String {
    known
        .iter()
        .find(|(known_version, _)| known_version == version)
        .map_or_else(|| version.to_owned(), |(_, name)| name.clone())
}

fn applied_versions(connection: &mut DbConnection) -> StoreResult<Vec<String>> {
    let applied = match connection {
        DbConnection::Sqlite(c) => c.applied_migrations().map_err(failed)?,
        DbConnection::Postgres(c) => c.applied_migrations().map_err(failed)?,
    };
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Applies every pending migration; returns the names applied, oldest first.
pub fn run_pending(connection: &mut DbConnection) -> StoreResult<Vec<String>> {
    let known = known(connection)?;
    let applied = match connection {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(failed)?,
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES).map_err(failed)?,
    };
    let applied = applied
        .iter()
        .map(|version| named(&known, &version.to_string()))
        .collect();
    // Data a migration cannot derive in SQL: the parts of addresses imported before they had columns.
    crate::queries::place::fill_address_parts(connection)?;
    Ok(applied)
}

/// Reverts the last `steps` applied migrations, or all of them when fewer are applied; returns the
/// names reverted, newest first.
pub fn revert(connection: &mut DbConnection, steps: usize) -> StoreResult<Vec<String>> {
    let known = known(connection)?;
    let mut reverted = Vec::new();
    for _ in 0..steps {
        if applied_versions(connection)?.is_empty() {
            break;
        }
        let version = match connection {
            DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE).map_err(failed)?,
            DbConnection::Postgres(c) => c.revert_last_migration(POSTGRES).map_err(failed)?,
        };
        reverted.push(named(&known, &version.to_string()));
    }
    Ok(reverted)
}

/// The names of this backend's migrations that the database has not applied, oldest first: empty
/// when the schema is what this build expects. A database ahead of this build (a newer release
/// migrated it) has nothing pending: expand/contract migrations keep it servable.
///
/// Read-only, for the readiness probe: diesel's `applied_migrations` first runs `CREATE TABLE IF NOT
/// EXISTS` on its bookkeeping table (a statement a read-only replica or a locked database refuses),
/// so this reads that table itself, and an unmigrated database (no table) has everything pending.
pub fn pending(connection: &mut DbConnection) -> StoreResult<Vec<String>> {
    use diesel::{QueryableByName, RunQueryDsl, sql_query, sql_types::Text};

    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let known = known(connection)?;
    let bookkeeping = match connection {
        DbConnection::Sqlite(_) => {
            "SELECT name AS version FROM sqlite_master \
             WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
        DbConnection::Postgres(_) => {
            "SELECT 'table' AS version WHERE to_regclass('__diesel_schema_migrations') IS NOT NULL"
        }
    };
    let applied: Vec<String> = if sql_query(bookkeeping)
        .load::<Version>(connection)?
        .is_empty()
    {
        Vec::new()
    } else {
        sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Version>(connection)?
            .into_iter()
            .map(|row| row.version)
            .collect()
    };
    Ok(known
        .into_iter()
        .filter(|(version, _)| !applied.contains(version))
        .map(|(_, name)| name)
        .collect())
}

/// Every known migration, oldest first, with whether it is applied.
pub fn status(connection: &mut DbConnection) -> StoreResult<Vec<MigrationStatus>> {
    let known = known(connection)?;
    let applied = applied_versions(connection)?;
    Ok(known
        .into_iter()
        .map(|(version, name)| MigrationStatus {
            applied: applied.contains(&version),
            version,
            name,
        })
        .collect())
}

#[cfg(feature = "test-support")]
pub use fingerprint::schema_fingerprint;

/// Only tests compare schemas (feature `test-support`).
#[cfg(feature = "test-support")]
mod fingerprint {
    use diesel::{QueryableByName, RunQueryDsl, sql_query, sql_types::Text};

    use crate::StoreResult;
    use crate::connection::DbConnection;

    #[derive(QueryableByName)]
    struct SchemaLine {
        #[diesel(sql_type = Text)]
        line: String,
    }

    /// A sorted text description of the tables, columns, indexes and constraints the migrations made
    /// (the migrations bookkeeping table left out): equal fingerprints mean equal schemas.
    pub fn schema_fingerprint(connection: &mut DbConnection) -> StoreResult<Vec<String>> {
        let query = match connection {
            DbConnection::Sqlite(_) => {
                "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master \
                 WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%' ORDER BY line"
            }
            DbConnection::Postgres(_) => {
                "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
                     || ' ' || COALESCE(column_default, '') || ' ' || COALESCE(identity_generation, '') AS line \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%' \
                 UNION ALL \
                 SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes \
                 WHERE schemaname = current_schema() AND tablename NOT LIKE '__diesel%' \
                 UNION ALL \
                 SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
                   AND conrelid::regclass::text NOT LIKE '__diesel%' \
                 ORDER BY line"
            }
        };
        let lines: Vec<SchemaLine> = sql_query(query).load(connection)?;
        Ok(lines.into_iter().map(|line| line.line).collect())
    }
}
