//! Importing files into the store on both backends: what is stored, what is refused, what a failure
//! leaves behind.

mod acceptance;
mod cli;
mod cms_examples;
mod generated;
mod interrupted;
mod legacy;
mod not_price_files;
mod repeats;
mod settings;

use std::collections::BTreeSet;

use priceline_domain::Item;
use priceline_import::{DocumentReport, Quiet, import_path};
use priceline_ingest::ReadOptions;
use priceline_store::DbConnection;
use priceline_store::snapshot::{StoredCounts, count_rows, load_snapshot};

use crate::support::db::TestDb;

/// The shared test data (`../shared/data`, or `PRICELINE_TEST_SHARED_DATA` when the suite was built).
pub const SHARED: &str = env!("PRICELINE_SHARED_DATA");

/// The `priceline` binary next to this test binary (`make test` builds it first).
pub fn priceline_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = dir.join("priceline");
    assert!(
        binary.exists(),
        "{} is missing: run `make test`, which builds it first",
        binary.display()
    );
    binary
}

/// Imports one file (all its documents) with default options.
pub fn import(connection: &mut DbConnection, path: &str) -> Vec<DocumentReport> {
    import_with_rates(connection, None, path)
}

/// Imports one file as the CLI does on PostgreSQL: payer rates over a second connection.
pub fn import_with_rates(
    connection: &mut DbConnection,
    rates: Option<&mut DbConnection>,
    path: &str,
) -> Vec<DocumentReport> {
    import_path(
        connection,
        rates,
        std::path::Path::new(path),
        &ReadOptions::default(),
        &Quiet,
    )
}

/// One price fact per payer rate (or per charge without rates): what a price file says, independent
/// of layout, for comparing the same content written as Tall, Wide and JSON.
pub fn price_facts(items: &[Item]) -> Vec<String> {
    let mut facts = Vec::new();
    for item in items {
        let mut codes: Vec<String> = item
            .codes
            .iter()
            .map(|c| format!("{}:{}", c.code_type, c.code))
            .collect();
        codes.sort();
        for charge in &item.standard_charges {
            let base = format!(
                "{} | {} | {:?} | {:?} | gross={:?} cash={:?} min={:?} max={:?}",
                codes.join(","),
                charge.setting,
                charge.modifiers,
                item.drug
                    .as_ref()
                    .map(|d| format!("{} {}", d.unit, d.unit_type)),
                charge.gross.map(|a| a.to_string()),
                charge.discounted_cash.map(|a| a.to_string()),
                charge.minimum.map(|a| a.to_string()),
                charge.maximum.map(|a| a.to_string()),
            );
            if charge.payer_rates.is_empty() {
                facts.push(base.clone());
            }
            for rate in &charge.payer_rates {
                facts.push(format!(
                    "{base} | {} / {:?} | dollar={:?} pct={:?} alg={:?} {:?} | median={:?} p10={:?} p90={:?} count={:?}",
                    rate.payer_name,
                    rate.plan_name,
                    rate.negotiated_dollar.map(|a| a.to_string()),
                    rate.negotiated_percentage.map(|a| a.to_string()),
                    rate.negotiated_algorithm,
                    rate.methodology,
                    rate.median_amount.map(|a| a.to_string()),
                    rate.percentile_10th.map(|a| a.to_string()),
                    rate.percentile_90th.map(|a| a.to_string()),
                    rate.count.map(|c| c.to_string()),
                ));
            }
        }
    }
    facts.sort();
    facts
}

/// Imports a CSV file (Tall, v3 column names) and checks that every amount cell of it, read with a
/// plain CSV reader, is an amount of the stored snapshot and the reverse.
pub fn every_amount_reaches_the_database_exactly(db: TestDb, path: &str) {
    let mut connection = db.migrated();
    let report = import(&mut connection, path).remove(0);
    let stored = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();

    // The file's own cells, read with a plain CSV reader: (column, value) for every amount.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let header: Vec<String> = rows[2]
        .iter()
        .map(|h| h.replace(' ', "").to_lowercase())
        .collect();
    let columns = [
        ("standard_charge|gross", "gross"),
        ("standard_charge|discounted_cash", "cash"),
        ("standard_charge|negotiated_dollar", "dollar"),
        ("standard_charge|negotiated_percentage", "pct"),
        ("standard_charge|min", "min"),
        ("standard_charge|max", "max"),
        ("median_amount", "median"),
    ];
    let normal = |text: &str| {
        let text = text.trim();
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text.to_owned()
        }
    };
    let mut in_file = BTreeSet::new();
    for row in &rows[3..] {
        for (column, label) in columns {
            let index = header.iter().position(|h| h == column).unwrap();
            if let Some(cell) = row.get(index).filter(|cell| !cell.trim().is_empty()) {
                in_file.insert((label, normal(cell)));
            }
        }
    }
    let mut in_database = BTreeSet::new();
    for item in &stored.items {
        for charge in &item.standard_charges {
            let mut add = |label, value: Option<String>| {
                if let Some(value) = value {
                    in_database.insert((label, value));
                }
            };
            add("gross", charge.gross.map(|a| a.to_string()));
            add("cash", charge.discounted_cash.map(|a| a.to_string()));
            add("min", charge.minimum.map(|a| a.to_string()));
            add("max", charge.maximum.map(|a| a.to_string()));
            for rate in &charge.payer_rates {
                add("dollar", rate.negotiated_dollar.map(|a| a.to_string()));
                add("pct", rate.negotiated_percentage.map(|a| a.to_string()));
                add("median", rate.median_amount.map(|a| a.to_string()));
            }
        }
    }
    // Modifier rows carry their adjustments on the modifier's payer information.
    for modifier in &stored.modifiers {
        for info in &modifier.payer_info {
            if let Some(dollar) = info.negotiated_dollar {
                in_database.insert(("dollar", dollar.to_string()));
            }
            if let Some(percentage) = info.negotiated_percentage {
                in_database.insert(("pct", percentage.to_string()));
            }
        }
    }
    assert!(!in_file.is_empty());
    assert_eq!(in_file, in_database);
}

/// What the reader counted is what the database holds for the report's file; returns the counts.
pub fn assert_stored_as_counted(
    connection: &mut DbConnection,
    report: &DocumentReport,
    label: &str,
) -> StoredCounts {
    let counts = count_rows(connection, report.source_file_id.unwrap()).unwrap();
    let summary = &report.summary;
    let stored = [
        counts.items,
        counts.standard_charges,
        counts.payer_rates,
        counts.modifiers,
        counts.quarantined,
    ]
    .map(|count| count as u64);
    let read = [
        summary.items,
        summary.standard_charges,
        summary.payer_rates,
        summary.modifiers,
        summary.quarantined_records,
    ];
    assert_eq!(
        stored, read,
        "{label}: items, charges, rates, modifiers, quarantined"
    );
    counts
}
