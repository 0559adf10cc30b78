//! `crates/store/src/schema.rs` is written by hand beside two migration trees; this compares every
//! `table!` column (name, SQL type, nullability) with the database catalogue after the migrations,
//! so neither side can drift without a failing test.

use std::collections::BTreeMap;

use diesel::RunQueryDsl;
use diesel::sql_types::{Bool, Text};
use priceline_store::DbConnection;

use crate::on_both_backends;
use crate::support::db::TestDb;

/// The schema as Diesel declares it (read from the source: the module is private to the store).
const SCHEMA_RS: &str = include_str!("../../../crates/store/src/schema.rs");

/// A column: its SQL type as Diesel names it (`BigInt`, `Text`, …) and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    sql_type: String,
    nullable: bool,
}

impl Column {
    /// Whether the database column is the one `schema.rs` declares.
    fn is_declared_as(&self, declared: &Column) -> bool {
        let same_type = self.sql_type == declared.sql_type
            || (self.sql_type == ROWID
                && ["BigInt", "Integer"].contains(&declared.sql_type.as_str()));
        same_type && self.nullable == declared.nullable
    }
}

/// SQLite's rowid, which Diesel reads as `BigInt` or `Integer`.
const ROWID: &str = "BigInt or Integer (SQLite rowid)";

type Columns = BTreeMap<(String, String), Column>;

/// Every column of every `diesel::table!` block, by (table, column).
fn declared_columns() -> Columns {
    let mut columns = Columns::new();
    for block in SCHEMA_RS.split("diesel::table! {").skip(1) {
        // Doc comments (`///`) describe tables and columns; they are neither.
        let mut lines = block
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"));
        let mut header = lines.next().expect("a table line");
        // A second view of a table (`#[sql_name = "source_files"] file_dates`) declares columns of
        // the table it names, each as that table has it.
        let sql_name = header
            .strip_prefix("#[sql_name = \"")
            .and_then(|rest| rest.strip_suffix("\"]"));
        if sql_name.is_some() {
            header = lines.next().expect("a table line");
        }
        let table = sql_name
            .or_else(|| header.split_whitespace().next())
            .expect("a table name")
            .to_owned();
        for line in lines.take_while(|line| *line != "}") {
            let (name, sql_type) = line
                .trim_end_matches(',')
                .split_once(" -> ")
                .unwrap_or_else(|| panic!("a column line in {table}: {line:?}"));
            let (sql_type, nullable) = match sql_type
                .strip_prefix("Nullable<")
                .and_then(|inner| inner.strip_suffix('>'))
            {
                Some(inner) => (inner, true),
                None => (sql_type, false),
            };
            let column = Column {
                sql_type: sql_type.to_owned(),
                nullable,
            };
            let earlier = columns.insert((table.clone(), name.to_owned()), column.clone());
            assert!(
                earlier.is_none_or(|earlier| earlier == column),
                "{table}.{name}"
            );
        }
    }
    columns
}

#[derive(diesel::QueryableByName)]
struct CatalogueColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

/// Every column of the migrated database (Diesel's bookkeeping table and PostgreSQL's partitions,
/// which repeat their table's columns, left out), with its type translated to the Diesel type that
/// reads it; a type with no translation is kept as written, so it fails the comparison.
fn catalogue_columns(connection: &mut DbConnection) -> Columns {
    let (query, diesel_type): (&str, fn(&str) -> Option<&'static str>) = match connection {
        // `table_xinfo` lists generated columns too. A lone INTEGER PRIMARY KEY is the rowid: 64-bit and never NULL, whatever `notnull` says.
        DbConnection::Sqlite(_) => (
            "WITH declared AS ( \
                 SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type, \
                        p.\"notnull\" <> 0 AS not_null, \
                        p.pk > 0 AND upper(p.type) = 'INTEGER' AND \
                        (SELECT count(*) FROM pragma_table_info(m.name) k WHERE k.pk > 0) = 1 AS rowid \
                 FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%') \
             SELECT table_name, column_name, \
                    CASE WHEN rowid THEN 'ROWID' ELSE column_type END AS column_type, \
                    (not_null OR rowid) AS not_null \
             FROM declared",
            sqlite_type,
        ),
        DbConnection::Postgres(_) => (
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                    data_type::text AS column_type, (is_nullable = 'NO') AS not_null \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%' \
               AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition \
                   AND relnamespace = current_schema()::regnamespace)",
            postgres_type,
        ),
    };
    let rows: Vec<CatalogueColumn> = diesel::sql_query(query)
        .load(connection)
        .expect("read the catalogue");
    rows.into_iter()
        .map(|row| {
            let sql_type = diesel_type(&row.column_type)
                .map_or_else(|| row.column_type.clone(), str::to_owned);
            (
                (row.table_name, row.column_name),
                Column {
                    sql_type,
                    nullable: !row.not_null,
                },
            )
        })
        .collect()
}

/// SQLite's declared types as the migrations write them. SQLite stores every integer in up to 64
/// bits, so the declared name is what tells which Diesel type the migration meant; only the rowid
/// (`ROWID` above) is written `INTEGER PRIMARY KEY` for both, and either reads it (the PostgreSQL
/// run of this test tells them apart).
fn sqlite_type(declared: &str) -> Option<&'static str> {
    Some(match declared.to_ascii_uppercase().as_str() {
        "ROWID" => ROWID,
        "BIGINT" => "BigInt",
        "INTEGER" => "Integer",
        "TEXT" => "Text",
        "BOOLEAN" => "Bool",
        "DATE" => "Date",
        "TIMESTAMP" => "Timestamp",
        _ => return None,
    })
}

fn postgres_type(data_type: &str) -> Option<&'static str> {
    Some(match data_type {
        "bigint" => "BigInt",
        "integer" => "Integer",
        "text" => "Text",
        "boolean" => "Bool",
        "date" => "Date",
        "timestamp without time zone" => "Timestamp",
        _ => return None,
    })
}

fn schema_rs_matches_the_migrated_database(db: TestDb) {
    let mut connection = db.migrated();
    let declared = declared_columns();
    assert!(
        declared.len() > 100,
        "schema.rs parsed to {} columns",
        declared.len()
    );
    let catalogue = catalogue_columns(&mut connection);
    let mut differences = Vec::new();
    for (key, column) in &declared {
        match catalogue.get(key) {
            None => differences.push(format!("{}.{}: in schema.rs only", key.0, key.1)),
            Some(stored) if !stored.is_declared_as(column) => differences.push(format!(
                "{}.{}: schema.rs says {column:?}, the database {stored:?}",
                key.0, key.1
            )),
            Some(_) => {}
        }
    }
    for key in catalogue.keys().filter(|key| !declared.contains_key(*key)) {
        differences.push(format!("{}.{}: in the database only", key.0, key.1));
    }
    assert!(differences.is_empty(), "{differences:#?}");
}
on_both_backends!(schema_rs_matches_the_migrated_database);
