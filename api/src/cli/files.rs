//! The files a command line names: files as given, folders walked.

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
