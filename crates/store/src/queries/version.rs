//! What identifies the state of the data the API reads.
//!
//! Price data changes only when an import commits, and every import that changes anything adds a
//! `source_files` row in the same transaction (snapshots are never edited in place). So the number of
//! files and the highest file id move together with every change a reader could see.

use diesel::dsl::{count_star, max};
use diesel::prelude::*;

use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::source_files;

/// An opaque token that differs whenever the data served may differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion {
    files: i64,
    last_file_id: i64,
}

pub fn data_version(connection: &mut DbConnection) -> StoreResult<DataVersion> {
    let (files, last_file_id): (i64, Option<i64>) = source_files::table
        .select((count_star(), max(source_files::id)))
        .first(connection)?;
    Ok(DataVersion {
        files,
        last_file_id: last_file_id.unwrap_or(0),
    })
}

impl DataVersion {
    /// A version for unit tests of code that compares versions.
    #[cfg(feature = "test-support")]
    pub fn for_tests(files: i64) -> Self {
        Self {
            files,
            last_file_id: files,
        }
    }
}
