//! Each CMS validator fixture, validated as the version the README table gives: the same problems,
//! at the same places, with the same severity as the CMS validator reports.

use priceline_domain::TemplateVersion;
use priceline_ingest::ReadOptions;

use super::{cms_findings, validate};

macro_rules! fixture {
    ($name:literal) => {
        concat!(env!("PRICELINE_SHARED_DATA"), "/validator-fixtures/", $name)
    };
}

fn as_version(version: TemplateVersion) -> ReadOptions {
    ReadOptions {
        version: Some(version),
        ..ReadOptions::default()
    }
}

/// The CMS errors and alerts a fixture gets, as (rule, location, severity).
fn cms(path: &str, version: TemplateVersion) -> Vec<(String, String, String)> {
    let report = validate(path, &as_version(version));
    assert_eq!(report.findings.not_kept, 0, "{path}");
    cms_findings(&report.findings.findings)
}

fn expect(path: &str, version: TemplateVersion, expected: &[(&str, &str, &str)]) {
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(rule, at, severity)| ((*rule).into(), (*at).into(), (*severity).into()))
        .collect();
    assert_eq!(cms(path, version), expected, "{path}");
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn valid_csv_fixtures_have_no_errors() {
    use TemplateVersion::*;
    for (path, version) in [
        (fixture!("sample-tall-valid.csv"), V2_2),
        (fixture!("sample-wide-valid.csv"), V2_2),
        (fixture!("sample-tall-small-rows.csv"), V2_1),
        (fixture!("sample-wide-blank-headers.csv"), V3_0),
    ] {
        expect(path, version, &[]);
    }
    // Valid. Its version cell says "2.0", but v2.0 had no version rule: no alert (as CMS).
    expect(fixture!("sample-tall-mixed-line-endings.csv"), V2_0, &[]);
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn csv_header_problems_are_found_where_cms_finds_them() {
    let version = TemplateVersion::V2_2;
    expect(
        fixture!("sample-blank-header.csv"),
        version,
        // The version cell says "2.0": CMS keeps the row-2 alert it raised before row 3.
        &[
            ("VersionMismatchAlert", "C2", "Alert"),
            ("HeaderBlankError", "A3", "Error"),
        ],
    );
    let no_data = cms(fixture!("sample-no-data.csv"), version);
    assert_eq!(
        no_data
            .iter()
            .filter(|(_, _, severity)| severity == "Error")
            .collect::<Vec<_>>(),
        [&("MinRowsError".into(), "A1".into(), "Error".into())]
    );
    let bad_header = cms(fixture!("sample-bad-header.csv"), version);
    let errors: Vec<_> = bad_header
        .iter()
        .filter(|(_, _, severity)| severity == "Error")
        .map(|(rule, at, _)| (rule.as_str(), at.as_str()))
        .collect();
    assert_eq!(
        errors,
        [("InvalidDateError", "B2"), ("RequiredValueError", "R10")]
    );
    let report = validate(fixture!("sample-bad-item-header.csv"), &as_version(version));
    assert!(!report.summary.data_checked && report.summary.data_rows == 0);
    let errors: Vec<_> = report
        .findings
        .findings
        .iter()
        .filter(|f| f.cms && f.severity == priceline_ingest::Severity::Error)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(errors, ["ColumnMissingError", "ProblemsInHeaderError"]);
    assert!(
        report
            .findings
            .findings
            .iter()
            .any(|f| f.message.contains("description"))
    );
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn lots_of_errors_quarantines_the_bad_rows() {
    let report = validate(
        fixture!("sample-lots-of-errors.csv"),
        &as_version(TemplateVersion::V2_2),
    );
    assert!(report.findings.errors > 5, "{:?}", report.findings.by_rule);
    assert!(report.summary.quarantined_rows > 0 && report.summary.balanced());
    assert!(!report.valid);
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn valid_json_fixtures_have_no_errors_and_the_expected_alerts() {
    use TemplateVersion::*;
    for (path, version) in [
        (fixture!("sample-valid.json"), V2_2),
        (fixture!("sample-valid-bom.json"), V2_2),
        (fixture!("sample-valid-drug-info.json"), V2_2),
        (fixture!("sample-valid-modifier.json"), V2_2),
    ] {
        expect(path, version, &[]);
    }
    expect(
        fixture!("false-confirmation.json"),
        V2_0,
        &[(
            "FalseStatementAlert",
            "/affirmation/confirm_affirmation",
            "Alert",
        )],
    );
    for version in [V2_1, V2_2] {
        expect(
            fixture!("unexpected-version.json"),
            version,
            &[("VersionMismatchAlert", "/version", "Alert")],
        );
    }
    let nines = |path| {
        cms(path, V2_2)
            .iter()
            .filter(|(rule, _, severity)| rule == "NineNinesAlert" && severity == "Alert")
            .count()
    };
    assert_eq!(nines(fixture!("sample-nine-nines.json")), 1);
    assert_eq!(nines(fixture!("sample-lots-of-alerts.json")), 5);
    assert!(validate(fixture!("sample-lots-of-alerts.json"), &as_version(V2_2)).valid);
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn json_errors_are_found_at_the_cms_pointers() {
    use TemplateVersion::*;
    let sci = "/standard_charge_information";
    expect(
        fixture!("sample-no-min-max.json"),
        V2_1,
        &[(
            "DollarNeedsMinMaxError",
            &format!("{sci}/1/standard_charges/0"),
            "Error",
        )],
    );
    expect(
        fixture!("sample-other-no-notes.json"),
        V2_1,
        &[(
            "OtherMethodologyNotesError",
            &format!("{sci}/0/standard_charges/0/payers_information/0"),
            "Error",
        )],
    );
    // No gross, no cash and payers without a charge: the schema's anyOf fails at the charge and,
    // for its payer branch, at each payer (as Ajv reports it).
    let payer = |index: usize| format!("{sci}/2/standard_charges/0/payers_information/{index}");
    let (p0, p1, p2, p3) = (payer(0), payer(1), payer(2), payer(3));
    expect(
        fixture!("sample-no-charges.json"),
        V2_1,
        &[
            (
                "ItemRequiresChargeError",
                &format!("{sci}/2/standard_charges/0"),
                "Error",
            ),
            ("ChargeWithPayerPlanError", &p0, "Error"),
            ("ChargeWithPayerPlanError", &p1, "Error"),
            ("ChargeWithPayerPlanError", &p2, "Error"),
            ("ChargeWithPayerPlanError", &p3, "Error"),
        ],
    );
    expect(
        fixture!("sample-wrong-drug-info.json"),
        V2_2,
        &[(
            "InvalidTypeError",
            &format!("{sci}/4/drug_information/unit"),
            "Error",
        )],
    );
    expect(
        fixture!("sample-ndc-no-drug-info.json"),
        V2_2,
        &[("DrugInformationRequiredError", &format!("{sci}/4"), "Error")],
    );
    expect(
        fixture!("sample-wrong-modifier.json"),
        V2_2,
        &[
            ("InvalidTypeError", "/modifier_information/0/code", "Error"),
            (
                "RequiredValueError",
                "/modifier_information/0/modifier_payer_information/0",
                "Error",
            ),
        ],
    );
    let missing_estimate = cms(fixture!("sample-missing-estimate.json"), V2_2);
    let errors: Vec<_> = missing_estimate
        .iter()
        .filter(|(_, _, severity)| severity == "Error")
        .collect();
    assert_eq!(
        errors,
        [&(
            "PercentageAlgorithmEstimateError".to_owned(),
            format!("{sci}/0/standard_charges/0/payers_information/3"),
            "Error".to_owned()
        )]
    );
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn empty_and_invalid_json() {
    let empty = cms(fixture!("sample-empty.json"), TemplateVersion::V2_1);
    let errors: Vec<_> = empty
        .iter()
        .filter(|(_, _, severity)| severity == "Error")
        .collect();
    assert_eq!(errors.len(), 8, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|(rule, at, _)| rule == "RequiredValueError" && at.is_empty())
    );
    let invalid = validate(fixture!("sample-invalid.json"), &ReadOptions::default());
    assert!(invalid.refused.is_some() && !invalid.valid);
    assert_eq!(cms_findings(&invalid.findings.findings).len(), 1);
    assert_eq!(invalid.findings.findings[0].rule, "InvalidJsonError");
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn a_repaired_type_error_keeps_the_item_but_still_counts_as_an_error() {
    let report = validate(
        fixture!("sample-wrong-drug-info.json"),
        &as_version(TemplateVersion::V2_2),
    );
    assert!(!report.valid);
    assert_eq!(report.summary.quarantined_rows, 0);
    assert_eq!(report.findings.normalised, 1);
}
