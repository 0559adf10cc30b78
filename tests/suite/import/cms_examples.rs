//! The official CMS examples, imported and read back from the database.

use priceline_import::Status;
use priceline_store::snapshot::{self, load_snapshot};

use super::{
    SHARED, assert_stored_as_counted, every_amount_reaches_the_database_exactly, import,
    price_facts,
};
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
        assert_stored_as_counted(&mut connection, report, name);
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
    every_amount_reaches_the_database_exactly(db, &v3("V3.0.0_Tall_CSV_Format_Example.csv"));
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    every_amount_in_the_tall_example_reaches_the_database_exactly
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
        let counts = assert_stored_as_counted(&mut connection, &report, file);
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
