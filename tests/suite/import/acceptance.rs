//! Snapshot acceptance on a real hospital file (issue 15): crafted republications of the Nor-Lea
//! excerpt in `../shared/data/real`. Misspelled `description` and `modifiers` columns leave the data
//! rows unreadable: the file is kept as a rejected submission and the first file stays current. A
//! misspelled `modifiers` alone loses only that column: the file is usable and becomes current.

use priceline_import::{DocumentReport, Status};
use priceline_ingest::ReadOptions;
use priceline_store::queries::source_files::{self, FileStatus};
use priceline_store::snapshot::{self, current_source_file_id};

use super::{SHARED, import};
use crate::on_both_backends;
use crate::support::db::TestDb;

const NOR_LEA: &str = "real/nor-lea-official-standard-charges-2025-v2.EXCERPT.csv";

/// The file republished: dated `date`, with `renames` applied to its column names (row 3).
fn republished(dir: &std::path::Path, name: &str, date: &str, renames: &[(&str, &str)]) -> String {
    let text = std::fs::read_to_string(format!("{SHARED}/{NOR_LEA}")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert!(lines[1].contains(",2025-01-01,"), "{}", lines[1]);
    lines[1] = lines[1].replace(",2025-01-01,", &format!(",{date},"));
    let mut columns: Vec<String> = lines[2].split(',').map(str::to_owned).collect();
    for (from, to) in renames {
        let column = columns.iter_mut().find(|column| column == from).unwrap();
        *column = (*to).to_owned();
    }
    lines[2] = columns.join(",");
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.display().to_string()
}

fn a_real_file_republished_with_misspelled_columns_keeps_the_first_current(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let first = import(&mut connection, &format!("{SHARED}/{NOR_LEA}")).remove(0);
    assert_eq!(first.status, Status::Imported, "{}", first.line());
    let facility_id = first.facility_id.unwrap();
    let current = first.source_file_id;
    assert_eq!(
        current_source_file_id(&mut connection, facility_id).unwrap(),
        current
    );

    let broken = republished(
        dir.path(),
        "broken.csv",
        "2025-06-01",
        &[("description", "descripton"), ("modifiers", "modifers")],
    );
    let report = import(&mut connection, &broken).remove(0);
    assert_eq!(report.status, Status::Rejected, "{}", report.line());
    assert!(report.status.is_failure());
    assert_eq!(report.facility_id, Some(facility_id));
    let reason = report.reason.clone().unwrap();
    assert!(
        reason.contains("column description is required"),
        "{reason}"
    );
    let step = report.next_step.clone().unwrap();
    assert!(
        step.starts_with("fix the header row (row 3): spell every column"),
        "{step}"
    );
    assert!(
        report
            .line()
            .contains(&format!("\n          next step: {step}"))
    );
    // `priceline validate` says the same before anything is stored.
    let validation = DocumentReport::from(
        priceline_ingest::validate_path(&broken, &ReadOptions::default()).remove(0),
    );
    assert_eq!(validation.status, Status::Invalid);
    assert!(
        validation
            .reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with("an import would reject it: the header rows")),
        "{}",
        validation.line()
    );
    assert_eq!(validation.next_step.as_deref(), Some(step.as_str()));
    assert_eq!(
        current_source_file_id(&mut connection, facility_id).unwrap(),
        current
    );
    let counts = snapshot::count_rows(&mut connection, report.source_file_id.unwrap()).unwrap();
    assert_eq!(
        (counts.standard_charges, counts.payer_rates),
        (0, 0),
        "{counts:?}"
    );

    let modifiers_only = republished(
        dir.path(),
        "modifers.csv",
        "2025-07-01",
        &[("modifiers", "modifers")],
    );
    let report = import(&mut connection, &modifiers_only).remove(0);
    assert_eq!(report.status, Status::Imported, "{}", report.line());
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.message.contains("column modifiers is required")),
        "{:?}",
        report.findings
    );
    assert_eq!(
        current_source_file_id(&mut connection, facility_id).unwrap(),
        report.source_file_id
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    a_real_file_republished_with_misspelled_columns_keeps_the_first_current
);

/// The CMS JSON example republished with an empty `standard_charge_information` (its modifiers
/// kept): read fine, no standard charge, so rejected, its raw header the start of the document.
fn a_json_file_without_standard_charges_is_rejected(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let example = format!("{SHARED}/cms/v3.0.0/v3_json_format_example.json");
    let first = import(&mut connection, &example).remove(0);
    assert_eq!(first.status, Status::Imported, "{}", first.line());
    let facility_id = first.facility_id.unwrap();

    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
    document["last_updated_on"] = "2026-09-01".into();
    document["standard_charge_information"] = serde_json::json!([]);
    let path = dir.path().join("republished.json");
    std::fs::write(&path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let report = import(&mut connection, path.to_str().unwrap()).remove(0);
    assert_eq!(report.status, Status::Rejected, "{}", report.line());
    assert!(report.next_step.is_some(), "{}", report.line());
    assert_eq!(
        current_source_file_id(&mut connection, facility_id).unwrap(),
        first.source_file_id
    );
    let stored = source_files::get(&mut connection, report.source_file_id.unwrap()).unwrap();
    assert_eq!(stored.status, FileStatus::Rejected);
    assert!(!stored.current);
    let rejection = stored.rejection.unwrap();
    assert!(
        rejection
            .reason
            .contains("no item rows (only 3 modifier rows)")
            && report
                .reason
                .as_deref()
                .unwrap()
                .ends_with(&rejection.reason),
        "{rejection:?} / {:?}",
        report.reason
    );
    assert_eq!(Some(rejection.next_step), report.next_step);
    let raw = rejection.raw_header.unwrap();
    assert!(
        raw.starts_with('{') && raw.contains("\"hospital_name\""),
        "{raw}"
    );
}
on_both_backends!(
    #[cfg_attr(
        no_shared_data,
        ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
    )]
    a_json_file_without_standard_charges_is_rejected
);
