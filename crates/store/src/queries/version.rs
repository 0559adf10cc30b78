//! What identifies the state of the data the API reads, and reads that state consistently.
//!
//! Price data changes only when an import commits, and every import that changes anything adds a
//! `source_files` row in the same transaction (snapshots are never edited in place, files never
//! deleted). So the highest file id moves with every change a reader could see; it is read from the
//! key's index, whatever the number of files.

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
use diesel::dsl::max;
use diesel::prelude::*;

use crate::connection::{DbConnection, end_transaction};
use crate::pool::{Checkout, PooledConnection, start_on};
use crate::schema::source_files;
use crate::{StoreError, StoreResult};

/// An opaque token that differs whenever the data served may differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion {
    last_file_id: i64,
}

/// Without parameters (no `LIMIT $1`), so that PostgreSQL plans it once per connection rather than on
/// every read (sessions plan each run, `connection::POSTGRES_SESSION`).
pub fn data_version(connection: &mut DbConnection) -> StoreResult<DataVersion> {
    let last_file_id: Option<i64> = source_files::table
        .select(max(source_files::id))
        .get_result(connection)?;
    Ok(DataVersion {
        last_file_id: last_file_id.unwrap_or(0),
    })
}

impl DataVersion {
    /// The id of the newest file the data reflects (0 before any import): ids only grow, so a
    /// client that imported file 42 reads its own import in any response of version 42 or later.
    pub fn newest_file(&self) -> i64 {
        self.last_file_id
    }

    /// A version for unit tests of code that compares versions.
    #[cfg(feature = "test-support")]
    pub fn for_tests(last_file_id: i64) -> Self {
        Self { last_file_id }
    }
}

/// Runs `work` in one read-only transaction that sees a single state of the data, and gives that
/// state's version with its result: SQLite's read transaction, PostgreSQL's `REPEATABLE READ`
/// (each statement of `READ COMMITTED` would see the commits made before it).
///
/// The connection comes from `acquire`, as it is in the pool first: the transaction's `BEGIN`
/// shows whether it died there, before anything was read, and the read then starts over on a
/// checked connection (see [`crate::pool`]).
///
/// On PostgreSQL the transaction opens with its mode in one statement: a `BEGIN` then a `SET
/// TRANSACTION` was a round trip more on every read (a code lookup made ten).
pub fn consistent_read<T, E: From<StoreError>>(
    acquire: impl Fn(Checkout) -> StoreResult<PooledConnection>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<(DataVersion, T), E> {
    let failed = |error: diesel::result::Error| E::from(StoreError::from(error));
    let (mut connection, ()) =
        start_on(acquire, |connection| begin_read(connection).map_err(failed))?;
    let connection: &mut DbConnection = &mut connection;
    let read = data_version(connection)
        .map_err(E::from)
        .and_then(|version| Ok((version, work(connection)?)));
    end_transaction(connection, read)
}

fn begin_read(connection: &mut DbConnection) -> diesel::QueryResult<()> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    match connection {
        DbConnection::Postgres(connection) => AnsiTransactionManager::begin_transaction_sql(
            connection,
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        ),
        DbConnection::Sqlite(_) => Manager::begin_transaction(connection),
    }
}
