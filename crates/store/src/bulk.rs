//! Bulk inserts: a multi-row `INSERT` per chunk on SQLite (as many rows as its 32,766 bind variables
//! allow), binary `COPY FROM STDIN` on PostgreSQL. Diesel's `MultiBackend` cannot express either, so
//! each backend gets its own instantiation.

/// SQLite's bind-variable limit (the bundled build's `SQLITE_MAX_VARIABLE_NUMBER`).
pub(crate) const SQLITE_MAX_VARIABLES: usize = 32_766;

/// `bulk_insert!(connection, table::table, rows, COLUMNS)` inserts a slice of `Insertable` rows
/// whose rows bind `COLUMNS` values each.
macro_rules! bulk_insert {
    ($connection:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match $connection {
                $crate::DbConnection::Sqlite(c) => {
                    for chunk in rows.chunks($crate::bulk::SQLITE_MAX_VARIABLES / $columns) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
                $crate::DbConnection::Postgres(c) => {
                    diesel::copy_from($table).from_insertable(rows).execute(c)?;
                }
            }
        }
    }};
}

pub(crate) use bulk_insert;
