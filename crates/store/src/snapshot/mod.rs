//! Snapshots: one imported file of one facility, with everything it said.
//!
//! [`SnapshotWriter`] streams a file's records into the database in batches inside one transaction
//! (see [`import`]). With the `test-support` feature, `write_snapshot` writes a snapshot held in
//! memory and `load_snapshot` gives back the same domain values.

mod bookkeeping;
mod cells;
mod code_prices;
pub(crate) mod line_amounts;
mod postgres;
#[cfg(feature = "test-support")]
mod reader;
mod report;
mod session;
mod sqlite;
pub mod statistics;
#[cfg(feature = "test-support")]
mod test_support;
mod writer;

pub use bookkeeping::{ACCEPTED, REJECTED, SnapshotIds, Written};
#[cfg(feature = "test-support")]
pub use reader::{Snapshot, StoredCounts, count_rows, load_snapshot, source_file_ids};
pub use report::{FileReport, Rejection, StoredFinding, StoredQuarantine};
pub use session::{ImportSession, import};
#[cfg(feature = "test-support")]
pub use test_support::{current_source_file_id, find_by_sha256, write_snapshot};
pub use writer::{Begin, SnapshotWriter};
