//! The runner: one thread per server process that stores accepted jobs, takes the oldest queued
//! job it can run and imports it, one at a time; on PostgreSQL a second thread fails the jobs of
//! servers that are gone.
//!
//! Several servers over one PostgreSQL database (replicas): each has an instance id, random at
//! start, recorded on the jobs it accepts. An upload waits on the disk of the server that received
//! it, so only that server runs it, unless `PRICELINE_IMPORT_DIR_SHARED=true` says every server
//! sees the same folder; a URL job is run by whichever server takes it first.
//!
//! Whether the server running a job is gone is decided from evidence: the runner holds the job's
//! advisory lock ([`import_jobs::lock`]) on the import's own connection from before it marks the
//! job running until its end is recorded, so the lock is free exactly when that session (and the
//! import's transaction with it) has ended. At start and every `PRICELINE_IMPORT_RECOVERY_SECONDS`
//! a server fails each `running` job whose lock it can take. On SQLite (one server per database
//! file) a job found running at start was this server's, interrupted: it is failed then.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use priceline_domain::{ImportJob, JobSource, JobState};
use priceline_import::{DocumentReport, Progress, Status, import_path};
use priceline_ingest::{LegacyImport, ReadOptions};
use priceline_store::queries::import_jobs;
use priceline_store::{Backend, DatabaseUrl, DbConnection, Pool, PoolOptions, PooledConnection};

use super::board::Jobs;
use super::download::download;
use crate::lifecycle::Stopping;

/// The failure reason of a job a restart interrupted (SQLite: found running at start).
pub const INTERRUPTED: &str = "interrupted by a server restart";
/// The failure reason of a job whose server vanished mid-import (PostgreSQL: its lock was free).
pub const ABANDONED: &str = "interrupted: the server running it stopped without finishing it";
/// The failure reason of a job abandoned by its server's graceful stop.
pub const STOPPED: &str = "the server stopped during the import";
/// The failure reason of a queued upload whose server stopped before running it (its file waited
/// on that server's disk).
pub const NOT_RUN: &str = "the server that received the upload stopped before running it";

/// How often the runner looks at the table for jobs another process accepted.
const POLL: Duration = Duration::from_secs(2);

/// How long a stopping server waits for the runner to record the job it abandons.
const ABANDON_WAIT: Duration = Duration::from_secs(10);

/// Stops the runner when dropped (with the server that owns it): the running import is abandoned
/// and recorded failed before the process goes on to exit.
pub struct RunnerGuard {
    jobs: Arc<Jobs>,
    runner: Option<std::thread::JoinHandle<()>>,
}

impl Drop for RunnerGuard {
    fn drop(&mut self) {
        self.jobs.stop();
        let Some(runner) = self.runner.take() else {
            return;
        };
        // The import sees the stop at its next batch; a bounded wait, so a stuck database cannot
        // hold the process past its grace period.
        if !crate::lifecycle::join_within(runner, ABANDON_WAIT) {
            tracing::warn!(
                "the import-job runner did not end in time; leaving it to the next check"
            );
        }
    }
}

impl Jobs {
    /// Fails the jobs stopped servers left behind, then starts the runner thread (and, on
    /// PostgreSQL, the periodic check). `pool` is the API's (for the job table); imports open their
    /// own pool, as `priceline import` does. Once `stopping` is set no new job is taken.
    pub fn start(
        self: &Arc<Self>,
        pool: Pool,
        database_url: DatabaseUrl,
        stopping: Stopping,
    ) -> std::io::Result<RunnerGuard> {
        let postgres = database_url.backend() == Backend::Postgres;
        match pool.get() {
            Ok(mut connection) => {
                if let Err(error) = recover(self, &mut connection, postgres) {
                    tracing::error!(%error, "cannot check the import jobs left by the last run");
                }
            }
            Err(error) => {
                tracing::error!(%error, "cannot check the import jobs left by the last run")
            }
        }
        tracing::debug!(instance = %self.instance, "import-job runner starting");
        if postgres {
            // Held before the first job is accepted: while it is, this server's queued uploads
            // are known to have a live owner.
            let mut instance_lock = hold_instance_lock(self, &database_url);
            let jobs = Arc::clone(self);
            let pool = pool.clone();
            let url = database_url.clone();
            std::thread::Builder::new()
                .name("import-jobs-check".to_owned())
                .spawn(move || {
                    while !jobs.sleep(jobs.settings.recovery_period) {
                        // A lost connection lost the lock with it: take it again.
                        if instance_lock
                            .as_mut()
                            .is_none_or(|connection| priceline_store::ping(connection).is_err())
                        {
                            instance_lock = hold_instance_lock(&jobs, &url);
                        }
                        let checked = pool
                            .get()
                            .and_then(|mut connection| fail_abandoned(&jobs, &mut connection));
                        if let Err(error) = checked {
                            tracing::warn!(%error, "cannot check for abandoned import jobs");
                        }
                    }
                })?;
        }
        let jobs = Arc::clone(self);
        let runner = std::thread::Builder::new()
            .name("import-jobs".to_owned())
            .spawn(move || run(&jobs, &pool, &database_url, &stopping))?;
        Ok(RunnerGuard {
            jobs: Arc::clone(self),
            runner: Some(runner),
        })
    }

    /// Stores the jobs accepted and not stored yet (what the runner does between imports); a job
    /// the database does not take now stays pending for the runner.
    pub fn store_accepted(&self, pool: &Pool) {
        store_pending(self, pool);
    }

    /// Whether this server may run `job`: a URL job, or an upload it received (any upload when the
    /// folder is shared, or on SQLite, where one server owns the database) whose file is here.
    fn can_run(&self, job: &ImportJob, postgres: bool) -> bool {
        match job.source {
            JobSource::Url => true,
            JobSource::Upload => {
                // (A job stored before instances were recorded names none: whoever has the file.)
                let ours = !postgres
                    || self.settings.dir_shared
                    || job
                        .instance
                        .as_deref()
                        .is_none_or(|instance| instance == self.instance);
                ours && job
                    .upload_path
                    .as_deref()
                    .is_some_and(|path| Path::new(path).exists())
            }
        }
    }
}

/// At start-up. SQLite: a job found running was interrupted (this server is the one that runs jobs
/// on this database and it was not running), and a queued upload whose file is gone can never run.
/// PostgreSQL: a running job whose server is gone ([`fail_abandoned`]), and, when the folder is
/// shared, a queued upload whose file is gone. Each is failed with the reason (and its files deleted).
fn recover(
    jobs: &Jobs,
    connection: &mut DbConnection,
    postgres: bool,
) -> priceline_store::StoreResult<()> {
    let dir = &jobs.settings.dir;
    let now = Utc::now();
    if postgres {
        fail_abandoned(jobs, connection)?;
    } else {
        for job in import_jobs::fail_running(connection, INTERRUPTED, now)? {
            tracing::warn!(job = %job.id, file = %job.file_name, "import job {INTERRUPTED}");
            remove_job_dir(dir, &job.id);
        }
    }
    sweep_orphans(connection, dir);
    if postgres && !jobs.settings.dir_shared {
        // Another server's upload is not on this disk: absence here says nothing.
        return Ok(());
    }
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

/// Fails every running job whose server is gone (its advisory lock is free), deleting its folder
/// here (the folder of a job another server ran is on that server's disk, or in the shared one);
/// unless the folder is shared, also the queued uploads of servers that are gone (their instance
/// lock is free), which no other server can reach.
fn fail_abandoned(jobs: &Jobs, connection: &mut DbConnection) -> priceline_store::StoreResult<()> {
    for job in import_jobs::running(connection)? {
        if import_jobs::fail_abandoned(connection, &job.id, ABANDONED, Utc::now())? {
            tracing::warn!(job = %job.id, file = %job.file_name, instance = job.instance.as_deref().unwrap_or(""), "import job {ABANDONED}");
            remove_job_dir(&jobs.settings.dir, &job.id);
        }
    }
    if jobs.settings.dir_shared {
        return Ok(());
    }
    for instance in import_jobs::queued_upload_instances(connection)? {
        if instance == jobs.instance {
            continue;
        }
        let failed =
            import_jobs::fail_orphaned_uploads(connection, &instance, NOT_RUN, Utc::now())?;
        if failed > 0 {
            tracing::warn!(%instance, failed, "queued import jobs failed: {NOT_RUN}");
        }
    }
    Ok(())
}

/// A connection of its own holding this server's instance lock (PostgreSQL), or `None` (logged)
/// when it cannot be had now: the periodic check tries again.
fn hold_instance_lock(jobs: &Jobs, url: &DatabaseUrl) -> Option<DbConnection> {
    let locked = priceline_store::connect(url).and_then(|mut connection| {
        import_jobs::lock_instance(&mut connection, &jobs.instance)
            .map(|locked| (connection, locked))
    });
    match locked {
        Ok((connection, true)) => Some(connection),
        Ok((_, false)) => {
            tracing::error!(instance = %jobs.instance, "another session holds this server's instance lock");
            None
        }
        Err(error) => {
            tracing::warn!(%error, "cannot take this server's instance lock; will retry");
            None
        }
    }
}

/// Folders of uploads a stopped server was still receiving (no job was ever stored for them), or
/// whose job another server ended: deleted once an hour old, so an upload another server is
/// receiving into a shared folder is left alone.
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
        // A job that has ended never needs its file again (one a crashed server received is
        // failed by another, which cannot reach this disk).
        let mut unused = || match import_jobs::get(connection, &name) {
            Err(priceline_store::StoreError::NotFound) => true,
            Ok(job) => job.state.is_final(),
            Err(_) => false,
        };
        if super::is_id(&name) && old && unused() {
            tracing::info!(dir = %entry.path().display(), "deleting an upload no job was stored for");
            remove_job_dir(dir, &name);
        }
    }
}

fn run(jobs: &Jobs, pool: &Pool, database_url: &DatabaseUrl, stopping: &Stopping) {
    let postgres = database_url.backend() == Backend::Postgres;
    while !jobs.stopped() {
        store_pending(jobs, pool);
        // Stopping (SIGTERM): no new job; the one running goes on until the process stops.
        let claimed = if stopping.is_set() {
            None
        } else {
            claim(jobs, pool, database_url, postgres)
        };
        match claimed {
            Some(claimed) => execute(jobs, pool, postgres, claimed),
            None => jobs.wait(POLL),
        }
    }
    // Jobs accepted while the last import held SQLite's write lock are not lost.
    store_pending(jobs, pool);
    if postgres && !jobs.settings.dir_shared {
        // No other server can reach these files: say so now rather than leave them queued.
        let failed = pool.get().and_then(|mut connection| {
            import_jobs::fail_queued_uploads(&mut connection, &jobs.instance, NOT_RUN, Utc::now())
        });
        match failed {
            Ok(failed) => {
                for job in failed {
                    tracing::warn!(job = %job.id, "import job failed: {NOT_RUN}");
                    remove_job_dir(&jobs.settings.dir, &job.id);
                }
            }
            Err(error) => tracing::warn!(%error, "cannot fail this server's queued uploads"),
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

/// A job this process runs, with the import's own pool and connections: `connection` holds the
/// job's advisory lock (PostgreSQL) until the job's end is recorded.
struct Claimed {
    job: ImportJob,
    _pool: Pool,
    connection: PooledConnection,
    rates: Option<PooledConnection>,
}

/// The oldest queued job this process can run, marked running, with its lock taken first (so no
/// other server ever sees it running without a live owner).
fn claim(jobs: &Jobs, pool: &Pool, database_url: &DatabaseUrl, postgres: bool) -> Option<Claimed> {
    let mut connection = pool.get().ok()?;
    let queued = import_jobs::queued(&mut connection, 100).ok()?;
    let mut candidates = queued
        .into_iter()
        .filter(|job| jobs.can_run(job, postgres))
        .peekable();
    candidates.peek()?;
    // The import's pool as `priceline import` opens it: two connections on PostgreSQL (the second
    // stores payer rates), no statement timeout.
    let import_pool = match crate::database::open_database(
        database_url,
        PoolOptions::new(1 + u32::from(postgres)),
        false,
    ) {
        Ok(pool) => pool,
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "cannot open the database for an import"
            );
            return None;
        }
    };
    let mut lock_connection = import_pool.get().ok()?;
    for mut job in candidates {
        match import_jobs::lock(&mut lock_connection, &job.id) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::warn!(job = %job.id, %error, "cannot lock the import job");
                return None;
            }
        }
        let now = Utc::now();
        if import_jobs::start(&mut connection, &job.id, now).unwrap_or(false) {
            job.state = JobState::Running;
            job.started_at = Some(now);
            jobs.board().running = Some(job.clone());
            let rates = if postgres {
                import_pool.get().ok()
            } else {
                None
            };
            return Some(Claimed {
                job,
                _pool: import_pool,
                connection: lock_connection,
                rates,
            });
        }
        let _ = import_jobs::unlock(&mut lock_connection, &job.id);
    }
    None
}

/// Runs one job to its end and records it.
fn execute(jobs: &Jobs, pool: &Pool, postgres: bool, claimed: Claimed) {
    let Claimed {
        mut job,
        _pool,
        mut connection,
        mut rates,
    } = claimed;
    tracing::info!(job = %job.id, file = %job.file_name, "import job started");
    let dir = job_dir(&jobs.settings.dir, &job.id);
    let rates_ready = !postgres || rates.is_some();
    let imported = if rates_ready {
        fetch(jobs, &dir, &job).and_then(|path| {
            import(
                jobs,
                pool,
                postgres,
                &mut connection,
                rates.as_deref_mut(),
                &job,
                &dir,
                &path,
            )
        })
    } else {
        Err("cannot open a second connection for the import".to_owned())
    };
    match imported {
        Ok(reports) => conclude(&mut job, &reports),
        Err(reason) => {
            job.state = JobState::Failed;
            job.failure = Some(reason);
        }
    }
    // Abandoned by the server's stop: said so (an import that committed first stays succeeded).
    if jobs.stopped() && job.state == JobState::Failed {
        job.failure = Some(STOPPED.to_owned());
    }
    if let Some(running) = &jobs.board().running {
        job.bytes_total = job.bytes_total.or(running.bytes_total);
        job.bytes_read = running.bytes_read.max(job.bytes_read);
    }
    job.finished_at = Some(Utc::now());
    // Shown ended from now on, while its row is written: a client never sees it go back.
    jobs.board().running = Some(job.clone());
    // The record of the job must not be lost to a moment of contention: retry a few times (once
    // when stopping: the process is about to exit).
    let attempts = if jobs.stopped() { 1 } else { 5 };
    let mut stored = false;
    for attempt in 0..attempts {
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
                if attempt + 1 < attempts {
                    std::thread::sleep(Duration::from_secs(1 << attempt));
                }
            }
        }
    }
    if !stored {
        tracing::error!(job = %job.id, "the import job's end could not be recorded");
    }
    // Only now may another server find the job's lock free (and the job already ended).
    if let Err(error) = import_jobs::unlock(&mut connection, &job.id) {
        tracing::debug!(job = %job.id, %error, "cannot release the import job's lock");
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
                let mut board = jobs.board();
                if let Some(running) = board.running.as_mut() {
                    running.bytes_read = read as i64;
                    running.bytes_total = total.map(|total| total as i64);
                }
                !board.stopped
            })?;
            if let Some(running) = jobs.board().running.as_mut() {
                running.bytes_total = Some(bytes as i64);
            }
            Ok(path)
        }
        _ => Err("the job names no file".to_owned()),
    }
}

/// Imports the file as `priceline import` does: over the import's own connections (the second
/// storing payer rates on PostgreSQL; no statement timeout), its pipeline, its report.
#[expect(
    clippy::too_many_arguments,
    reason = "the job, its two connections and where its file is: grouping them would only rename them"
)]
fn import(
    jobs: &Jobs,
    api_pool: &Pool,
    postgres: bool,
    connection: &mut DbConnection,
    rates: Option<&mut DbConnection>,
    job: &ImportJob,
    dir: &Path,
    path: &Path,
) -> Result<Vec<DocumentReport>, String> {
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
    // As `priceline import` without --profile: a legacy chargemaster is read through the automatic
    // mapping (and marked legacy) rather than refused.
    let options = ReadOptions {
        legacy: LegacyImport::Auto,
        ..ReadOptions::default()
    };
    let mut reports = import_path(connection, rates, path, &options, &progress);
    if reports
        .iter()
        .any(|report| report.status == Status::Imported)
        && let Err(error) = priceline_store::planner::settle_after_import(connection)
    {
        tracing::warn!(job = %job.id, %error, "vacuuming and analysing the tables after the import failed");
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

    fn cancelled(&self) -> bool {
        self.jobs.stopped()
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
