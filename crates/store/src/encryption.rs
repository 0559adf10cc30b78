//! Converting a SQLite file between keys (SQLCipher): `priceline db encrypt` (plain to encrypted)
//! and `priceline db rekey` (one key to another).
//!
//! Both copy the whole database with `sqlcipher_export` into a new file beside it, check that the
//! copy opens with its key and holds the same schema, then rename it over the original: the
//! original is untouched until that atomic rename, so a failure (a wrong key, a full disk, a crash)
//! leaves it as it was. SQLCipher's in-place `PRAGMA rekey` would rewrite the file page by page and
//! is not available in WAL mode.
//!
//! The source is first switched out of WAL mode (which checkpoints it and removes its `-wal` and
//! `-shm` files): that needs every other connection closed, so a server still running on the file
//! makes the conversion fail with "database is locked" instead of writing to a file about to be
//! replaced; and no stale WAL of the old file can be applied to the new one.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::connection::{DatabaseKey, QUIET, looks_encrypted};
use crate::{StoreError, StoreResult};

fn failed(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Connect {
        backend: "SQLite",
        target: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Encrypts the plain SQLite file at `path` with `key`.
pub fn encrypt(path: &Path, key: &DatabaseKey) -> StoreResult<()> {
    if looks_encrypted(path) {
        return Err(failed(
            path,
            "the file is already encrypted (or not a SQLite database): use `priceline db rekey` to \
             change its key",
        ));
    }
    convert(path, None, key)
}

/// Re-encrypts the SQLite file at `path`, encrypted with `old`, with `new`.
pub fn rekey(path: &Path, old: &DatabaseKey, new: &DatabaseKey) -> StoreResult<()> {
    if !looks_encrypted(path) {
        return Err(failed(
            path,
            "the file is not encrypted: use `priceline db encrypt` to encrypt it",
        ));
    }
    convert(path, Some(old), new)
}

/// Opens `path` with `key` and reads its schema: the number of objects in it.
fn open(path: &Path, key: Option<&DatabaseKey>) -> StoreResult<(Connection, i64)> {
    // CREATE: an attached database inherits the connection's flags, and the copy is a new file
    // (`convert` checked that `path` itself exists).
    let connection = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    if let Some(key) = key {
        connection.execute_batch(&format!("{QUIET}; PRAGMA key = {}", key.literal()))?;
    }
    let objects = connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
        .map_err(|error| match (key, error.sqlite_error_code()) {
            (Some(_), Some(rusqlite::ErrorCode::NotADatabase)) => failed(
                path,
                "the key does not open this database (PRICELINE_DATABASE_KEY is its current key); \
                 nothing was changed",
            ),
            _ => StoreError::from(error),
        })?;
    Ok((connection, objects))
}

fn convert(path: &Path, from: Option<&DatabaseKey>, to: &DatabaseKey) -> StoreResult<()> {
    if !path.is_file() {
        return Err(failed(path, "there is no database file here"));
    }
    let (source, objects) = open(path, from)?;
    // Out of WAL mode: see the module's comment. Fails while another connection is open.
    let mode: String = source
        .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
        .map_err(|error| {
            failed(
                path,
                format!("{error}: stop every server and import using this database first"),
            )
        })?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(failed(
            path,
            format!(
                "the database stayed in {mode} mode: stop every server and import using it first"
            ),
        ));
    }
    let copy = sibling(path);
    remove_if_present(&copy)?;
    let result = export(&source, &copy, to).and_then(|()| {
        drop(source);
        let (check, copied) = open(&copy, Some(to))?;
        drop(check);
        if copied != objects {
            return Err(failed(
                &copy,
                format!("the copy has {copied} schema objects, the original {objects}"),
            ));
        }
        sync(&copy)?;
        std::fs::rename(&copy, path).map_err(|error| failed(path, error.to_string()))?;
        if let Some(parent) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            sync(parent)?;
        }
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&copy);
    }
    result
}

/// Every table, index, trigger and view of `source`, and its user_version, into a new file at
/// `copy` encrypted with `key`.
fn export(source: &Connection, copy: &Path, key: &DatabaseKey) -> StoreResult<()> {
    let file = copy.display().to_string().replace('\'', "''");
    source.execute_batch(&format!(
        "ATTACH DATABASE '{file}' AS encrypted KEY {}; SELECT sqlcipher_export('encrypted');",
        key.literal()
    ))?;
    let version: i64 = source.query_row("PRAGMA main.user_version", [], |row| row.get(0))?;
    source.execute_batch(&format!(
        "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
    ))?;
    Ok(())
}

/// `data/priceline.db` → `data/priceline.db.converting`, in the same folder so the rename is atomic.
fn sibling(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".converting");
    path.with_file_name(name)
}

fn remove_if_present(path: &Path) -> StoreResult<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(failed(path, error.to_string()))
        }
        _ => Ok(()),
    }
}

fn sync(path: &Path) -> StoreResult<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|error| failed(path, error.to_string()))
}
