//! Importing files into the store on both backends: what is stored, what is refused, what a failure
//! leaves behind.

mod cli;
mod cms_examples;
mod generated;
mod interrupted;
mod settings;

use priceline_api::importer::{DocumentReport, Quiet, import_path};
use priceline_domain::Item;
use priceline_ingest::ReadOptions;
use priceline_store::DbConnection;

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
