//! Settling PostgreSQL's tables after bulk loads: the planner's statistics and the visibility map.
//!
//! PostgreSQL plans from table statistics that autovacuum refreshes only some time after a load. A
//! planner that still believes `standard_charges` is empty joins it by a sequential scan: measured at
//! 10M rates, a 50-line code lookup took 9 s with stale statistics and milliseconds after ANALYZE.
//! So an import run refreshes them itself, once at its end (ANALYZE samples a fixed number of rows
//! per table, so it costs well under a second whatever the size).
//!
//! It vacuums the tables it wrote first, for the same reason: until VACUUM marks a page all-visible,
//! an index-only scan reads the table row of every index entry anyway. The code lookup's
//! `item_codes_lookup`, the amount-order model (`code_line_amounts`, whose key holds every column)
//! and the compare model (`file_code_prices`, 439 heap fetches for a common code) are read that
//! way: a lookup with a payer and a state read 6,516 rows of the code's index and fetched each from
//! the table (7.4 ms at 10M rates), 2.0 ms once vacuumed. VACUUM passes over pages already
//! all-visible, so each run reads what the imports since the last one wrote.
//!
//! The statistics read model is written later, by the server's refresh: the import's ANALYZE finds
//! it as it was, empty after a bulk load. So the refresh that brings it up to date analyses the two
//! tables the API reads ([`settle_statistics_model`]). Measured at 10M rates after a catch-up from
//! empty: statistics split by state ran at 52-61 req/s (a generic plan believing the summaries empty
//! read all 217,258 of them for 312 groups), 293 once analysed.
//!
//! SQLite's planner works from its indexes without statistics here, its ANALYZE reads whole tables,
//! and it has no visibility map: it is left alone.

use diesel::{Connection, RunQueryDsl};

use crate::StoreResult;
use crate::connection::DbConnection;

/// The largest tables imports write, analysed with a smaller sample (see [`settle_after_import`]).
const LARGE: &str = "items, standard_charges, payer_rates, code_line_amounts";

/// The other tables imports write.
const IMPORTED: &str = "facilities, source_files, item_codes, file_code_prices, payer_plans, \
                        file_payer_plans, file_locations, file_npis, modifiers, modifier_payer_info";

/// The statistics read model, which the server's refresh (not the import) writes: analysed only.
const STATISTICS_MODEL: &str = "code_statistics_groups, code_statistics_amounts, \
                                code_statistics_summaries, code_statistics_dirty_groups";

/// Refreshes the planner statistics of the read model's tables the API reads, in the transaction
/// of the refresh that wrote them (ANALYZE may run in one; it then counts that transaction's rows).
pub(crate) fn settle_statistics_model(connection: &mut DbConnection) -> StoreResult<()> {
    if let DbConnection::Postgres(connection) = connection {
        diesel::sql_query("ANALYZE code_statistics_groups, code_statistics_summaries")
            .execute(connection)?;
    }
    Ok(())
}

/// Vacuums the tables imports write and refreshes their planner statistics.
pub fn settle_after_import(connection: &mut DbConnection) -> StoreResult<()> {
    if let DbConnection::Postgres(connection) = connection {
        // Outside any transaction, as VACUUM must be.
        diesel::sql_query(format!("VACUUM {LARGE}, {IMPORTED}")).execute(connection)?;
        // The largest tables with a sample of 6,000 rows (statistics target 20) rather than
        // 30,000: their plans turn on row counts and rough distributions, which a small sample gives,
        // and the default sample cost a quarter of a second per 1M imported rates (measured: 0.30 s
        // for the first three, 0.06 s at 20). Codes keep the default: a common code's row estimate
        // decides whether a lookup reads the index in page order (see `queries::prices`).
        connection.transaction(|connection| {
            diesel::sql_query("SET LOCAL default_statistics_target = 20").execute(connection)?;
            diesel::sql_query(format!("ANALYZE {LARGE}")).execute(connection)
        })?;
        diesel::sql_query(format!("ANALYZE {IMPORTED}, {STATISTICS_MODEL}")).execute(connection)?;
    }
    Ok(())
}
