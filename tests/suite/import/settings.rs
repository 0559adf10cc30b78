//! An import changes per-connection SQLite settings for its own duration only: the connection it used
//! may go back to a pool that serves reads.

use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;
use priceline_import::Status;
use priceline_store::DbConnection;
use priceline_synth::{Format, Spec};

use super::import;
use crate::support::db::TestDb;

#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// A pragma's value, read through its table-valued function (`column` is the pragma's result column).
fn setting(connection: &mut DbConnection, pragma: &str, column: &str) -> i64 {
    diesel::sql_query(format!("SELECT {column} AS value FROM pragma_{pragma}"))
        .get_result::<Setting>(connection)
        .unwrap()
        .value
}

#[test]
fn an_import_restores_the_connection_settings_it_changed() {
    let db = TestDb::sqlite();
    let mut connection = db.migrated();
    let before = (
        setting(&mut connection, "temp_store", "temp_store"),
        setting(&mut connection, "busy_timeout", "timeout"),
    );
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("file.csv");
    let spec = Spec {
        seed: 3,
        hospital: 0,
        rows: 300,
    };
    priceline_synth::write(
        &spec,
        Format::Tall,
        &mut std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    let report = import(&mut connection, path.to_str().unwrap()).remove(0);
    assert_eq!(report.status, Status::Imported, "{:?}", report.reason);
    let after = (
        setting(&mut connection, "temp_store", "temp_store"),
        setting(&mut connection, "busy_timeout", "timeout"),
    );
    assert_eq!(after, before);
    assert_eq!(before, (0, 5000), "the defaults set by `connect`");
}
