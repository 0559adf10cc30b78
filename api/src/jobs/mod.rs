//! Import jobs over the API: files accepted by `POST /v1/imports` wait in a folder of their own
//! (`PRICELINE_IMPORT_DIR/<id>/<file name>`) and are imported one at a time by a single runner
//! thread beside the HTTP workers, with the same pipeline and import pool as `priceline import`.
//!
//! The `import_jobs` table is the record of every job. On SQLite an import holds the database's
//! one write lock for as long as it runs, so a job accepted meanwhile waits here
//! ([`Board::pending`]) and the runner stores it as soon as the import ends; on PostgreSQL the
//! request that accepts a job stores it at once (every replica must know it). The API reads a job
//! from here first, then from the table. Several servers over one database: see [`runner`]. Byte progress of the running job lives here too, so
//! `GET /v1/imports/{id}` shows it live on the server that runs it; on PostgreSQL the row gets it
//! once a second as well (on SQLite only when the job ends: the import holds the write lock).

mod board;
mod download;
mod runner;

pub use board::Jobs;
pub use download::{allowed, file_name_of_url};
pub(crate) use runner::job_dir;
pub use runner::{ABANDONED, INTERRUPTED, NOT_RUN, RunnerGuard, STOPPED};

/// A new job id: 128 random bits as 32 hexadecimal digits (unguessable, so one client cannot
/// enumerate another's jobs).
pub fn new_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Whether `id` could be a job id: what `GET /v1/imports/{id}` accepts.
pub fn is_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// A file name the job folder can hold as given: no separator, no control character, not `.` or
/// `..`, at most 255 characters.
pub fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 255
        && !name.chars().all(|c| c == '.')
        && !name
            .chars()
            .any(|c| matches!(c, '/' | '\\') || c.is_ascii_control())
}
