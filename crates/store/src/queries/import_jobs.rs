//! Import jobs (`POST /v1/imports`): written by the server's job runner, read by the API.
//!
//! A job moves forward only (queued, running, then succeeded or failed), and every change is one
//! `UPDATE … WHERE state = <the state it leaves>`, so two runners (two server processes over one
//! PostgreSQL database) never both take the same job.
//!
//! On PostgreSQL the server running a job holds a session-level advisory lock keyed on the job
//! ([`lock`]) on the import's own connection, from before it marks the job running until its end is
//! recorded. A job found `running` whose lock can be taken ([`fail_abandoned`]) has lost its
//! server: the session holding the import (and the lock) is gone, and the import rolled back.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use priceline_domain::{ImportJob, JobSource, JobState};

use super::Page;
use crate::StoreResult;
use crate::codec::decode;
use crate::connection::DbConnection;
use crate::schema::import_jobs;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = import_jobs)]
struct JobRow {
    id: String,
    state: String,
    source: String,
    file_name: String,
    url: Option<String>,
    upload_path: Option<String>,
    bytes_total: Option<i64>,
    bytes_read: i64,
    items: i64,
    payer_rates: i64,
    report: Option<String>,
    failure: Option<String>,
    created_at: NaiveDateTime,
    started_at: Option<NaiveDateTime>,
    finished_at: Option<NaiveDateTime>,
    instance: Option<String>,
}

impl JobRow {
    fn from_domain(job: &ImportJob) -> Self {
        Self {
            id: job.id.clone(),
            state: job.state.as_str().to_owned(),
            source: job.source.as_str().to_owned(),
            file_name: job.file_name.clone(),
            url: job.url.clone(),
            upload_path: job.upload_path.clone(),
            bytes_total: job.bytes_total,
            bytes_read: job.bytes_read,
            items: job.items,
            payer_rates: job.payer_rates,
            report: job.report_json.clone(),
            failure: job.failure.clone(),
            created_at: job.created_at.naive_utc(),
            started_at: job.started_at.map(|at| at.naive_utc()),
            finished_at: job.finished_at.map(|at| at.naive_utc()),
            instance: job.instance.clone(),
        }
    }

    fn into_domain(self) -> StoreResult<ImportJob> {
        let utc = |at: NaiveDateTime| at.and_utc();
        Ok(ImportJob {
            state: decode("import job state", &self.state, JobState::parse)?,
            source: decode("import job source", &self.source, JobSource::parse)?,
            id: self.id,
            file_name: self.file_name,
            url: self.url,
            upload_path: self.upload_path,
            bytes_total: self.bytes_total,
            bytes_read: self.bytes_read,
            items: self.items,
            payer_rates: self.payer_rates,
            report_json: self.report,
            failure: self.failure,
            created_at: utc(self.created_at),
            started_at: self.started_at.map(utc),
            finished_at: self.finished_at.map(utc),
            instance: self.instance,
        })
    }
}

/// Stores a job just accepted (or, written again, leaves the stored one as it is).
pub fn insert(connection: &mut DbConnection, job: &ImportJob) -> StoreResult<()> {
    let exists = import_jobs::table
        .find(&job.id)
        .select(import_jobs::id)
        .first::<String>(connection)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(import_jobs::table)
            .values(JobRow::from_domain(job))
            .execute(connection)?;
    }
    Ok(())
}

pub fn get(connection: &mut DbConnection, id: &str) -> StoreResult<ImportJob> {
    import_jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(connection)?
        .into_domain()
}

/// The key a page of jobs is read after: the most recent first.
pub type JobKey = (DateTime<Utc>, String);

/// Jobs, the most recent first, after `after`.
pub fn list(
    connection: &mut DbConnection,
    after: Option<&JobKey>,
    limit: usize,
) -> StoreResult<Page<ImportJob, JobKey>> {
    let mut query = import_jobs::table
        .select(JobRow::as_select())
        .order((import_jobs::created_at.desc(), import_jobs::id.desc()))
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some((created_at, id)) = after {
        let created_at = created_at.naive_utc();
        query = query.filter(
            import_jobs::created_at
                .lt(created_at)
                .or(import_jobs::created_at
                    .eq(created_at)
                    .and(import_jobs::id.lt(id.clone()))),
        );
    }
    let jobs = query
        .load::<JobRow>(connection)?
        .into_iter()
        .map(JobRow::into_domain)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(
        jobs,
        limit,
        |job| (job.created_at, job.id.clone()),
        None,
    ))
}

/// The oldest queued jobs, up to `limit`: the runner takes the first it can run.
pub fn queued(connection: &mut DbConnection, limit: usize) -> StoreResult<Vec<ImportJob>> {
    import_jobs::table
        .filter(import_jobs::state.eq(JobState::Queued.as_str()))
        .order((import_jobs::created_at.asc(), import_jobs::id.asc()))
        .limit(limit as i64)
        .select(JobRow::as_select())
        .load::<JobRow>(connection)?
        .into_iter()
        .map(JobRow::into_domain)
        .collect()
}

/// Marks a queued job running; false when it is no longer queued (another runner took it).
pub fn start(connection: &mut DbConnection, id: &str, at: DateTime<Utc>) -> StoreResult<bool> {
    let changed = diesel::update(
        import_jobs::table
            .find(id)
            .filter(import_jobs::state.eq(JobState::Queued.as_str())),
    )
    .set((
        import_jobs::state.eq(JobState::Running.as_str()),
        import_jobs::started_at.eq(at.naive_utc()),
    ))
    .execute(connection)?;
    Ok(changed == 1)
}

/// Records where a job has got to: its byte progress and counts so far.
pub fn progress(connection: &mut DbConnection, job: &ImportJob) -> StoreResult<()> {
    diesel::update(import_jobs::table.find(&job.id))
        .set((
            import_jobs::bytes_total.eq(job.bytes_total),
            import_jobs::bytes_read.eq(job.bytes_read),
            import_jobs::items.eq(job.items),
            import_jobs::payer_rates.eq(job.payer_rates),
        ))
        .execute(connection)?;
    Ok(())
}

/// Records a job's end (`job.state` succeeded or failed), with its counts, report and reason, and
/// forgets where its file was (the file is deleted).
pub fn finish(connection: &mut DbConnection, job: &ImportJob) -> StoreResult<()> {
    diesel::update(
        import_jobs::table
            .find(&job.id)
            .filter(import_jobs::state.ne(JobState::Succeeded.as_str()))
            .filter(import_jobs::state.ne(JobState::Failed.as_str())),
    )
    .set((
        import_jobs::state.eq(job.state.as_str()),
        import_jobs::upload_path.eq(None::<String>),
        import_jobs::bytes_total.eq(job.bytes_total),
        import_jobs::bytes_read.eq(job.bytes_read),
        import_jobs::items.eq(job.items),
        import_jobs::payer_rates.eq(job.payer_rates),
        import_jobs::report.eq(&job.report_json),
        import_jobs::failure.eq(&job.failure),
        import_jobs::started_at.eq(job.started_at.map(|at| at.naive_utc())),
        import_jobs::finished_at.eq(job.finished_at.map(|at| at.naive_utc())),
    ))
    .execute(connection)?;
    Ok(())
}

/// Fails every job left running (its server stopped mid-import) with `reason`, returning them (so
/// their files can be deleted).
pub fn fail_running(
    connection: &mut DbConnection,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<Vec<ImportJob>> {
    let running = running(connection)?;
    for job in &running {
        fail(connection, &job.id, JobState::Running, reason, at)?;
    }
    Ok(running)
}

/// Fails a job that is still in `state`.
pub fn fail(
    connection: &mut DbConnection,
    id: &str,
    state: JobState,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(
        import_jobs::table
            .find(id)
            .filter(import_jobs::state.eq(state.as_str())),
    )
    .set((
        import_jobs::state.eq(JobState::Failed.as_str()),
        import_jobs::failure.eq(reason),
        import_jobs::upload_path.eq(None::<String>),
        import_jobs::finished_at.eq(at.naive_utc()),
    ))
    .execute(connection)?;
    Ok(())
}

/// The jobs marked running, by whichever server.
pub fn running(connection: &mut DbConnection) -> StoreResult<Vec<ImportJob>> {
    import_jobs::table
        .filter(import_jobs::state.eq(JobState::Running.as_str()))
        .select(JobRow::as_select())
        .load::<JobRow>(connection)?
        .into_iter()
        .map(JobRow::into_domain)
        .collect()
}

/// Fails the queued uploads `instance` accepted (nobody else can run them: their files wait on its
/// disk), returning them.
pub fn fail_queued_uploads(
    connection: &mut DbConnection,
    instance: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<Vec<ImportJob>> {
    let queued: Vec<ImportJob> = import_jobs::table
        .filter(import_jobs::state.eq(JobState::Queued.as_str()))
        .filter(import_jobs::source.eq(JobSource::Upload.as_str()))
        .filter(import_jobs::instance.eq(instance))
        .select(JobRow::as_select())
        .load::<JobRow>(connection)?
        .into_iter()
        .map(JobRow::into_domain)
        .collect::<StoreResult<_>>()?;
    for job in &queued {
        fail(connection, &job.id, JobState::Queued, reason, at)?;
    }
    Ok(queued)
}

/// The first key of every import-job advisory lock ("PLij"): the two-key form keeps them apart
/// from any other advisory lock taken on the database.
const LOCK_CLASS: i32 = 0x504c_696a;

/// The first key of a server instance's advisory lock ("PLis"), held for the process's life.
const INSTANCE_LOCK_CLASS: i32 = 0x504c_6973;

/// The second key: the job id's first 32 bits (random). Two jobs sharing it only make a check
/// wait for the other's end: a lock taken means "maybe alive", never "gone".
fn lock_key(id: &str) -> i32 {
    let bits = id
        .get(..8)
        .and_then(|hex| u32::from_str_radix(hex, 16).ok())
        .unwrap_or(0);
    i32::from_be_bytes(bits.to_be_bytes())
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Takes the job's advisory lock for this session (PostgreSQL; held until [`unlock`] or the
/// session ends); false when another session holds it. On SQLite (one server per file) there is
/// nothing to take: true.
pub fn lock(connection: &mut DbConnection, id: &str) -> StoreResult<bool> {
    let DbConnection::Postgres(connection) = connection else {
        return Ok(true);
    };
    let row: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1, $2) AS locked")
        .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
        .bind::<diesel::sql_types::Integer, _>(lock_key(id))
        .get_result(connection)?;
    Ok(row.locked)
}

/// Releases the job's advisory lock taken by [`lock`] on this session.
pub fn unlock(connection: &mut DbConnection, id: &str) -> StoreResult<()> {
    if let DbConnection::Postgres(connection) = connection {
        diesel::sql_query("SELECT pg_advisory_unlock($1, $2) AS locked")
            .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
            .bind::<diesel::sql_types::Integer, _>(lock_key(id))
            .get_result::<Locked>(connection)?;
    }
    Ok(())
}

/// Fails a job still `running` whose advisory lock can be taken: the server that ran it is gone
/// (PostgreSQL only; false on SQLite, and when the lock is held). The lock is taken for the
/// transaction only, so it is released at once whatever happens.
pub fn fail_abandoned(
    connection: &mut DbConnection,
    id: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    if !matches!(connection, DbConnection::Postgres(_)) {
        return Ok(false);
    }
    connection.transaction(|connection| {
        let DbConnection::Postgres(pg) = &mut *connection else {
            return Ok(false);
        };
        let row: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
            .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
            .bind::<diesel::sql_types::Integer, _>(lock_key(id))
            .get_result(pg)?;
        if !row.locked {
            return Ok(false);
        }
        let changed = diesel::update(
            import_jobs::table
                .find(id)
                .filter(import_jobs::state.eq(JobState::Running.as_str())),
        )
        .set((
            import_jobs::state.eq(JobState::Failed.as_str()),
            import_jobs::failure.eq(reason),
            import_jobs::upload_path.eq(None::<String>),
            import_jobs::finished_at.eq(at.naive_utc()),
        ))
        .execute(connection)?;
        Ok(changed == 1)
    })
}

/// The servers (instance ids) that received the uploads still queued.
pub fn queued_upload_instances(connection: &mut DbConnection) -> StoreResult<Vec<String>> {
    let instances: Vec<Option<String>> = import_jobs::table
        .filter(import_jobs::state.eq(JobState::Queued.as_str()))
        .filter(import_jobs::source.eq(JobSource::Upload.as_str()))
        .select(import_jobs::instance)
        .distinct()
        .load(connection)?;
    Ok(instances.into_iter().flatten().collect())
}

/// Takes this server instance's advisory lock for this session (PostgreSQL; true on SQLite): held
/// for as long as the server lives, it tells other servers the queued uploads it received (whose
/// files wait on its disk) may still run.
pub fn lock_instance(connection: &mut DbConnection, instance: &str) -> StoreResult<bool> {
    let DbConnection::Postgres(connection) = connection else {
        return Ok(true);
    };
    let row: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1, $2) AS locked")
        .bind::<diesel::sql_types::Integer, _>(INSTANCE_LOCK_CLASS)
        .bind::<diesel::sql_types::Integer, _>(lock_key(instance))
        .get_result(connection)?;
    Ok(row.locked)
}

/// Fails the queued uploads of `instance` when its lock can be taken (the server that received
/// them, and holds their files, is gone), returning how many (PostgreSQL only; 0 on SQLite).
pub fn fail_orphaned_uploads(
    connection: &mut DbConnection,
    instance: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<usize> {
    if !matches!(connection, DbConnection::Postgres(_)) {
        return Ok(0);
    }
    connection.transaction(|connection| {
        let DbConnection::Postgres(pg) = &mut *connection else {
            return Ok(0);
        };
        let row: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
            .bind::<diesel::sql_types::Integer, _>(INSTANCE_LOCK_CLASS)
            .bind::<diesel::sql_types::Integer, _>(lock_key(instance))
            .get_result(pg)?;
        if !row.locked {
            return Ok(0);
        }
        let changed = diesel::update(
            import_jobs::table
                .filter(import_jobs::state.eq(JobState::Queued.as_str()))
                .filter(import_jobs::source.eq(JobSource::Upload.as_str()))
                .filter(import_jobs::instance.eq(instance)),
        )
        .set((
            import_jobs::state.eq(JobState::Failed.as_str()),
            import_jobs::failure.eq(reason),
            import_jobs::upload_path.eq(None::<String>),
            import_jobs::finished_at.eq(at.naive_utc()),
        ))
        .execute(connection)?;
        Ok(changed)
    })
}
