//! Bulk inserts: prepared multi-row `INSERT`s of a fixed number of rows on SQLite, binary
//! `COPY FROM STDIN` on PostgreSQL. Diesel's `MultiBackend` cannot express either, so
//! each backend gets its own instantiation.

/// SQLite's bind-variable limit (the bundled build's `SQLITE_MAX_VARIABLE_NUMBER`).
pub(crate) const SQLITE_MAX_VARIABLES: usize = 32_766;

/// Rows per cached multi-row INSERT on SQLite (the widest table binds 17 values a row).
pub(crate) const SQLITE_ROWS_PER_INSERT: usize = 128;

/// `bulk_insert!(connection, table::table, rows, COLUMNS)` inserts a slice of `Insertable` rows
/// whose rows bind `COLUMNS` values each.
macro_rules! bulk_insert {
    ($connection:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match $connection {
                $crate::DbConnection::Sqlite(c) => {
                    // Fixed-size arrays have a static query id, so Diesel prepares their INSERT once
                    // and reuses it; only the remainder goes through a one-off statement.
                    const ROWS: usize = $crate::bulk::SQLITE_ROWS_PER_INSERT;
                    const _: () = assert!(ROWS * $columns <= $crate::bulk::SQLITE_MAX_VARIABLES);
                    let chunks = rows.chunks_exact(ROWS);
                    let remainder = chunks.remainder();
                    for array in chunks.filter_map(|chunk| <&[_; ROWS]>::try_from(chunk).ok()) {
                        diesel::insert_into($table).values(array).execute(c)?;
                    }
                    if !remainder.is_empty() {
                        diesel::insert_into($table).values(remainder).execute(c)?;
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
