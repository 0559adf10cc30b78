//! Labels outside the CMS lists (issue 15): a payer whose every rate states a methodology CMS does
//! not list is still served, with the CMS value it folds to or as `unknown`, and the file's text.
//! The file is one of the generator's Wide files (valid, every rate with a CMS methodology), with
//! the labels of two plans rewritten.

use std::collections::BTreeSet;

use serde_json::Value;

use priceline_synth::Format;

use super::sample::SEED;
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

type Plan = (String, String);

/// What `relabelled_wide` wrote.
struct Relabelled {
    path: String,
    /// Every (payer, plan) of the file's Wide headers.
    plans: BTreeSet<Plan>,
    /// The plan whose methodology cells now say `PERCENTAGE OF TOTAL BILLED CHARGES` (upper case,
    /// "percentage": not the CMS spelling), and the one whose cells say `Capitation` (no CMS value).
    folded: Plan,
    unknown: Plan,
    /// How many cells were rewritten.
    changed: usize,
}

/// A generated CMS v3 Wide file with every methodology cell of its first and last plan rewritten.
fn relabelled_wide(dir: &std::path::Path) -> Relabelled {
    let path = priceline_synth::write_hospital(dir, SEED, 0, 300, Format::Wide).unwrap();
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
        .unwrap()
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let mut plans = BTreeSet::new();
    let mut methodology_columns: Vec<(usize, Plan)> = Vec::new();
    for (index, header) in rows[2].iter().enumerate() {
        let parts: Vec<&str> = header.split('|').map(str::trim).collect();
        if let ["standard_charge", payer, plan, field] = parts.as_slice() {
            let plan = (payer.to_string(), plan.to_string());
            plans.insert(plan.clone());
            if *field == "methodology" {
                methodology_columns.push((index, plan));
            }
        }
    }
    assert!(methodology_columns.len() >= 2, "{methodology_columns:?}");
    let (first, last) = (
        methodology_columns[0].clone(),
        methodology_columns.last().unwrap().clone(),
    );
    let rewritten = [
        (first.0, "PERCENTAGE OF TOTAL BILLED CHARGES"),
        (last.0, "Capitation"),
    ];
    let mut changed = 0;
    for row in &mut rows[3..] {
        for (index, label) in &rewritten {
            if let Some(cell) = row.get_mut(*index).filter(|cell| !cell.trim().is_empty()) {
                *cell = (*label).to_owned();
                changed += 1;
            }
        }
    }
    assert!(changed > 10, "{changed} methodology cells rewritten");
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(&path)
        .unwrap();
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    Relabelled {
        path: path.to_str().unwrap().to_owned(),
        plans,
        folded: first.1,
        unknown: last.1,
        changed,
    }
}

/// The methodologies and raw methodology texts of every price line of one plan.
async fn lines_of(
    app: &TestApp,
    (payer, plan): &Plan,
) -> (BTreeSet<String>, BTreeSet<String>, usize) {
    let path = format!(
        "/v1/prices?payer={}&plan={}&limit=1000",
        payer.replace(' ', "%20"),
        plan.replace(' ', "%20")
    );
    let (status, page) = app.get(&path).await;
    assert_eq!(status, 200, "{path}: {page}");
    let lines = page["items"].as_array().unwrap();
    let mut methodologies = BTreeSet::new();
    let mut raw = BTreeSet::new();
    for line in lines {
        let rate = &line["payer_rate"];
        assert_eq!(rate["payer_name"], payer.as_str(), "{line}");
        assert_eq!(rate["plan_name"], plan.as_str(), "{line}");
        assert!(
            [
                "negotiated_dollar",
                "negotiated_percentage",
                "negotiated_algorithm"
            ]
            .iter()
            .any(|kind| rate[kind].is_string()),
            "a charge: {line}"
        );
        methodologies.insert(rate["methodology"].as_str().unwrap().to_owned());
        for value in line["raw_values"].as_array().unwrap() {
            if value["field"] == "methodology" {
                raw.insert(value["raw"].as_str().unwrap().to_owned());
            }
        }
    }
    (methodologies, raw, lines.len())
}

async fn every_payer_of_a_wide_file_is_served_whatever_its_methodology_label(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let Relabelled {
        path,
        plans,
        folded,
        unknown,
        changed,
    } = relabelled_wide(dir.path());
    let mut connection = db.migrated();
    let report = import(&mut connection, &path).remove(0);
    assert_eq!(
        report.summary.quarantined_records, 0,
        "no rate is quarantined over a label: {:?}",
        report.findings
    );
    let app = TestApp::spawn(db).await;

    // Every payer column of the file is a plan of /v1/payers.
    let (status, payers) = app.get("/v1/payers?limit=1000").await;
    assert_eq!(status, 200, "{payers}");
    let served: BTreeSet<(String, String)> = payers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p: &Value| {
            (
                p["payer_name"].as_str().unwrap().to_owned(),
                p["plan_name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(served, plans);

    // The folded label is stored as the CMS value, the file's text beside it.
    let (methodologies, raw, folded_lines) = lines_of(&app, &folded).await;
    assert!(folded_lines > 0);
    assert_eq!(
        methodologies,
        BTreeSet::from(["percent of total billed charges".to_owned()])
    );
    assert_eq!(
        raw,
        BTreeSet::from(["PERCENTAGE OF TOTAL BILLED CHARGES".to_owned()])
    );
    // A label matching nothing is kept as `unknown`, with its text, and can be filtered on.
    let (methodologies, raw, unknown_lines) = lines_of(&app, &unknown).await;
    assert!(unknown_lines > 0);
    assert_eq!(methodologies, BTreeSet::from(["unknown".to_owned()]));
    assert_eq!(raw, BTreeSet::from(["Capitation".to_owned()]));
    let path = format!(
        "/v1/prices?payer={}&methodology=unknown&limit=1000",
        unknown.0.replace(' ', "%20")
    );
    let (status, unknown) = app.get(&path).await;
    assert_eq!(status, 200, "{path}: {unknown}");
    assert_eq!(unknown["items"].as_array().unwrap().len(), unknown_lines);

    // Each rewritten cell is reported as the CMS validator reports it: an allowed-values error,
    // here repaired (the rate is kept).
    let label_errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "AllowedValuesError")
        .collect();
    assert_eq!(label_errors.len(), changed, "{label_errors:?}");
    assert!(label_errors.iter().all(|f| f.normalised && f.cms));
}
on_both_backends!(async every_payer_of_a_wide_file_is_served_whatever_its_methodology_label);
