//! An import killed midway (the process gone, as by `kill -9` or a crash) leaves the facility's
//! previous snapshot exactly as it was, and the next import works.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use priceline_import::Status;
use priceline_store::snapshot::{self, count_rows, source_file_ids};
use priceline_synth::{Format, Spec};

use super::{import, priceline_binary};
use crate::on_both_backends;
use crate::support::db::TestDb;

fn generate(dir: &std::path::Path, name: &str, rows: u64) -> PathBuf {
    let path = dir.join(name);
    let spec = Spec {
        seed: 7,
        hospital: 0,
        rows,
    };
    priceline_synth::write(
        &spec,
        Format::Tall,
        &mut std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    path
}

fn a_killed_import_leaves_the_previous_snapshot_intact(db: TestDb) {
    let files = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let first = import(
        &mut connection,
        generate(files.path(), "small.csv", 500).to_str().unwrap(),
    )
    .remove(0);
    assert_eq!(first.status, Status::Imported);
    let first_id = first.source_file_id.unwrap();
    let facility_id = first.facility_id.unwrap();
    let before = count_rows(&mut connection, first_id).unwrap();

    // A newer file of the same hospital, large enough that its import is still running when killed.
    let big = generate(files.path(), "big.csv", 400_000);
    let mut child = Command::new(priceline_binary())
        .arg("import")
        .arg(&big)
        .env("PRICELINE_DATABASE_URL", db.url.connection_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished within {:?}: the test file is too small to interrupt",
        started.elapsed()
    );
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(source_file_ids(&mut connection).unwrap(), vec![first_id]);
    assert_eq!(
        snapshot::current_source_file_id(&mut connection, facility_id).unwrap(),
        Some(first_id)
    );
    assert_eq!(count_rows(&mut connection, first_id).unwrap(), before);
    drop(connection);

    // Nothing is left locked or half-written: the same file now imports in full.
    let mut connection = db.connect();
    let again = import(&mut connection, big.to_str().unwrap()).remove(0);
    assert_eq!(again.status, Status::Imported, "{:?}", again.reason);
    assert_eq!(
        snapshot::current_source_file_id(&mut connection, facility_id).unwrap(),
        again.source_file_id
    );
    assert_eq!(
        count_rows(&mut connection, again.source_file_id.unwrap())
            .unwrap()
            .payer_rates as u64,
        again.summary.payer_rates
    );
}
on_both_backends!(a_killed_import_leaves_the_previous_snapshot_intact);
