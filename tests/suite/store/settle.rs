//! What an import run does to PostgreSQL's tables at its end (`planner::settle_after_import`): each
//! table it writes is vacuumed (so that index-only scans of the lookups read no table rows) and
//! analysed (so that the planner knows their sizes); and what the statistics refresh that follows
//! does to the read model's (`planner::settle_statistics_model`).

use diesel::RunQueryDsl;
use priceline_store::{planner, snapshot};

use super::count;

use crate::support::db::TestDb;
use crate::support::fixtures;

#[derive(diesel::QueryableByName)]
struct Table {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
}

#[test]
#[cfg_attr(no_postgres, ignore = "PRICELINE_TEST_POSTGRES_URL is not set")]
fn an_import_leaves_its_tables_vacuumed_and_analysed() {
    let db = TestDb::postgres();
    let mut connection = db.migrated();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    snapshot::write_snapshot(
        &mut connection,
        "key",
        &fixtures::facility(),
        &fixtures::source_file(1, date),
        &fixtures::items(),
        &[],
    )
    .unwrap();
    planner::settle_after_import(&mut connection).unwrap();
    // The lookups' tables, the amount-order model's partitions among them, that were not.
    let unsettled = diesel::sql_query(
        "SELECT relname::text AS relname FROM pg_stat_user_tables \
         WHERE schemaname = current_schema() \
           AND (relname IN ('item_codes', 'file_code_prices', 'items', 'standard_charges', \
                            'payer_rates', 'source_files', 'facilities', 'payer_plans', \
                            'file_payer_plans', 'file_locations', 'file_npis') \
                OR relname LIKE 'code\\_line\\_amounts\\_p%') \
           AND (vacuum_count = 0 OR analyze_count = 0) \
         ORDER BY relname",
    )
    .load::<Table>(&mut connection)
    .unwrap()
    .into_iter()
    .map(|table| table.relname)
    .collect::<Vec<_>>();
    assert!(unsettled.is_empty(), "{unsettled:?}");

    // The import's ANALYZE found the statistics model empty (its change pending); the refresh that
    // writes it analyses what the API reads of it, so the planner knows it holds rows.
    let believed = |connection: &mut priceline_store::DbConnection| {
        count(
            connection,
            "SELECT CAST(MIN(reltuples) AS BIGINT) AS count FROM pg_class \
             WHERE relnamespace = current_schema()::regnamespace \
               AND relname IN ('code_statistics_groups', 'code_statistics_summaries')",
        )
    };
    assert!(believed(&mut connection) <= 0);
    while snapshot::statistics::refresh(&mut connection).unwrap() > 0 {}
    assert!(believed(&mut connection) > 0);
}
