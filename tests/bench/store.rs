//! Store write and read throughput for synthetic snapshots, on SQLite and (when
//! `PRICELINE_TEST_POSTGRES_URL` is set) PostgreSQL. Prints figures; asserts nothing about speed.

use std::time::Instant;

use chrono::{NaiveDate, Utc};
use priceline_domain::*;
use priceline_store::snapshot::{load_snapshot, write_snapshot};
use priceline_store::{DatabaseUrl, connect, migrations};

const ITEMS: usize = 2_000;
const RATES_PER_CHARGE: usize = 10;

fn snapshot_parts(seed: u8) -> (Facility, SourceFile, Vec<Item>) {
    let facility = Facility {
        hospital_name: format!("Bench Hospital {seed}"),
        locations: vec![],
        license: License::default(),
        type_2_npis: vec![],
        ccn: None,
        ein: None,
        financial_aid_policy: None,
        general_contract_provisions: vec![],
    };
    let file = SourceFile {
        file_name: "bench.csv".into(),
        sha256: Sha256([seed; 32]),
        format: FileFormat::CsvTall,
        template_version: TemplateVersion::V3_0,
        declared_version: Some("3.0.0".into()),
        last_updated_on: NaiveDate::from_ymd_opt(2026, 1, 1),
        attestation: None,
        imported_at: Utc::now(),
    };
    let items = (0..ITEMS)
        .map(|index| {
            let payer_rates = (0..RATES_PER_CHARGE)
                .map(|payer| PayerRate {
                    payer_name: format!("Payer {payer}"),
                    plan_name: Some("PPO".into()),
                    negotiated_dollar: Amount::from_micros(
                        ((index * 37 + payer * 11) % 900_000 + 1_000) as i64 * 10_000,
                    )
                    .ok(),
                    negotiated_percentage: None,
                    negotiated_algorithm: None,
                    methodology: Some(Methodology::FeeSchedule),
                    median_amount: None,
                    percentile_10th: None,
                    percentile_90th: None,
                    count: None,
                    estimated_amount: None,
                    payer_notes: None,
                    source: RecordLocation::Row((4 + index * RATES_PER_CHARGE + payer) as u64),
                    raw_values: vec![],
                })
                .collect();
            Item {
                description: format!("Bench service {index}"),
                codes: vec![
                    Code::new(CodeType::Cpt, &format!("{:05}", 10_000 + index))
                        .unwrap_or_else(|_| unreachable!()),
                ],
                drug: None,
                standard_charges: vec![StandardCharge {
                    setting: Setting::Outpatient,
                    billing_class: None,
                    modifiers: vec![],
                    gross: Amount::parse("1200.50").ok(),
                    discounted_cash: None,
                    minimum: None,
                    maximum: None,
                    generic_notes: None,
                    payer_rates,
                    source: RecordLocation::Row(4 + index as u64),
                    raw_values: vec![],
                }],
            }
        })
        .collect();
    (facility, file, items)
}

fn run(label: &str, url: &DatabaseUrl) {
    let mut connection = match connect(url) {
        Ok(connection) => connection,
        Err(error) => {
            println!("{label}: skipped ({error})");
            return;
        }
    };
    if let Err(error) = migrations::run_pending(&mut connection) {
        println!("{label}: skipped ({error})");
        return;
    }
    let seed = (Utc::now().timestamp() % 200) as u8 + 1;
    let (facility, file, items) = snapshot_parts(seed);
    let rates = ITEMS * RATES_PER_CHARGE;
    let started = Instant::now();
    let ids = match write_snapshot(
        &mut connection,
        &format!("bench-{seed}"),
        &facility,
        &file,
        &items,
        &[],
    ) {
        Ok(ids) => ids,
        Err(error) => {
            println!("{label}: write failed ({error})");
            return;
        }
    };
    let write = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let loaded = load_snapshot(&mut connection, ids.source_file_id)
        .map(|s| s.items.len())
        .unwrap_or(0);
    let read = started.elapsed().as_secs_f64();
    println!(
        "{label}: wrote {ITEMS} items / {rates} payer rates in {write:.2} s ({:.0} rates/s); read back {loaded} items in {read:.2} s ({:.0} rates/s)",
        rates as f64 / write,
        rates as f64 / read
    );
}

fn main() {
    let dir = std::env::temp_dir().join(format!("priceline-bench-{}", std::process::id()));
    let sqlite = DatabaseUrl::parse(&dir.join("bench.db").display().to_string())
        .unwrap_or_else(|_| unreachable!());
    run("sqlite   snapshot round trip", &sqlite);
    let _ = std::fs::remove_dir_all(&dir);
    match std::env::var("PRICELINE_TEST_POSTGRES_URL")
        .ok()
        .map(|text| DatabaseUrl::parse(&text))
    {
        Some(Ok(url)) => run("postgres snapshot round trip", &url),
        Some(Err(error)) => println!("postgres: skipped ({error})"),
        None => println!("postgres: skipped (PRICELINE_TEST_POSTGRES_URL is not set)"),
    }
}
