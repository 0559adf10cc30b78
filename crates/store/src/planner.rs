//! Keeping the query planner's picture of the data current after bulk loads.
//!
//! PostgreSQL plans from table statistics that autovacuum refreshes only some time after a load. A
//! planner that still believes `standard_charges` is empty joins it by a sequential scan: measured at
//! 10M rates, a 50-line code lookup took 9 s with stale statistics and milliseconds after ANALYZE.
//! So an import run refreshes them itself, once at its end (ANALYZE samples a fixed number of rows
//! per table, so it costs well under a second whatever the size). SQLite's planner works from its
//! indexes without statistics here, and its ANALYZE reads whole tables, so it is left alone.

use diesel::RunQueryDsl;

use crate::StoreResult;
use crate::connection::DbConnection;

/// Refreshes the planner statistics of the tables imports write.
pub fn refresh_statistics(connection: &mut DbConnection) -> StoreResult<()> {
    if let DbConnection::Postgres(connection) = connection {
        diesel::sql_query(
            "ANALYZE facilities, source_files, items, item_codes, payer_plans, standard_charges, \
             payer_rates, file_payer_plans, modifiers",
        )
        .execute(connection)?;
    }
    Ok(())
}
