//! What identifies the state of the data the API reads, and reads that state consistently.
//!
//! Price data changes only when an import commits, and every import that changes anything adds a
//! `source_files` row in the same transaction (snapshots are never edited in place, files never
//! deleted). So the highest file id moves with every change a reader could see; it is read from the
//! key's index, whatever the number of files.

use diesel::connection::Connection;
use diesel::dsl::max;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::schema::source_files;
use crate::{StoreError, StoreResult};

/// An opaque token that differs whenever the data served may differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion {
    last_file_id: i64,
}

pub fn data_version(connection: &mut DbConnection) -> StoreResult<DataVersion> {
    let last_file_id: Option<i64> = source_files::table
        .select(max(source_files::id))
        .first(connection)?;
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
pub fn consistent_read<T, E: From<StoreError>>(
    connection: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<(DataVersion, T), E> {
    let mut failed = None;
    let read = connection.transaction::<_, diesel::result::Error, _>(|connection| {
        if let DbConnection::Postgres(_) = connection {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(connection)?;
        }
        let version = data_version(connection).map_err(|error| {
            failed = Some(E::from(error));
            diesel::result::Error::RollbackTransaction
        })?;
        match work(connection) {
            Ok(value) => Ok((version, value)),
            Err(error) => {
                failed = Some(error);
                Err(diesel::result::Error::RollbackTransaction)
            }
        }
    });
    read.map_err(|error| failed.unwrap_or_else(|| E::from(StoreError::from(error))))
}
