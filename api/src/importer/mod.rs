//! Importing price files: wires an ingest reader to the store's snapshot writer.
//!
//! Parsing and writing overlap: a reader thread parses and sends records in batches over a bounded
//! channel (where memory is bounded), while this thread writes them inside the one transaction of the
//! import. Any failure — a bad file, a lost connection, a killed process — rolls the whole file back
//! and leaves the facility's earlier snapshots as they were.

mod pipeline;
mod report;

pub use pipeline::{Progress, Quiet, import_path};
pub use report::{DocumentReport, Status};

use std::path::{Path, PathBuf};

/// The files named by the command line: files as given, folders walked recursively (sorted, hidden
/// entries skipped), so `priceline import data/` takes every file below it in a stable order.
pub fn expand_paths(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files)?;
    }
    Ok(files)
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        // A missing path is reported by the reader with the operating system's reason.
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if !hidden {
            collect(&entry, files)?;
        }
    }
    Ok(())
}
