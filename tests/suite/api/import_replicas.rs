//! Import jobs with several server processes over one database (replicas behind a load balancer,
//! an autoscaler adding one), and import jobs at a graceful stop. Each test starts the real binary
//! more than once; the PostgreSQL-only ones say why.

use std::path::Path;
use std::time::{Duration, Instant};

use priceline_api::config;
use priceline_api::jobs::{ABANDONED, NOT_RUN, STOPPED};
use priceline_domain::JobState;
use priceline_store::queries::import_jobs;
use serde_json::Value;

use super::imports::{ANONYMOUS, get, upload, wait_for_end};
use super::sample;
use crate::on_both_backends;
use crate::support::db::TestDb;
use crate::support::server::ServerProcess;

/// A file large enough to be caught mid-import (seconds in a debug build).
const BIG_ROWS: u64 = 400_000;

/// A server taking import jobs, with its upload folder and a short check period.
fn server(database: &str, dir: &Path, recovery_seconds: &str) -> (ServerProcess, String) {
    let process = ServerProcess::start(
        database,
        &[
            ANONYMOUS,
            (config::IMPORT_DIR, dir.to_str().unwrap()),
            (config::IMPORT_RECOVERY_SECONDS, recovery_seconds),
        ],
    );
    let address = format!("http://{}", process.address);
    (process, address)
}

/// Waits until the job at `location` is running with bytes read; panics if it ends first.
async fn wait_until_importing(address: &str, location: &str) -> Value {
    let started = Instant::now();
    loop {
        let job = get(address, location, &[]).await.body;
        assert_ne!(
            job["state"],
            "succeeded",
            "the import finished within {:?}: the test file is too small to interrupt",
            started.elapsed()
        );
        if job["state"] == "running" && job["progress"]["bytes_read"].as_i64().unwrap() > 0 {
            return job;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{job}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn stored_job(db: &TestDb, id: &str) -> priceline_domain::ImportJob {
    import_jobs::get(&mut db.connect(), id).unwrap()
}

/// PostgreSQL only: several servers over one SQLite file is not a supported deployment (an import
/// holds the file's one write lock), so there a job found running at start is failed by design.
///
/// A second replica starting (and checking, every second) does not fail the job the first is
/// running; an upload the first received, queued while it is busy, waits for it even though the
/// second is idle and sees the same folder path (not declared shared), and the first runs both.
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_second_replica_leaves_the_first_ones_jobs_alone() {
    actix_web::rt::System::new().block_on(a_second_replica_leaves_the_first_ones_jobs_alone_on(
        TestDb::postgres(),
    ));
}

async fn a_second_replica_leaves_the_first_ones_jobs_alone_on(db: TestDb) {
    db.migrated();
    let files = tempfile::tempdir().unwrap();
    let uploads = tempfile::tempdir().unwrap();
    let big = sample::generate(files.path(), 5, BIG_ROWS);
    let small = sample::generate(files.path(), 7, 500);
    let database = db.url.connection_string();
    let (first, a) = server(&database, uploads.path(), "1");

    let running = upload(&a, &big, &[]).await;
    assert_eq!(running.status, 202, "{}", running.body);
    let running_location = running.header("location").unwrap().to_owned();
    wait_until_importing(&a, &running_location).await;
    let queued = upload(&a, &small, &[]).await;
    assert_eq!(queued.status, 202, "{}", queued.body);
    let queued_location = queued.header("location").unwrap().to_owned();

    let (second, b) = server(&database, uploads.path(), "1");
    // The second's start-up check and at least two periodic ones.
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    let seen = get(&b, &running_location, &[]).await.body;
    assert_eq!(
        seen["state"], "running",
        "the import must outlast the check: {seen}"
    );
    assert_eq!(get(&b, &queued_location, &[]).await.body["state"], "queued");

    let ran = wait_for_end(&a, &running_location, &[]).await;
    assert_eq!(ran["state"], "succeeded", "{ran}");
    let waited = wait_for_end(&b, &queued_location, &[]).await;
    assert_eq!(waited["state"], "succeeded", "{waited}");
    let id = waited["id"].as_str().unwrap();
    let started = |log: String| {
        log.lines()
            .any(|line| line.contains("import job started") && line.contains(id))
    };
    assert!(started(first.log()), "{}", first.log());
    assert!(!started(second.log()), "{}", second.log());
}

/// PostgreSQL only: the evidence that a server is gone is its session's advisory lock, which SQLite
/// has no equivalent of (nor a second server over the same file).
///
/// A replica killed mid-import (SIGKILL: nothing runs on the way out) has its job failed by the
/// surviving replica within its check period, without waiting for the killed one to come back;
/// so is the upload it had queued (its file is on the killed replica's disk).
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_killed_replicas_job_is_failed_by_a_survivor() {
    actix_web::rt::System::new().block_on(a_killed_replicas_job_is_failed_by_a_survivor_on(
        TestDb::postgres(),
    ));
}

async fn a_killed_replicas_job_is_failed_by_a_survivor_on(db: TestDb) {
    db.migrated();
    let files = tempfile::tempdir().unwrap();
    let a_uploads = tempfile::tempdir().unwrap();
    let b_uploads = tempfile::tempdir().unwrap();
    let big = sample::generate(files.path(), 5, BIG_ROWS);
    let small = sample::generate(files.path(), 7, 500);
    let database = db.url.connection_string();
    let (mut first, a) = server(&database, a_uploads.path(), "1");
    let (_second, b) = server(&database, b_uploads.path(), "1");

    let accepted = upload(&a, &big, &[]).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    let location = accepted.header("location").unwrap().to_owned();
    wait_until_importing(&a, &location).await;
    // Received by the first while it is busy: its file is on the first's disk only.
    let queued = upload(&a, &small, &[]).await;
    assert_eq!(queued.status, 202, "{}", queued.body);
    let queued_location = queued.header("location").unwrap().to_owned();
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let killed = Instant::now();

    let job = wait_for_end(&b, &location, &[]).await;
    let took = killed.elapsed();
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(job["failure"], ABANDONED);
    assert!(
        took < Duration::from_secs(5),
        "failed {took:?} after the kill"
    );
    // The first's queued upload: its server (instance lock) is gone, and nobody else has the file.
    let orphan = wait_for_end(&b, &queued_location, &[]).await;
    assert_eq!(orphan["state"], "failed", "{orphan}");
    assert_eq!(orphan["failure"], NOT_RUN);
    // The import rolled back with the killed server's session.
    assert!(
        priceline_store::snapshot::source_file_ids(&mut db.connect())
            .unwrap()
            .is_empty()
    );
}

/// SIGTERM mid-import: the server takes no new job, abandons the running import (rolled back) and
/// records it failed before it exits, so nothing waits for a restart. A queued upload: on
/// PostgreSQL it is failed too (its file waits on this server's disk, which no replica reaches);
/// on SQLite (one server per file) it stays queued and the restarted server runs it.
async fn a_graceful_stop_fails_the_running_import_at_once(db: TestDb) {
    db.migrated();
    let postgres = db.url.backend() == priceline_store::Backend::Postgres;
    let files = tempfile::tempdir().unwrap();
    let uploads = tempfile::tempdir().unwrap();
    let big = sample::generate(files.path(), 5, BIG_ROWS);
    let small = sample::generate(files.path(), 7, 500);
    let database = db.url.connection_string();
    let (mut process, address) = server(&database, uploads.path(), "60");

    let running = upload(&address, &big, &[]).await;
    assert_eq!(running.status, 202, "{}", running.body);
    let running_location = running.header("location").unwrap().to_owned();
    wait_until_importing(&address, &running_location).await;
    let queued = upload(&address, &small, &[]).await;
    assert_eq!(queued.status, 202, "{}", queued.body);

    let signalled = Instant::now();
    process.terminate();
    let status = process.wait_for_exit(Duration::from_secs(20));
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}: {}", process.log());
    assert!(
        took < Duration::from_secs(10),
        "exited {took:?} after SIGTERM"
    );

    let job = stored_job(&db, running.body["id"].as_str().unwrap());
    assert_eq!(job.state, JobState::Failed, "{job:?}: {}", process.log());
    assert_eq!(job.failure.as_deref(), Some(STOPPED));
    assert!(job.finished_at.is_some());
    assert!(
        priceline_store::snapshot::source_file_ids(&mut db.connect())
            .unwrap()
            .is_empty(),
        "the abandoned import rolled back"
    );
    let waiting = stored_job(&db, queued.body["id"].as_str().unwrap());
    if postgres {
        assert_eq!(waiting.state, JobState::Failed, "{waiting:?}");
        assert_eq!(waiting.failure.as_deref(), Some(NOT_RUN));
        let left: Vec<_> = std::fs::read_dir(uploads.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    } else {
        assert_eq!(waiting.state, JobState::Queued, "{waiting:?}");
        let (_restarted, address) = server(&database, uploads.path(), "60");
        let location = queued.header("location").unwrap();
        let ran = wait_for_end(&address, location, &[]).await;
        assert_eq!(ran["state"], "succeeded", "{ran}");
    }
}
on_both_backends!(async a_graceful_stop_fails_the_running_import_at_once);
