//! Files that are not price files (as hospitals' sites serve them: an HTML page under a `.csv` or
//! `.json` name, a legacy chargemaster, broken JSON, an empty file) are refused for their reason and
//! write nothing. The real published examples of each are read in `ingest::real_files`.

use priceline_import::Status;
use priceline_store::snapshot::{self, source_file_ids};

use super::import;
use crate::on_both_backends;
use crate::support::db::TestDb;

const HTML: &str = "<!DOCTYPE html>\n<html><head><title>Price Transparency</title></head>\n<body><a href=\"standardcharges.csv\">Download</a></body></html>\n";

fn files_that_are_not_price_files_are_refused_and_write_nothing(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    // Each with its reason and a word of the one-line next step (issue 15).
    for (name, text, reason, next) in [
        ("standardcharges.csv", HTML, "HTML", "web page"),
        ("standardcharges.json", HTML, "HTML", "web page"),
        (
            "chargemaster.csv",
            "DESCRIPTION, Price\nMRI BRAIN W/O CONTRAST,2889.70\n",
            "legacy",
            "profile",
        ),
        (
            "cdm.csv",
            "CDM,DESCRIPTION,CPT,GROSS CHARGE,AETNA-PPO,CIGNA-HMO\n250-0042,ONDANSETRON 4MG,J2405,12.00,N/A,9.60\n",
            "legacy",
            "profile",
        ),
        (
            "truncated.json",
            "{\"hospital_name\": \"West\", \"standard_charge_information\": [{\"description\": ",
            "JSON",
            "download the file again",
        ),
        ("empty.csv", "", "empty", "download the file again"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let report = import(&mut connection, path.to_str().unwrap()).remove(0);
        assert_eq!(report.status, Status::Refused, "{name}");
        assert!(
            report.reason.as_deref().unwrap_or("").contains(reason),
            "{name}: {:?}",
            report.reason
        );
        let step = report.next_step.clone().unwrap_or_default();
        assert!(step.contains(next), "{name}: {step:?}");
        assert!(
            report
                .line()
                .ends_with(&format!("\n          next step: {step}")),
            "{name}: {}",
            report.line()
        );
    }
    assert!(source_file_ids(&mut connection).unwrap().is_empty());
    assert_eq!(
        snapshot::find_by_sha256(&mut connection, &priceline_domain::Sha256([0; 32])).unwrap(),
        None
    );
}
on_both_backends!(files_that_are_not_price_files_are_refused_and_write_nothing);

/// Issue 15: a file whose header rows are shifted by broken quoting (its column names where the
/// hospital's name belongs) is refused with the row and the reason, and no facility "DESCRIPTION"
/// is created.
fn shifted_header_rows_are_refused_and_create_nothing(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("233044421_rockford_standardcharges.csv");
    std::fs::write(
        &path,
        crate::ingest::real_files::rockford_with_an_open_quote(),
    )
    .unwrap();
    let mut connection = db.migrated();
    let report = import(&mut connection, path.to_str().unwrap()).remove(0);
    assert_eq!(report.status, Status::Refused);
    let reason = report.reason.unwrap();
    assert!(
        reason.starts_with("not the CMS header rows: row 2 ") && reason.contains("description"),
        "{reason}"
    );
    let step = report.next_step.unwrap_or_default();
    assert!(step.contains("first three rows"), "{step}");
    assert!(source_file_ids(&mut connection).unwrap().is_empty());
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    shifted_header_rows_are_refused_and_create_nothing
);
