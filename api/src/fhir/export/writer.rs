//! The background part of an export: each type read page by page from the store (the pages search
//! reads, never a whole table at once), each resource built as a read returns it, written one per
//! line to `{Type}-{n}.ndjson` files of at most `PRICELINE_EXPORT_FILE_LINES` lines.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use priceline_store::Pool;

use super::board::{Job, OutputFile, State, remove};
use crate::fhir::bundle::Resource;
use crate::fhir::registry::ResourceType;
use crate::fhir::{catalogue, search};

/// Runs `job` to its end (on a thread of its own: it blocks on the store and the disk).
pub fn run(pool: Pool, job: Arc<Job>) {
    let result = write_all(&pool, &job);
    let ended = Instant::now();
    if job.is_cancelled() {
        remove(&job.dir);
        return;
    }
    match result {
        Ok(files) => job.set_state(State::Done { files, ended }),
        Err(message) => {
            tracing::error!(job = %job.id, %message, "export failed");
            remove(&job.dir);
            job.set_state(State::Failed { message, ended });
        }
    }
}

/// Whether a resource was updated after `since` (`meta.lastUpdated`).
fn updated_after(resource: &Resource, since: Option<DateTime<Utc>>) -> bool {
    let Some(since) = since else {
        return true;
    };
    resource.to_value()["meta"]["lastUpdated"]
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .is_some_and(|updated| updated > since)
}

fn write_all(pool: &Pool, job: &Job) -> Result<Vec<OutputFile>, String> {
    let mut files = Vec::new();
    for resource in &job.types {
        files.extend(write_type(pool, job, resource)?);
    }
    Ok(files)
}

/// The files of one type.
struct TypeFiles<'a> {
    dir: &'a Path,
    type_name: &'static str,
    lines: u64,
    open: Option<BufWriter<File>>,
    files: Vec<OutputFile>,
}

impl TypeFiles<'_> {
    fn write(&mut self, resource: &Resource) -> std::io::Result<()> {
        let full = self
            .files
            .last()
            .is_none_or(|file| file.count >= self.lines);
        if full {
            self.close()?;
            let name = format!("{}-{}.ndjson", self.type_name, self.files.len() + 1);
            self.open = Some(BufWriter::new(File::create(self.dir.join(&name))?));
            self.files.push(OutputFile {
                type_name: self.type_name,
                name,
                count: 0,
            });
        }
        if let (Some(out), Some(file)) = (self.open.as_mut(), self.files.last_mut()) {
            serde_json::to_writer(&mut *out, resource)?;
            out.write_all(b"\n")?;
            file.count += 1;
        }
        Ok(())
    }

    fn close(&mut self) -> std::io::Result<()> {
        if let Some(out) = self.open.take() {
            out.into_inner()
                .map_err(std::io::IntoInnerError::into_error)?
                .sync_all()?;
        }
        Ok(())
    }
}

fn write_type(
    pool: &Pool,
    job: &Job,
    resource: &'static ResourceType,
) -> Result<Vec<OutputFile>, String> {
    let failed = |error: &dyn std::fmt::Display| format!("{}: {error}", resource.name);
    let mut request = search::parse(resource, "", false).map_err(|e| failed(&e))?;
    request.count = search::MAX_COUNT;
    let mut out = TypeFiles {
        dir: &job.dir,
        type_name: resource.name,
        lines: job.file_lines,
        open: None,
        files: Vec::new(),
    };
    let mut written = 0;
    loop {
        if job.is_cancelled() {
            return Err("cancelled".to_owned());
        }
        // A connection per page: a long export does not hold one from the requests' pool.
        let page = {
            let mut connection = pool.get().map_err(|e| failed(&e))?;
            catalogue::search(&mut connection, resource, &request).map_err(|e| failed(&e))?
        };
        for found in page
            .matches
            .iter()
            .filter(|found| updated_after(found, job.since))
        {
            out.write(found).map_err(|e| failed(&e))?;
            written += 1;
        }
        job.set_state(State::Running {
            type_name: resource.name,
            written,
        });
        match page.next {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    out.close().map_err(|e| failed(&e))?;
    Ok(out.files)
}
