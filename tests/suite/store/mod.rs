//! The persistence layer on both backends.

mod amount_order;
mod charge_items;
mod compare;
mod connection;
mod encryption;
mod facilities;
mod migrate_command;
mod migrations;
mod partitions;
mod payers;
mod postgres_tls;
mod prices;
mod round_trip;
mod schema;
mod settle;
mod statistics;

/// Reverts migrations, newest first, through the one whose name contains `name` (later ones are
/// reverted with it); what was reverted.
pub(crate) fn revert_through(
    connection: &mut priceline_store::DbConnection,
    name: &str,
) -> Vec<String> {
    let mut reverted = Vec::new();
    while !reverted
        .last()
        .is_some_and(|last: &String| last.contains(name))
    {
        let step = priceline_store::migrations::revert(connection, 1).unwrap();
        assert!(!step.is_empty(), "no migration named {name}: {reverted:?}");
        reverted.extend(step);
    }
    reverted
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// The one BIGINT `count` column of `sql`'s one row.
pub(crate) fn count(connection: &mut priceline_store::DbConnection, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .get_result::<Count>(connection)
        .unwrap()
        .count
}

/// Imports one file, which must be imported.
pub(crate) fn import(connection: &mut priceline_store::DbConnection, path: &std::path::Path) {
    use priceline_import::{Quiet, Status, import_path};
    let options = priceline_ingest::ReadOptions::default();
    let report = import_path(connection, None, path, &options, &Quiet).remove(0);
    assert_eq!(report.status, Status::Imported, "{path:?}: {report:?}");
}

/// The republication the read models are checked across: hospital 0 republishes a shorter file
/// (last updated 2026-09-01), then an older file of hospital 1 (2025-06-01) is imported late.
pub(crate) fn republish_and_import_late(
    connection: &mut priceline_store::DbConnection,
    dir: &std::path::Path,
) {
    use crate::api::sample::wide;
    import(connection, &wide(dir, "later", 0, 120, "2026-09-01"));
    import(connection, &wide(dir, "older", 1, 90, "2025-06-01"));
}

/// Every code any stored file lists, each once, in order.
pub(crate) fn codes(
    connection: &mut priceline_store::DbConnection,
) -> std::collections::BTreeSet<(priceline_domain::CodeType, String)> {
    use priceline_store::snapshot;
    let mut codes = std::collections::BTreeSet::new();
    for id in snapshot::source_file_ids(connection).unwrap() {
        for item in snapshot::load_snapshot(connection, id).unwrap().items {
            codes.extend(item.codes.into_iter().map(|c| (c.code_type, c.code)));
        }
    }
    codes
}

/// No setting criterion, then each setting.
pub(crate) const EVERY_SETTING: [Option<priceline_domain::Setting>; 4] = [
    None,
    Some(priceline_domain::Setting::Inpatient),
    Some(priceline_domain::Setting::Outpatient),
    Some(priceline_domain::Setting::Both),
];
