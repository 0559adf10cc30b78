use chrono::NaiveDate;
use priceline_domain::Item;
use priceline_store::snapshot::{self, Begin, Snapshot, SnapshotIds, SnapshotWriter};
use priceline_store::{DbConnection, StoreResult};

use super::count;
use crate::on_both_backends;
use crate::support::db::TestDb;
use crate::support::fixtures;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// Writes a snapshot of the fixture facility: file `sha_byte` dated `on`, with `items` and no
/// modifiers.
fn write_fixture(
    connection: &mut DbConnection,
    sha_byte: u8,
    on: NaiveDate,
    items: &[Item],
) -> StoreResult<SnapshotIds> {
    snapshot::write_snapshot(
        connection,
        "key",
        &fixtures::facility(),
        &fixtures::source_file(sha_byte, on),
        items,
        &[],
    )
}

fn every_entity_comes_back_unchanged(db: TestDb) {
    let mut connection = db.migrated();
    let facility = fixtures::facility();
    let file = fixtures::source_file(1, date(2026, 4, 1));
    let items = fixtures::items();
    let modifiers = fixtures::modifiers();
    let ids = snapshot::write_snapshot(
        &mut connection,
        "ca-50056",
        &facility,
        &file,
        &items,
        &modifiers,
    )
    .unwrap();

    let stored = snapshot::load_snapshot(&mut connection, ids.source_file_id).unwrap();
    assert_eq!(stored.facility_key, "ca-50056");
    assert_eq!(stored.facility, facility);
    assert_eq!(stored.source_file, file);
    assert_eq!(stored.items, items);
    assert_eq!(stored.modifiers, modifiers);
}
on_both_backends!(every_entity_comes_back_unchanged);

fn amounts_come_back_exactly_as_written(db: TestDb) {
    let mut connection = db.migrated();
    let items = fixtures::items();
    let ids = write_fixture(&mut connection, 2, date(2026, 1, 1), &items).unwrap();
    let stored = snapshot::load_snapshot(&mut connection, ids.source_file_id).unwrap();
    let drug = stored.items.last().unwrap();
    let charge = &drug.standard_charges[0];
    assert_eq!(charge.minimum.unwrap().to_string(), "250.0001");
    assert_eq!(charge.maximum.unwrap().to_string(), "999999999");
    assert_eq!(
        charge.payer_rates[0].negotiated_dollar.unwrap().to_string(),
        "575.75"
    );
    assert_eq!(
        charge.payer_rates[1]
            .negotiated_percentage
            .unwrap()
            .to_string(),
        "12.3456"
    );
    assert_eq!(
        charge.payer_rates[1].percentile_10th.unwrap().to_string(),
        "800.000001"
    );
    assert_eq!(
        charge.payer_rates[1].count.unwrap().to_string(),
        "1 through 10"
    );
    assert_eq!(drug.drug.as_ref().unwrap().unit.to_string(), "50");
}
on_both_backends!(amounts_come_back_exactly_as_written);

fn a_newer_file_becomes_current_and_the_older_stays_readable(db: TestDb) {
    let mut connection = db.migrated();
    let items = fixtures::items();
    let first = write_fixture(&mut connection, 3, date(2026, 1, 1), &items).unwrap();
    let newer = write_fixture(&mut connection, 4, date(2026, 6, 1), &items[..2]).unwrap();
    assert_eq!(first.facility_id, newer.facility_id);
    assert_eq!(
        snapshot::current_source_file_id(&mut connection, first.facility_id).unwrap(),
        Some(newer.source_file_id)
    );
    // A file dated earlier than the current one, imported late, is history only.
    let late = write_fixture(&mut connection, 5, date(2025, 6, 1), &items[..1]).unwrap();
    assert_eq!(
        snapshot::current_source_file_id(&mut connection, first.facility_id).unwrap(),
        Some(newer.source_file_id)
    );
    assert_eq!(
        snapshot::load_snapshot(&mut connection, first.source_file_id)
            .unwrap()
            .items,
        items
    );
    assert_eq!(
        snapshot::load_snapshot(&mut connection, late.source_file_id)
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        snapshot::find_by_sha256(
            &mut connection,
            &fixtures::source_file(4, date(2026, 6, 1)).sha256
        )
        .unwrap(),
        Some(newer)
    );
}
on_both_backends!(a_newer_file_becomes_current_and_the_older_stays_readable);

fn a_failed_write_leaves_earlier_snapshots_untouched(db: TestDb) {
    let (mut connection, first, before) = one_snapshot(&db);
    let (facility, items) = (fixtures::facility(), fixtures::items());
    let rates_before = all_rate_ids(&mut connection);

    // A failure after the header and every item were written (here the writer's caller gives up,
    // as the importer does on a read error): all of it rolls back, on both of the PostgreSQL
    // connections the rates were shared between.
    let mut rates = db.connect();
    let result = snapshot::import(
        &mut connection,
        Some(&mut rates),
        |session| -> priceline_store::StoreResult<()> {
            let file = fixtures::source_file(7, date(2026, 9, 1));
            let Begin::Writer(mut writer) =
                SnapshotWriter::begin(session, "key", &facility, &file)?
            else {
                panic!("these bytes were never imported");
            };
            for item in &items {
                writer.push_item(item)?;
            }
            Err(priceline_store::StoreError::Unavailable(
                "the reader failed".into(),
            ))
        },
    );
    assert!(result.is_err());
    assert_eq!(
        snapshot::find_by_sha256(
            &mut connection,
            &fixtures::source_file(7, date(2026, 9, 1)).sha256
        )
        .unwrap(),
        None
    );
    assert_eq!(
        snapshot::current_source_file_id(&mut connection, first.facility_id).unwrap(),
        Some(first.source_file_id)
    );
    assert_eq!(
        snapshot::load_snapshot(&mut connection, first.source_file_id).unwrap(),
        before
    );
    assert_eq!(all_rate_ids(&mut connection), rates_before);
    // The second connection is out of its transaction: what it reads is what is committed.
    assert_eq!(all_rate_ids(&mut rates), rates_before);
}
on_both_backends!(a_failed_write_leaves_earlier_snapshots_untouched);

/// A database holding the fixtures' items as file 6 of facility `key`: its ids, and the snapshot read
/// back.
fn one_snapshot(db: &TestDb) -> (DbConnection, SnapshotIds, Snapshot) {
    let mut connection = db.migrated();
    let file = fixtures::source_file(6, date(2026, 1, 1));
    let ids = snapshot::write_snapshot(
        &mut connection,
        "key",
        &fixtures::facility(),
        &file,
        &fixtures::items(),
        &[],
    )
    .unwrap();
    let stored = snapshot::load_snapshot(&mut connection, ids.source_file_id).unwrap();
    (connection, ids, stored)
}

/// Every stored payer rate's id, in order.
fn all_rate_ids(connection: &mut DbConnection) -> Vec<i64> {
    rate_column(connection, "id")
}

/// One bigint column of every payer rate, in id order.
fn rate_column(connection: &mut DbConnection, column: &str) -> Vec<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Rate {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        value: i64,
    }
    let rates: Vec<Rate> = diesel::sql_query(format!(
        "SELECT {column} AS value FROM payer_rates ORDER BY id"
    ))
    .load(connection)
    .unwrap();
    rates.into_iter().map(|rate| rate.value).collect()
}

fn rates_a_failed_commit_left_unreachable_are_deleted_by_the_next_import(db: TestDb) {
    use diesel::RunQueryDsl;
    let (mut connection, first, before) = one_snapshot(&db);
    let items = fixtures::items();
    let committed = all_rate_ids(&mut connection);
    let last = *committed.last().unwrap();
    // What an import leaves when its rates' transaction commits and its main one does not: rates
    // above every charge's range, of a source file that was never stored.
    diesel::sql_query(format!(
        "INSERT INTO payer_rates (id, standard_charge_id, source_file_id, payer_plan_id, source_location) \
         VALUES ({}, 999, 999, 1, 'R1'), ({}, 999, 999, 1, 'R2')",
        last + 1,
        last + 2
    ))
    .execute(&mut connection)
    .unwrap();

    let second = write_fixture(&mut connection, 7, date(2026, 2, 1), &items).unwrap();
    // The left-over rows are gone. PostgreSQL numbers this import's rates above them (its second
    // connection must never wait on a row the first deletes); SQLite, which numbers rows
    // itself, gives their ids again.
    let charges = rate_column(&mut connection, "standard_charge_id");
    assert!(!charges.contains(&999), "{charges:?}");
    let ids = all_rate_ids(&mut connection);
    assert_eq!(ids.len(), 2 * committed.len());
    match connection {
        DbConnection::Postgres(_) => {
            assert!(
                !ids.contains(&(last + 1)) && !ids.contains(&(last + 2)),
                "{ids:?}"
            );
        }
        DbConnection::Sqlite(_) => {
            assert_eq!(ids, (1..=2 * committed.len() as i64).collect::<Vec<_>>());
        }
    }
    assert_eq!(
        snapshot::load_snapshot(&mut connection, first.source_file_id).unwrap(),
        before
    );
    assert_eq!(
        snapshot::load_snapshot(&mut connection, second.source_file_id)
            .unwrap()
            .items,
        items
    );
}
on_both_backends!(rates_a_failed_commit_left_unreachable_are_deleted_by_the_next_import);

fn a_newest_charge_a_migration_left_without_rates_keeps_every_rate(db: TestDb) {
    use diesel::RunQueryDsl;
    let (mut connection, first, before) = one_snapshot(&db);
    let committed = all_rate_ids(&mut connection);
    // Migration 000004 gave charges without rates the empty range (0, -1); the newest charge
    // may be one of them.
    diesel::sql_query(format!(
        "INSERT INTO standard_charges (id, item_id, source_file_id, setting, source_location, first_rate_id, last_rate_id) \
         SELECT MAX(id) + 1, MAX(item_id), {}, 'outpatient', 'row 99', 0, -1 FROM standard_charges",
        first.source_file_id
    ))
    .execute(&mut connection)
    .unwrap();

    write_fixture(&mut connection, 7, date(2026, 2, 1), &fixtures::items()).unwrap();
    let ids = all_rate_ids(&mut connection);
    assert_eq!(ids.len(), 2 * committed.len());
    assert!(committed.iter().all(|id| ids.contains(id)), "{ids:?}");
    assert_eq!(
        snapshot::load_snapshot(&mut connection, first.source_file_id)
            .unwrap()
            .items
            .len(),
        before.items.len()
    );
}
on_both_backends!(a_newest_charge_a_migration_left_without_rates_keeps_every_rate);

fn identifiers_and_the_current_snapshot_follow_one_rule(db: TestDb) {
    let mut connection = db.migrated();
    let items = fixtures::items();
    let first = write_fixture(&mut connection, 8, date(2026, 1, 1), &items[..1]).unwrap();
    // A later file without an EIN or a date: the EIN stays; its import date (2026-11-22 in the
    // fixture) is after the first file's date, so it becomes current, as `as_of` would choose.
    let mut undated_facility = fixtures::facility();
    undated_facility.ein = None;
    let mut undated = fixtures::source_file(9, date(2026, 1, 1));
    undated.last_updated_on = None;
    let second = snapshot::write_snapshot(
        &mut connection,
        "key",
        &undated_facility,
        &undated,
        &items[..1],
        &[],
    )
    .unwrap();
    assert_eq!(
        snapshot::current_source_file_id(&mut connection, first.facility_id).unwrap(),
        Some(second.source_file_id)
    );
    let stored = snapshot::load_snapshot(&mut connection, second.source_file_id).unwrap();
    assert_eq!(stored.facility.ein, fixtures::facility().ein);
}
on_both_backends!(identifiers_and_the_current_snapshot_follow_one_rule);

/// PostgreSQL's COPY rounds run on the import's database thread while the writer goes on: a round
/// the server refuses (it stores no NUL in text) must still fail the import, with the server's
/// reason, after later rounds were handed over, and leave nothing of the file behind.
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_copy_round_the_server_refuses_fails_the_import_and_stores_nothing() {
    let db = crate::support::db::TestDb::postgres();
    let mut connection = db.migrated();
    let facility = fixtures::facility();
    let mut items = fixtures::items();
    items[0].description = "an unstorable \0 byte".into();
    // Enough rows for several COPY rounds of about 4 MB, so rounds follow the refused one.
    let items: Vec<_> = items.iter().cycle().take(200_000).cloned().collect();
    let file = fixtures::source_file(10, date(2026, 1, 1));
    let error = snapshot::write_snapshot(&mut connection, "key", &facility, &file, &items, &[])
        .unwrap_err();
    assert!(error.to_string().contains("0x00"), "{error}");
    assert_eq!(
        snapshot::find_by_sha256(&mut connection, &file.sha256).unwrap(),
        None
    );
    assert_eq!(
        snapshot::source_file_ids(&mut connection).unwrap(),
        Vec::<i64>::new()
    );
}

/// The same over two connections, the refused round being one of payer rates on the second: the
/// import fails with the server's reason and neither connection keeps anything.
#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn a_rates_round_the_server_refuses_fails_the_import_and_stores_nothing() {
    let db = crate::support::db::TestDb::postgres();
    let mut connection = db.migrated();
    let mut rates = db.connect();
    let facility = fixtures::facility();
    let mut items = fixtures::items();
    let charge = items
        .iter_mut()
        .flat_map(|item| &mut item.standard_charges)
        .find(|charge| !charge.payer_rates.is_empty())
        .unwrap();
    charge.payer_rates[0].payer_notes = Some("an unstorable \0 byte".into());
    let items: Vec<_> = items.iter().cycle().take(200_000).cloned().collect();
    let file = fixtures::source_file(10, date(2026, 1, 1));
    let error = snapshot::import(
        &mut connection,
        Some(&mut rates),
        |session| -> priceline_store::StoreResult<_> {
            let Begin::Writer(mut writer) =
                SnapshotWriter::begin(session, "key", &facility, &file)?
            else {
                panic!("these bytes were never imported");
            };
            for item in &items {
                writer.push_item(item)?;
            }
            writer.finish(&snapshot::FileReport::default())
        },
    )
    .unwrap_err();
    assert!(error.to_string().contains("0x00"), "{error}");
    assert_eq!(
        snapshot::source_file_ids(&mut connection).unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(all_rate_ids(&mut connection), Vec::<i64>::new());
    assert_eq!(all_rate_ids(&mut rates), Vec::<i64>::new());
}

/// Reads join a charge to its rates by id range only (`payer_rates` has no charge index), so the
/// ranges the writer records must cover every rate exactly once and nothing of another charge.
fn each_charge_names_exactly_its_rates_by_id_range(db: TestDb) {
    let mut connection = db.migrated();
    let items = fixtures::items();
    write_fixture(&mut connection, 11, date(2026, 2, 1), &items).unwrap();
    snapshot::write_snapshot(
        &mut connection,
        "other",
        &fixtures::facility(),
        &fixtures::source_file(12, date(2026, 2, 1)),
        &items,
        &[],
    )
    .unwrap();
    let rates = count(&mut connection, "SELECT COUNT(*) AS count FROM payer_rates");
    let without_rates = items
        .iter()
        .flat_map(|item| &item.standard_charges)
        .filter(|c| c.payer_rates.is_empty())
        .count();
    assert!(
        rates > 0 && without_rates > 0,
        "the fixture has charges with and without rates"
    );
    let foreign = count(
        &mut connection,
        "SELECT COUNT(*) AS count FROM standard_charges c \
         JOIN payer_rates r ON r.id BETWEEN c.first_rate_id AND c.last_rate_id \
         WHERE r.standard_charge_id <> c.id",
    );
    assert_eq!(foreign, 0);
    let covered = count(
        &mut connection,
        "SELECT CAST(COALESCE(SUM(last_rate_id - first_rate_id + 1), 0) AS BIGINT) AS count \
         FROM standard_charges WHERE last_rate_id >= first_rate_id",
    );
    assert_eq!(covered, rates);
    let empty = count(
        &mut connection,
        "SELECT COUNT(*) AS count FROM standard_charges WHERE last_rate_id < first_rate_id",
    );
    assert_eq!(empty, 2 * without_rates as i64);
}
on_both_backends!(each_charge_names_exactly_its_rates_by_id_range);
