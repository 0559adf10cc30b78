//! The official CMS examples, imported and read back from the database.

use std::collections::BTreeSet;

use priceline_api::importer::Status;
use priceline_store::snapshot::{self, count_rows, load_snapshot, source_file_ids};

use super::{SHARED, import, price_facts};
use crate::on_both_backends;
use crate::support::db::TestDb;

fn v3(name: &str) -> String {
    format!("{SHARED}/cms/v3.0.0/{name}")
}

fn wide_and_json_examples_store_the_same_prices(db: TestDb) {
    let mut connection = db.migrated();
    let mut stored = Vec::new();
    for name in [
        "V3.0.0_Wide_CSV_Format_Example.csv",
        "v3_json_format_example.json",
        "V3.0.0_Tall_CSV_Format_Example.csv",
    ] {
        let reports = import(&mut connection, &v3(name));
        assert_eq!(reports.len(), 1);
        let report = &reports[0];
        assert_eq!(
            report.status,
            Status::Imported,
            "{name}: {:?}",
            report.reason
        );
        assert_eq!(report.errors, 0, "{name}: {:?}", report.findings);
        assert!(report.summary.balanced(), "{name}: {:?}", report.summary);
        let source_file_id = report.source_file_id.unwrap();
        // What the reader counted is what the database holds.
        let counts = count_rows(&mut connection, source_file_id).unwrap();
        assert_eq!(counts.items as u64, report.summary.items, "{name}");
        assert_eq!(
            counts.standard_charges as u64, report.summary.standard_charges,
            "{name}"
        );
        assert_eq!(
            counts.payer_rates as u64, report.summary.payer_rates,
            "{name}"
        );
        assert_eq!(counts.modifiers as u64, report.summary.modifiers, "{name}");
        assert_eq!(
            counts.quarantined as u64, report.summary.quarantined_records,
            "{name}"
        );
        stored.push(load_snapshot(&mut connection, source_file_id).unwrap());
    }
    assert_eq!(price_facts(&stored[0].items), price_facts(&stored[1].items));
    assert_eq!(stored[0].modifiers.len(), 3);
    // The three files describe one hospital: one facility with three snapshots.
    assert_eq!(stored[0].facility_key, "license:ca:50056");
    assert!(
        stored
            .iter()
            .all(|s| s.facility_key == stored[0].facility_key)
    );
    assert_eq!(stored[2].facility.locations.len(), 2);
    assert_eq!(stored[2].facility.type_2_npis.len(), 3);
    assert_eq!(
        stored[2]
            .source_file
            .attestation
            .as_ref()
            .unwrap()
            .attester_name
            .as_deref(),
        Some("Leigh Attester")
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    wide_and_json_examples_store_the_same_prices
);

fn every_amount_in_the_tall_example_reaches_the_database_exactly(db: TestDb) {
    let mut connection = db.migrated();
    let path = v3("V3.0.0_Tall_CSV_Format_Example.csv");
    let report = import(&mut connection, &path).remove(0);
    let stored = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();

    // The file's own cells, read with a plain CSV reader: (column, value) for every amount.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
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
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    every_amount_in_the_tall_example_reaches_the_database_exactly
);

fn importing_the_same_bytes_again_writes_nothing(db: TestDb) {
    let mut connection = db.migrated();
    let path = v3("v3_json_format_example.json");
    let first = import(&mut connection, &path).remove(0);
    assert_eq!(first.status, Status::Imported);
    let before = count_rows(&mut connection, first.source_file_id.unwrap()).unwrap();
    let again = import(&mut connection, &path).remove(0);
    assert_eq!(again.status, Status::Unchanged);
    assert_eq!(again.source_file_id, first.source_file_id);
    assert!(again.reason.unwrap().contains("already imported"));
    assert_eq!(source_file_ids(&mut connection).unwrap().len(), 1);
    assert_eq!(
        count_rows(&mut connection, first.source_file_id.unwrap()).unwrap(),
        before
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    importing_the_same_bytes_again_writes_nothing
);

fn files_that_are_not_price_files_are_refused_and_write_nothing(db: TestDb) {
    let mut connection = db.migrated();
    for (file, reason) in [
        ("real/negative/dpcpricetransparency.csv", "HTML"),
        ("real/negative/GCHS%20Machine-Readable%20File.json", "HTML"),
        ("real/CRMC-Standard-Charges1.1.csv", "legacy"),
        (
            "real/113243405_StonyBrookEasternLongIslandHospital_standardcharges.csv",
            "legacy",
        ),
        ("validator-fixtures/sample-invalid.json", "JSON"),
    ] {
        let report = import(&mut connection, &format!("{SHARED}/{file}")).remove(0);
        assert_eq!(report.status, Status::Refused, "{file}");
        assert!(
            report.reason.as_deref().unwrap_or("").contains(reason),
            "{file}: {:?}",
            report.reason
        );
    }
    assert!(source_file_ids(&mut connection).unwrap().is_empty());
    assert_eq!(
        snapshot::find_by_sha256(&mut connection, &priceline_domain::Sha256([0; 32])).unwrap(),
        None
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    files_that_are_not_price_files_are_refused_and_write_nothing
);

fn real_files_import_with_their_quirks_reported(db: TestDb) {
    let mut connection = db.migrated();
    for file in [
        "233044421_rockford_standardcharges.csv",
        "630436871_grove-hill-memorial-hospital_standardcharges.csv",
        "823462523_BayhealthEmergencyPhysicians_StandardCharges.csv",
        "DE-Price-Transparency-validated-3525.-03012025.csv",
        "bridgeway-medrates-candidate-standardcharges-2026-09-29.EXCERPT.csv",
        "nor-lea-official-standard-charges-2025-v2.EXCERPT.csv",
        "patterson-health-center-171346-standard-charges-2026-02-10.EXCERPT.csv",
    ] {
        let report = import(&mut connection, &format!("{SHARED}/real/{file}")).remove(0);
        assert_eq!(
            report.status,
            Status::Imported,
            "{file}: {:?}",
            report.reason
        );
        assert!(report.summary.balanced(), "{file}: {:?}", report.summary);
        let counts = count_rows(&mut connection, report.source_file_id.unwrap()).unwrap();
        assert_eq!(
            counts.payer_rates as u64, report.summary.payer_rates,
            "{file}"
        );
        assert_eq!(
            counts.quarantined as u64, report.summary.quarantined_records,
            "{file}"
        );
        assert!(
            counts.payer_rates > 0 || counts.items > 0,
            "{file}: nothing stored"
        );
    }
    // Grove Hill's file name carries its EIN, which the facility keeps.
    let grove = snapshot::load_snapshot(&mut connection, 2).unwrap();
    assert_eq!(
        grove.facility.ein.map(|e| e.to_string()).as_deref(),
        Some("63-0436871")
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    real_files_import_with_their_quirks_reported
);
