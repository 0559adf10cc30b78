//! The runner: one thread per server process that stores accepted jobs, takes the oldest queued
//! job it can run and imports it, one at a time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use priceline_domain::{ImportJob, JobSource, JobState};
use priceline_import::{DocumentReport, Progress, Status, import_path};
use priceline_ingest::ReadOptions;
use priceline_store::queries::import_jobs;
use priceline_store::{Backend, DatabaseUrl, DbConnection, Pool, PoolOptions};

use super::board::Jobs;
use super::download::download;

/// The failure reason of a job a restart interrupted.
pub const INTERRUPTED: &str = "interrupted by a server restart";

/// How often the runner looks at the table for jobs another process accepted.
const POLL: Duration = Duration::from_secs(2);

/// Stops the runner when dropped (with the server that owns it).
pub struct RunnerGuard(Arc<Jobs>);

impl Drop for RunnerGuard {
    fn drop(&mut self) {
        self.0.stop();
    }
}

impl Jobs {
    /// Fails the jobs a stopped server left behind, then starts the runner thread. `pool` is the
    /// API's (for the job table); imports open their own pool, as `priceline import` does.
    pub fn start(
        self: &Arc<Self>,
        pool: Pool,
        database_url: DatabaseUrl,
    ) -> std::io::Result<RunnerGuard> {
        match pool.get() {
            Ok(mut connection) => {
                if let Err(error) = recover(&mut connection, &self.settings.dir) {
                    tracing::error!(%error, "cannot check the import jobs left by the last run");
                }
            }
            Err(error) => {
                tracing::error!(%error, "cannot check the import jobs left by the last run")
            }
        }
        let jobs = Arc::clone(self);
        std::thread::Builder::new()
            .name("import-jobs".to_owned())
            .spawn(move || run(&jobs, &pool, &database_url))?;
        Ok(RunnerGuard(Arc::clone(self)))
    }
}

/// At start-up: a job found running was interrupted (this server is the one that runs jobs on this
/// database and it was not running); a queued upload whose file is gone can never run. Both are
/// failed with the reason, and the files of the failed ones deleted.
fn recover(connection: &mut DbConnection, dir: &Path) -> priceline_store::StoreResult<()> {
    let now = Utc::now();
    for job in import_jobs::fail_running(connection, INTERRUPTED, now)? {
        tracing::warn!(job = %job.id, file = %job.file_name, "import job {INTERRUPTED}");
        remove_job_dir(dir, &job.id);
    }
    sweep_orphans(connection, dir);
    for job in import_jobs::queued(connection, 1000)? {
        let lost = job.source == JobSource::Upload
            && job
                .upload_path
                .as_deref()
                .is_none_or(|path| !Path::new(path).exists());
        if lost {
            let reason = format!("{INTERRUPTED} (the uploaded file is gone)");
            import_jobs::fail(connection, &job.id, JobState::Queued, &reason, now)?;
            tracing::warn!(job = %job.id, "import job {reason}");
        }
    }
    Ok(())
}

/// Folders of uploads a stopped server was still receiving (no job was ever stored for them): deleted
/// once an hour old, so an upload another server is receiving into a shared folder is left alone.
fn sweep_orphans(connection: &mut DbConnection, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if super::is_id(&name)
            && old
            && matches!(
                import_jobs::get(connection, &name),
                Err(priceline_store::StoreError::NotFound)
            )
        {
            tracing::info!(dir = %entry.path().display(), "deleting an upload no job was stored for");
            remove_job_dir(dir, &name);
        }
    }
}

fn run(jobs: &Jobs, pool: &Pool, database_url: &DatabaseUrl) {
    loop {
        if jobs.board().stopped {
            return;
        }
        store_pending(jobs, pool);
        match claim(jobs, pool) {
            Some(job) => execute(jobs, pool, database_url, job),
            None => jobs.wait(POLL),
        }
    }
}

/// Stores the jobs accepted since the last look; those the database does not take now (busy with
/// another importer's lock) stay pending for the next.
fn store_pending(jobs: &Jobs, pool: &Pool) {
    let pending = jobs.board().pending.clone();
    if pending.is_empty() {
        return;
    }
    let Ok(mut connection) = pool.get() else {
        return;
    };
    for job in pending {
        match import_jobs::insert(&mut connection, &job) {
            Ok(()) => jobs.board().pending.retain(|waiting| waiting.id != job.id),
            Err(error) => {
                tracing::warn!(job = %job.id, %error, "cannot store the import job yet; will retry");
                return;
            }
        }
    }
}

/// The oldest queued job this process can run (a URL, or an upload whose file is on this disk),
/// marked running.
fn claim(jobs: &Jobs, pool: &Pool) -> Option<ImportJob> {
    let mut connection = pool.get().ok()?;
    let queued = import_jobs::queued(&mut connection, 100).ok()?;
    for mut job in queued {
        let runnable = match job.source {
            JobSource::Url => true,
            JobSource::Upload => job
                .upload_path
                .as_deref()
                .is_some_and(|path| Path::new(path).exists()),
        };
        if !runnable {
            continue;
        }
        let now = Utc::now();
        if import_jobs::start(&mut connection, &job.id, now).ok()? {
            job.state = JobState::Running;
            job.started_at = Some(now);
            jobs.board().running = Some(job.clone());
            return Some(job);
        }
    }
    None
}

/// Runs one job to its end and records it.
fn execute(jobs: &Jobs, pool: &Pool, database_url: &DatabaseUrl, mut job: ImportJob) {
    tracing::info!(job = %job.id, file = %job.file_name, "import job started");
    let dir = job_dir(&jobs.settings.dir, &job.id);
    match fetch(jobs, &dir, &job)
        .and_then(|path| import(jobs, pool, database_url, &job, &dir, &path))
    {
        Ok(reports) => conclude(&mut job, &reports),
        Err(reason) => {
            job.state = JobState::Failed;
            job.failure = Some(reason);
        }
    }
    if let Some(running) = &jobs.board().running {
        job.bytes_total = job.bytes_total.or(running.bytes_total);
        job.bytes_read = running.bytes_read.max(job.bytes_read);
    }
    job.finished_at = Some(Utc::now());
    // Shown ended from now on, while its row is written: a client never sees it go back.
    jobs.board().running = Some(job.clone());
    // The record of the job must not be lost to a moment of contention: retry a few times.
    let mut stored = false;
    for attempt in 0..5 {
        match pool
            .get()
            .map_err(|error| error.to_string())
            .and_then(|mut connection| {
                import_jobs::finish(&mut connection, &job).map_err(|error| error.to_string())
            }) {
            Ok(()) => {
                stored = true;
                break;
            }
            Err(error) => {
                tracing::warn!(job = %job.id, %error, attempt, "cannot record the import job's end");
                std::thread::sleep(Duration::from_secs(1 << attempt));
            }
        }
    }
    if !stored {
        tracing::error!(job = %job.id, "the import job's end could not be recorded");
    }
    tracing::info!(job = %job.id, state = %job.state, failure = job.failure.as_deref().unwrap_or(""), "import job ended");
    jobs.board().running = None;
    remove_job_dir(&jobs.settings.dir, &job.id);
}

/// The file to import: the upload as stored, or the URL downloaded into the job's folder.
fn fetch(jobs: &Jobs, dir: &Path, job: &ImportJob) -> Result<PathBuf, String> {
    match (job.source, &job.upload_path, &job.url) {
        (JobSource::Upload, Some(path), _) => Ok(PathBuf::from(path)),
        (JobSource::Url, _, Some(url)) => {
            // The allowlist may have changed since the job was accepted: it is checked again.
            let url = super::allowed(url, &jobs.settings.url_allowlist)
                .ok_or_else(|| format!("{url} is no longer in PRICELINE_IMPORT_URL_ALLOWLIST"))?;
            std::fs::create_dir_all(dir)
                .map_err(|error| format!("cannot create the job's folder: {error}"))?;
            let path = dir.join(&job.file_name);
            let bytes = download(&url, &path, jobs.settings.max_bytes, &|read, total| {
                if let Some(running) = jobs.board().running.as_mut() {
                    running.bytes_read = read as i64;
                    running.bytes_total = total.map(|total| total as i64);
                }
            })?;
            if let Some(running) = jobs.board().running.as_mut() {
                running.bytes_total = Some(bytes as i64);
            }
            Ok(path)
        }
        _ => Err("the job names no file".to_owned()),
    }
}

/// Imports the file as `priceline import` does: its pool (two connections on PostgreSQL, the
/// second storing payer rates; no statement timeout), its pipeline, its report.
fn import(
    jobs: &Jobs,
    api_pool: &Pool,
    database_url: &DatabaseUrl,
    job: &ImportJob,
    dir: &Path,
    path: &Path,
) -> Result<Vec<DocumentReport>, String> {
    let postgres = database_url.backend() == Backend::Postgres;
    let pool = crate::database::open_database(
        database_url,
        PoolOptions::new(1 + u32::from(postgres)),
        false,
    )
    .map_err(|error| format!("cannot open the database for the import: {error:#}"))?;
    let mut connection = pool.get().map_err(|error| error.to_string())?;
    let mut rates = if postgres {
        Some(pool.get().map_err(|error| error.to_string())?)
    } else {
        None
    };
    let progress = JobProgress {
        jobs,
        earlier: AtomicU64::new(0),
        current: AtomicU64::new(0),
        // On PostgreSQL the table takes the progress too (about once a second), so every server
        // over the database shows it; on SQLite the import holds the write lock until it ends.
        table: postgres.then(|| TableProgress {
            pool: api_pool.clone(),
            id: job.id.clone(),
            last: std::sync::Mutex::new(std::time::Instant::now()),
        }),
    };
    let mut reports = import_path(
        &mut connection,
        rates.as_deref_mut(),
        path,
        &ReadOptions::default(),
        &progress,
    );
    if reports
        .iter()
        .any(|report| report.status == Status::Imported)
        && let Err(error) = priceline_store::planner::refresh_statistics(&mut connection)
    {
        tracing::warn!(job = %job.id, %error, "refreshing the query planner's statistics failed");
    }
    // The report names the file as the client sent it, not where it waited on this disk.
    let prefix = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
    for report in &mut reports {
        if let Some(rest) = report.file.strip_prefix(&prefix) {
            report.file = rest.to_owned();
        }
    }
    Ok(reports)
}

/// The job's outcome from its documents' reports: succeeded when each was imported (or already
/// was), failed with the first refusal's or failure's reason otherwise.
fn conclude(job: &mut ImportJob, reports: &[DocumentReport]) {
    job.items = reports
        .iter()
        .map(|report| report.summary.items as i64)
        .sum();
    job.payer_rates = reports
        .iter()
        .map(|report| report.summary.payer_rates as i64)
        .sum();
    job.report_json = serde_json::to_string(reports).ok();
    let failed = reports
        .iter()
        .find(|report| !matches!(report.status, Status::Imported | Status::Unchanged));
    match failed {
        None => job.state = JobState::Succeeded,
        Some(report) => {
            job.state = JobState::Failed;
            let status = format!("{:?}", report.status).to_lowercase();
            job.failure = Some(match &report.reason {
                Some(reason) => format!("{} {status}: {reason}", report.file),
                None => format!("{} {status}", report.file),
            });
        }
    }
}

/// The import's progress, into the board: bytes read over every document so far.
struct JobProgress<'a> {
    jobs: &'a Jobs,
    /// Bytes of the documents already finished.
    earlier: AtomicU64,
    /// The size of the current document.
    current: AtomicU64,
    table: Option<TableProgress>,
}

/// Progress written to the job's row, at most once per [`TableProgress::EVERY`].
struct TableProgress {
    pool: Pool,
    id: String,
    last: std::sync::Mutex<std::time::Instant>,
}

impl TableProgress {
    const EVERY: Duration = Duration::from_secs(1);

    /// Whether a second has passed since the last write (and starts the next second if so).
    fn due(&self) -> bool {
        let Ok(mut last) = self.last.try_lock() else {
            return false;
        };
        if last.elapsed() < Self::EVERY {
            return false;
        }
        *last = std::time::Instant::now();
        true
    }

    fn record(&self, running: &ImportJob) {
        // Progress is a courtesy to other servers: a failure to write it is not the import's.
        let written =
            self.pool
                .get()
                .map_err(|error| error.to_string())
                .and_then(|mut connection| {
                    import_jobs::progress(&mut connection, running)
                        .map_err(|error| error.to_string())
                });
        if let Err(error) = written {
            tracing::debug!(job = %self.id, %error, "cannot record the import job's progress");
        }
    }
}

impl Progress for JobProgress<'_> {
    fn start(&self, _file: &str, bytes: u64) {
        self.current.store(bytes, Ordering::Relaxed);
        let earlier = self.earlier.load(Ordering::Relaxed);
        if let Some(running) = self.jobs.board().running.as_mut() {
            running.bytes_read = earlier as i64;
            // A gzip document's size is known only once read (0 here): keep the file's.
            if bytes > 0
                && running
                    .bytes_total
                    .is_none_or(|total| total < (earlier + bytes) as i64)
            {
                running.bytes_total = Some((earlier + bytes) as i64);
            }
        }
    }

    fn advance(&self, items: u64, payer_rates: u64, bytes_read: u64) {
        let earlier = self.earlier.load(Ordering::Relaxed);
        let snapshot = {
            let mut board = self.jobs.board();
            let Some(running) = board.running.as_mut() else {
                return;
            };
            running.bytes_read = (earlier + bytes_read) as i64;
            running.items = items as i64;
            running.payer_rates = payer_rates as i64;
            let due = self.table.as_ref().is_some_and(TableProgress::due);
            due.then(|| running.clone())
        };
        if let (Some(table), Some(running)) = (&self.table, snapshot) {
            table.record(&running);
        }
    }

    fn finish(&self, report: &DocumentReport) {
        let size = self.current.swap(0, Ordering::Relaxed).max(report.bytes);
        let earlier = self.earlier.fetch_add(size, Ordering::Relaxed) + size;
        if let Some(running) = self.jobs.board().running.as_mut() {
            running.bytes_read = earlier as i64;
        }
    }
}

/// The folder a job's file waits in.
pub(crate) fn job_dir(base: &Path, id: &str) -> PathBuf {
    base.join(id)
}

fn remove_job_dir(base: &Path, id: &str) {
    let dir = job_dir(base, id);
    if dir.exists()
        && let Err(error) = std::fs::remove_dir_all(&dir)
    {
        tracing::warn!(%error, dir = %dir.display(), "cannot delete an import job's folder");
    }
}
