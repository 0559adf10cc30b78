//! Encryption at rest for the embedded SQLite file (issue 14, item 7): SQLCipher with
//! `PRICELINE_DATABASE_KEY`, `priceline db encrypt|rekey`; on PostgreSQL a key is refused (its disk
//! encryption and TLS are the operator's, see the README).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use priceline_api::config;
use priceline_store::{DatabaseKey, DatabaseUrl, SQLITE_HEADER, connect};

use crate::import::{import, priceline_binary};
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const KEY: &str = "correct horse 'battery' staple";
const NEW_KEY: &str = "a new passphrase after the audit";

/// A generated hospital's price file (the sample data every API test uses).
fn generate(dir: &Path, hospital: usize, rows: u64) -> PathBuf {
    priceline_synth::write_hospital(dir, 2026, hospital, rows, priceline_synth::Format::Tall)
        .unwrap()
}

fn key(text: &str) -> Option<DatabaseKey> {
    Some(DatabaseKey::new(text).unwrap())
}

fn path_of(url: &DatabaseUrl) -> PathBuf {
    PathBuf::from(url.connection_string())
}

/// The file's bytes with those of its WAL, if any: what "touched" means.
fn contents(path: &Path) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    (std::fs::read(path).unwrap(), std::fs::read(wal).ok())
}

/// Opening the file as plain SQLite (no key) and reading its schema fails.
fn unreadable_as_plain_sqlite(path: &Path) -> bool {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })
        .is_err()
}

/// Every table's row count, read through SQLCipher with `key` (none: a plain file).
fn row_counts(path: &Path, key: Option<&str>) -> Vec<(String, i64)> {
    let connection = rusqlite::Connection::open(path).unwrap();
    if let Some(key) = key {
        let literal = key.replace('\'', "''");
        connection
            .execute_batch(&format!("PRAGMA key = '{literal}'"))
            .unwrap();
    }
    let mut tables = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    let names: Vec<String> = tables
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names
        .into_iter()
        .map(|name| {
            let count = connection
                .query_row(&format!("SELECT count(*) FROM \"{name}\""), [], |row| {
                    row.get(0)
                })
                .unwrap();
            (name, count)
        })
        .collect()
}

async fn facility_count(app: &TestApp) -> usize {
    let (status, body) = app.get("/v1/facilities").await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().len()
}

/// On SQLite: a keyed database is encrypted on disk, served with its key, refused without it or
/// with another key (nothing touched). On PostgreSQL a key is a configuration error.
async fn an_encrypted_database_cannot_be_read_without_its_key(mut db: TestDb) {
    let DatabaseUrl::Sqlite(..) = db.url else {
        let url = db.url.connection_string();
        let error = config::Settings::from_lookup(|name| match name {
            config::DATABASE_URL => Some(url.clone()),
            config::DATABASE_KEY => Some(KEY.to_owned()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(error.variable, config::DATABASE_KEY, "{error}");
        assert!(error.to_string().contains("disk"), "{error}");
        return;
    };
    db.url = db.url.clone().with_key(key(KEY)).unwrap();
    let path = path_of(&db.url);
    let files = tempfile::tempdir().unwrap();
    let file = generate(files.path(), 0, 200);
    // The import writes through its own connection to the file: it must get the key too.
    let mut connection = db.migrated();
    import(&mut connection, file.to_str().unwrap());
    drop(connection);

    let app = TestApp::spawn_with_env(db, &[(config::DATABASE_KEY, KEY)]).await;
    assert_eq!(facility_count(&app).await, 1);

    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 4096, "{} bytes", bytes.len());
    assert_ne!(
        &bytes[..16],
        SQLITE_HEADER,
        "the file has a plain SQLite header"
    );
    assert!(unreadable_as_plain_sqlite(&path));

    app.statistics_caught_up().await;
    let before = contents(&path);
    let plain = DatabaseUrl::parse(&path.display().to_string()).unwrap();
    let error = connect(&plain).err().expect("no key").to_string();
    assert!(error.contains("PRICELINE_DATABASE_KEY"), "{error}");
    let wrong = plain.clone().with_key(key("not the key")).unwrap();
    let error = connect(&wrong).err().expect("a wrong key").to_string();
    assert!(error.contains("does not open"), "{error}");
    assert!(!error.contains("not the key"), "{error}");
    assert_eq!(contents(&path), before, "a refused open changed the file");
    // The server still reads it with the right key.
    assert_eq!(facility_count(&app).await, 1);
}
on_both_backends!(async an_encrypted_database_cannot_be_read_without_its_key);

fn priceline(database: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(priceline_binary());
    command
        .args(args)
        .env("PRICELINE_DATABASE_URL", database)
        .env_remove(config::DATABASE_KEY)
        .env_remove(config::DATABASE_NEW_KEY)
        .env("PRICELINE_LOG", "warn");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn succeeds(output: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    text
}

fn fails(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "succeeded: {text}");
    text
}

/// `priceline db encrypt` converts a plain file, `priceline db rekey` changes its key; each keeps
/// every row, and a wrong key changes nothing. SQLite only (PostgreSQL: refused with the reason).
fn db_encrypt_and_rekey_round_trip(db: TestDb) {
    let DatabaseUrl::Sqlite(..) = db.url else {
        let text = fails(
            &Command::new(priceline_binary())
                .args(["db", "encrypt"])
                .env("PRICELINE_DATABASE_URL", db.url.connection_string())
                .env(config::DATABASE_KEY, KEY)
                .output()
                .unwrap(),
        );
        assert!(text.contains(config::DATABASE_KEY), "{text}");
        return;
    };
    let path = path_of(&db.url);
    let files = tempfile::tempdir().unwrap();
    let file = generate(files.path(), 0, 200);
    succeeds(&priceline(&path, &[], &["import", file.to_str().unwrap()]));
    let plain_bytes = std::fs::read(&path).unwrap();
    assert_eq!(&plain_bytes[..16], SQLITE_HEADER);
    let rows = row_counts(&path, None);
    assert!(rows.iter().any(|(_, count)| *count > 100), "{rows:?}");

    let with_key = [(config::DATABASE_KEY, KEY)];
    // Set but empty: refused, the file untouched.
    let text = fails(&priceline(
        &path,
        &[(config::DATABASE_KEY, "")],
        &["db", "encrypt"],
    ));
    assert!(text.contains(config::DATABASE_KEY), "{text}");
    let text = fails(&priceline(&path, &[], &["db", "encrypt"]));
    assert!(text.contains(config::DATABASE_KEY), "{text}");
    assert_eq!(contents(&path).0, plain_bytes);

    // A plain file opened with a key: refused with the remedy, nothing changed.
    let text = fails(&priceline(&path, &with_key, &["migrate", "status"]));
    assert!(text.contains("priceline db encrypt"), "{text}");
    assert_eq!(contents(&path).0, plain_bytes);

    succeeds(&priceline(&path, &with_key, &["db", "encrypt"]));
    assert_eq!(row_counts(&path, Some(KEY)), rows);
    assert_ne!(&std::fs::read(&path).unwrap()[..16], SQLITE_HEADER);
    assert!(unreadable_as_plain_sqlite(&path));
    assert!(!path.with_file_name("priceline.db.converting").exists());
    let text = fails(&priceline(&path, &[], &["migrate", "status"]));
    assert!(text.contains(config::DATABASE_KEY), "{text}");
    succeeds(&priceline(&path, &with_key, &["migrate", "status"]));
    // Encrypting twice is refused.
    fails(&priceline(&path, &with_key, &["db", "encrypt"]));

    // Rekey with a wrong current key: refused, nothing changed.
    let encrypted = contents(&path);
    let text = fails(&priceline(
        &path,
        &[
            (config::DATABASE_KEY, "not the key"),
            (config::DATABASE_NEW_KEY, NEW_KEY),
        ],
        &["db", "rekey"],
    ));
    assert!(text.contains("does not open"), "{text}");
    assert_eq!(contents(&path), encrypted);
    let text = fails(&priceline(&path, &with_key, &["db", "rekey"]));
    assert!(text.contains(config::DATABASE_NEW_KEY), "{text}");

    succeeds(&priceline(
        &path,
        &[
            (config::DATABASE_KEY, KEY),
            (config::DATABASE_NEW_KEY, NEW_KEY),
        ],
        &["db", "rekey"],
    ));
    fails(&priceline(&path, &with_key, &["migrate", "status"]));
    succeeds(&priceline(
        &path,
        &[(config::DATABASE_KEY, NEW_KEY)],
        &["migrate", "status"],
    ));
    assert!(unreadable_as_plain_sqlite(&path));
    assert_eq!(row_counts(&path, Some(NEW_KEY)), rows);

    // The server serves it with the new key.
    actix_web::rt::System::new().block_on(async {
        let url = DatabaseUrl::parse(&path.display().to_string()).unwrap();
        let app = TestApp::spawn_on(&url, &[(config::DATABASE_KEY, NEW_KEY)]).await;
        assert_eq!(facility_count(&app).await, 1);
    });
    drop(db);
}
on_both_backends!(db_encrypt_and_rekey_round_trip);
