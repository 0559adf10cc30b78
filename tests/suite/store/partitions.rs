//! PostgreSQL's partitions of the amount-order read model (migration 000801): the table is split by
//! hash of the source file, so one file's rows live in one partition, and the migration moves stored
//! rows both ways without losing any.

use priceline_store::{DbConnection, migrations, snapshot};

use super::count;
use crate::support::db::TestDb;
use crate::support::fixtures;

const TABLE: &str = "code_line_amounts";

/// How many partitions the table has (0: it is a plain table).
fn partitions(connection: &mut DbConnection) -> i64 {
    count(
        connection,
        &format!(
            "SELECT COUNT(*) AS count FROM pg_inherits \
             WHERE inhparent = to_regclass('{TABLE}')"
        ),
    )
}

/// The largest number of partitions (`tableoid`s) any one file's rows are found in.
fn partitions_per_file(connection: &mut DbConnection) -> i64 {
    count(
        connection,
        &format!(
            "SELECT COALESCE(MAX(n), 0) AS count FROM \
             (SELECT COUNT(DISTINCT tableoid) AS n FROM {TABLE} GROUP BY source_file_id) AS f"
        ),
    )
}

fn rows(connection: &mut DbConnection) -> i64 {
    count(
        connection,
        &format!("SELECT COUNT(*) AS count FROM {TABLE}"),
    )
}

#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn each_file_lives_in_one_partition_and_the_migration_keeps_every_row() {
    let db = TestDb::postgres();
    let mut connection = db.migrated();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let items = fixtures::items();
    // Enough files that hashing them spreads them over several partitions.
    let files: Vec<i64> = (1..=12u8)
        .map(|sha_byte| {
            snapshot::write_snapshot(
                &mut connection,
                "key",
                &fixtures::facility(),
                &fixtures::source_file(sha_byte, date),
                &items,
                &[],
            )
            .unwrap()
            .source_file_id
        })
        .collect();
    let written = rows(&mut connection);
    assert!(written > 0);
    assert_eq!(partitions(&mut connection), 8);
    assert_eq!(partitions_per_file(&mut connection), 1);
    let used = count(
        &mut connection,
        &format!("SELECT COUNT(DISTINCT tableoid) AS count FROM {TABLE}"),
    );
    assert!(used > 1, "twelve files in {used} partition");

    // Down: one plain table with every row; up again: partitioned, every row, each snapshot and
    // its read model as written.
    let model = |connection: &mut DbConnection, file: i64| {
        count(
            connection,
            &format!(
                "SELECT COALESCE(SUM(amount + 3 * kind + 5 * standard_charge_id \
                 + 7 * payer_rate_id), 0)::bigint AS count FROM {TABLE} WHERE source_file_id = {file}"
            ),
        )
    };
    let sums: Vec<i64> = files
        .iter()
        .map(|&file| model(&mut connection, file))
        .collect();
    let reverted = super::revert_through(&mut connection, "partitions");
    assert_eq!(partitions(&mut connection), 0);
    assert_eq!(rows(&mut connection), written);
    assert_eq!(
        migrations::run_pending(&mut connection).unwrap().len(),
        reverted.len()
    );
    assert_eq!(rows(&mut connection), written);
    assert_eq!(partitions(&mut connection), 8);
    assert_eq!(partitions_per_file(&mut connection), 1);
    for (&file, &sum) in files.iter().zip(&sums) {
        assert_eq!(model(&mut connection, file), sum, "file {file}");
        let stored = snapshot::load_snapshot(&mut connection, file).unwrap();
        assert_eq!(stored.items, items);
    }
}
