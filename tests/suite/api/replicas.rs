//! Read replicas (issue 16): `PRICELINE_DATABASE_READ_URL` names a real PostgreSQL streaming
//! replica, which the test makes itself: a primary cluster from `initdb` and a standby from
//! `pg_basebackup`, each on its own port, started and stopped by the test. Reads of price data are
//! served by the replica and state the data version they read; while the replica's replay is paused
//! (lagging) answers state its older version and `/readyz` shows both; once the replica is stopped,
//! reads fall back to the primary and `/readyz` reports it unavailable.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use priceline_store::queries::data_version;
use priceline_store::{DatabaseUrl, connect, migrations};
use serde_json::Value;

use super::sample::generate;
use crate::import::import;
use crate::support::app::TestApp;

/// The PostgreSQL server programs (`initdb`, `pg_ctl`, `pg_basebackup`), from Debian's layout.
fn server_programs() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_basebackup").is_file() && bin.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop().expect(
        "the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql: \
         install the postgresql package",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap()
}

/// The output of `id` with these arguments.
fn id(args: &[&str]) -> u32 {
    let output = Command::new("id").args(args).output().expect("run id");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("an id")
}

fn is_root() -> bool {
    id(&["-u"]) == 0
}

/// PostgreSQL refuses to run as root: as root the programs run as the `postgres` user.
fn program(bin: &Path, name: &str) -> Command {
    let path = bin.join(name);
    if is_root() {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
            .arg(path);
        command
    } else {
        Command::new(path)
    }
}

fn run(mut command: Command) {
    let output = command.output().expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A cluster the test started; stopped (immediately) when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Cluster {
    fn start(bin: &Path, data: &Path, sockets: &Path) -> Self {
        let port = free_port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            sockets.display()
        );
        let mut start = program(bin, "pg_ctl");
        start
            .arg("-D")
            .arg(data)
            .args(["-w", "-t", "60", "-o", &options, "-l"])
            .arg(data.with_extension("log"))
            .arg("start");
        run(start);
        Self {
            bin: bin.to_owned(),
            data: data.to_owned(),
            port,
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn stop(&self) {
        let mut stop = program(&self.bin, "pg_ctl");
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Until the database at `url` holds data version `version`.
fn wait_for_version(url: &str, version: i64) {
    let url = DatabaseUrl::parse(url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut connection) = connect(&url)
            && data_version(&mut connection).is_ok_and(|v| v.newest_file() == version)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never reached {version}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn sql(url: &str, statement: &str) {
    let mut connection = connect(&DatabaseUrl::parse(url).unwrap()).unwrap();
    diesel::sql_query(statement)
        .execute(&mut connection)
        .unwrap_or_else(|error| panic!("{statement}: {error}"));
}

/// A GET's status, data version header and JSON body.
async fn get(app: &TestApp, path: &str) -> (u16, Option<i64>, Value) {
    let (status, headers, body) = app.get_with_headers(path, &[]).await;
    let version = headers
        .get("priceline-data-version")
        .map(|value| value.to_str().unwrap().parse().unwrap());
    (status, version, body)
}

/// Imports hospital `hospital`'s generated file into the primary; its data version after.
fn import_hospital(primary: &str, dir: &Path, hospital: usize) -> i64 {
    let url = DatabaseUrl::parse(primary).unwrap();
    let mut connection = connect(&url).unwrap();
    let path = generate(&dir.join(hospital.to_string()), hospital, 80);
    import(&mut connection, path.to_str().unwrap());
    data_version(&mut connection).unwrap().newest_file()
}

#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn reads_go_to_a_streaming_replica_and_fall_back_to_the_primary() {
    let bin = server_programs();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (primary_data, replica_data) = (root.join("primary"), root.join("replica"));
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    if is_root() {
        // The clusters' folders belong to the user that runs them.
        let (uid, gid) = (id(&["-u", "postgres"]), id(&["-g", "postgres"]));
        std::os::unix::fs::chown(root, Some(uid), Some(gid)).unwrap();
    }
    let mut initdb = program(&bin, "initdb");
    initdb
        .arg("-D")
        .arg(&primary_data)
        .args(["-U", "postgres", "--auth=trust", "--no-sync"]);
    run(initdb);
    let primary = Cluster::start(&bin, &primary_data, root);
    let mut backup = program(&bin, "pg_basebackup");
    backup
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &primary.port.to_string(),
            "-U",
            "postgres",
        ])
        .arg("-D")
        .arg(&replica_data)
        .args(["-R", "-X", "stream", "--checkpoint=fast"]);
    run(backup);
    let replica = Cluster::start(&bin, &replica_data, root);

    let mut connection = connect(&DatabaseUrl::parse(&primary.url()).unwrap()).unwrap();
    migrations::run_pending(&mut connection).unwrap();
    drop(connection);
    let first = import_hospital(&primary.url(), &files, 0);
    wait_for_version(&replica.url(), first);

    actix_web::rt::System::new().block_on(async {
        let primary_url = DatabaseUrl::parse(&primary.url()).unwrap();
        let replica_url = replica.url();
        let app = TestApp::spawn_on(
            &primary_url,
            &[("PRICELINE_DATABASE_READ_URL", replica_url.as_str())],
        )
        .await;
        let (status, version, body) = get(&app, "/v1/facilities").await;
        assert_eq!((status, version), (200, Some(first)), "{body}");
        let (status, _, ready) = get(&app, "/readyz").await;
        assert_eq!(status, 200);
        assert_eq!(ready["status"], "ok", "{ready}");
        assert_eq!(ready["replicas"][0]["data_version"], first, "{ready}");

        // The replica stops replaying: it lags, and says so.
        sql(&replica.url(), "SELECT pg_wal_replay_pause()");
        let second = import_hospital(&primary.url(), &files, 1);
        assert!(second > first);
        let (status, version, body) = get(&app, "/v1/facilities").await;
        assert_eq!(
            (status, version),
            (200, Some(first)),
            "served by the lagging replica"
        );
        assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
        let (_, _, ready) = get(&app, "/readyz").await;
        assert_eq!(ready["data_version"], second, "the primary's: {ready}");
        assert_eq!(ready["replicas"][0]["data_version"], first, "{ready}");

        // It catches up.
        sql(&replica.url(), "SELECT pg_wal_replay_resume()");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, version, body) = get(&app, "/v1/facilities").await;
            if version == Some(second) {
                assert_eq!(body["items"].as_array().unwrap().len(), 2, "{body}");
                break;
            }
            assert!(Instant::now() < deadline, "the replica never caught up");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }

        // Down: reads come from the primary, and readiness says why it is degraded.
        replica.stop();
        for _ in 0..3 {
            let (status, version, body) = get(&app, "/v1/facilities").await;
            assert_eq!((status, version), (200, Some(second)), "{body}");
        }
        let (status, _, ready) = get(&app, "/readyz").await;
        assert_eq!(status, 200, "the primary serves: {ready}");
        assert_eq!(ready["status"], "degraded", "{ready}");
        assert_eq!(ready["replicas"][0]["status"], "unavailable", "{ready}");
        assert!(ready["replicas"][0]["detail"].is_string(), "{ready}");
    });
    drop(replica);
    drop(primary);
}
