//! Importing price files: wires an ingest reader to the store's snapshot writer, for the CLI (and,
//! later, the server's import jobs). Knows nothing of HTTP or of a terminal: the caller shows progress
//! through [`Progress`] and prints or serves the [`DocumentReport`]s.
//!
//! Parsing and writing overlap: a reader thread parses and sends records in batches over a bounded
//! channel (where memory is bounded), while the calling thread writes them inside the one transaction
//! of the import, and a third thread hashes the bytes. Any failure — a bad file, a lost connection, a
//! killed process — rolls the whole file back and leaves the facility's earlier snapshots as they were.

mod acceptance;
mod pipeline;
mod progress;
mod report;

pub use pipeline::import_path;
pub use progress::{Progress, Quiet};
pub use report::{DocumentReport, Status};
