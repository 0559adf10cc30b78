//! Files hospitals really published: their quirks are handled and reported, legacy and non-price
//! files are refused for their reason.

use priceline_domain::{FileFormat, Methodology, Setting, TemplateVersion};
use priceline_ingest::{IngestError, QuarantinedPart, ReadOptions, Record};

use super::{read_all, validate};

macro_rules! real {
    ($name:literal) => {
        concat!(env!("PRICELINE_SHARED_DATA"), "/real/", $name)
    };
}

fn refusal(path: &str) -> IngestError {
    let documents = priceline_ingest::open(path).expect("readable");
    let mut records = 0;
    let error = priceline_ingest::read(&documents[0], &ReadOptions::default(), &mut |_| {
        records += 1
    })
    .expect_err(path);
    assert_eq!(records, 0, "a refused file yields nothing: {path}");
    error
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn legacy_and_non_price_files_are_refused_for_their_reason() {
    for path in [
        real!("113243405_StonyBrookEasternLongIslandHospital_standardcharges.csv"),
        real!("CRMC-Standard-Charges1.1.csv"),
    ] {
        let error = refusal(path);
        assert!(matches!(error, IngestError::Legacy(_)), "{path}: {error}");
        assert!(
            error
                .to_string()
                .starts_with("legacy (pre-CMS-template) chargemaster")
        );
    }
    for path in [
        real!("negative/dpcpricetransparency.csv"),
        real!("negative/GCHS%20Machine-Readable%20File.json"),
    ] {
        let error = refusal(path);
        assert!(matches!(error, IngestError::Html(_)), "{path}: {error}");
        assert!(error.to_string().starts_with("not a price file"));
    }
}

/// Rockford's real file with the closing quote of its row-1 affirmation removed, as broken
/// quoting leaves it: the open quote swallows row 2, so the column names arrive as row 2 and the
/// first data row as row 3.
pub fn rockford_with_an_open_quote() -> Vec<u8> {
    let text = std::fs::read_to_string(real!("233044421_rockford_standardcharges.csv")).unwrap();
    let (row1, rest) = text.split_once("\r\n").unwrap();
    let row1 = row1
        .strip_suffix('"')
        .expect("row 1 ends with the quoted affirmation");
    format!("{row1}\r\n{rest}").into_bytes()
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn header_rows_shifted_by_broken_quoting_or_a_missing_row_are_refused_by_their_shape() {
    let dir = tempfile::tempdir().unwrap();
    let shifted = dir.path().join("shifted.csv");
    std::fs::write(&shifted, rockford_with_an_open_quote()).unwrap();
    let error = refusal(shifted.to_str().unwrap());
    let IngestError::HeaderRows { row, reason } = &error else {
        panic!("{error}")
    };
    assert_eq!(*row, 2, "{error}");
    assert!(reason.contains(r#""description" (A2)"#), "{error}");
    assert_eq!(error.kind(), "misplaced-header-rows");

    // Row 3 missing: the first data row (codes and amounts) stands where the column names belong.
    let text = std::fs::read_to_string(real!("233044421_rockford_standardcharges.csv")).unwrap();
    let rows: Vec<&str> = text.split("\r\n").collect();
    let without_row_3 = [&rows[..2], &rows[3..]].concat().join("\r\n");
    let missing = dir.path().join("233044421_rockford_standardcharges.csv");
    std::fs::write(&missing, without_row_3).unwrap();
    let error = refusal(missing.to_str().unwrap());
    assert!(
        matches!(&error, IngestError::HeaderRows { row: 3, reason } if reason.contains(r#""126" (B3)"#)),
        "{error}"
    );
}

fn items(records: &[Record]) -> impl Iterator<Item = &priceline_domain::Item> {
    records.iter().filter_map(|record| match record {
        Record::Item(item) => Some(item),
        _ => None,
    })
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn rockford_tall_with_capitalised_enums_and_many_duplicates() {
    let (records, report) = read_all(
        real!("233044421_rockford_standardcharges.csv"),
        &ReadOptions::default(),
    );
    let file = report.file.as_ref().expect("header");
    assert_eq!(
        (
            file.format,
            file.template_version,
            file.declared_version.as_deref()
        ),
        (
            FileFormat::CsvTall,
            Some(TemplateVersion::V2_2),
            Some("2.0.0")
        )
    );
    let Some(Record::Header(header)) = records.first() else {
        panic!("header first")
    };
    assert_eq!(
        header.facility.license.state.as_ref().map(|s| s.as_str()),
        Some("DE")
    );
    let item = items(&records).next().expect("an item");
    let charge = &item.standard_charges[0];
    assert_eq!(charge.setting, Setting::Inpatient);
    assert_eq!(charge.payer_rates[0].methodology, Some(Methodology::Other));
    assert_eq!(
        charge.payer_rates[0].payer_name,
        charge.payer_rates[0].plan_name.clone().unwrap_or_default()
    );
    // 1,094 data rows of which 924 repeat another row of the same item exactly.
    assert!(report.summary.duplicate_rows > 900, "{:?}", report.summary);
    assert_eq!(
        report.findings.by_rule.get("duplicate-row"),
        Some(&report.summary.duplicate_rows)
    );
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn grove_hill_wide_with_brackets_fractions_and_us_dates() {
    let (records, report) = read_all(
        real!("630436871_grove-hill-memorial-hospital_standardcharges.csv"),
        &ReadOptions::default(),
    );
    let file = report.file.as_ref().expect("header");
    assert_eq!(file.format, FileFormat::CsvWide);
    assert_eq!(
        file.last_updated_on.map(|date| date.to_string()).as_deref(),
        Some("2024-08-01")
    );
    let item = items(&records).next().expect("an item");
    let payers: Vec<&str> = item.standard_charges[0]
        .payer_rates
        .iter()
        .map(|rate| rate.payer_name.as_str())
        .collect();
    assert!(
        payers.contains(&"BCBS") && payers.iter().all(|payer| !payer.contains('[')),
        "{payers:?}"
    );
    assert!(report.findings.by_rule.contains_key("bracketed-name"));
    assert!(report.findings.by_rule.contains_key("probable-fraction"));
    assert!(
        items(&records)
            .flat_map(|item| &item.standard_charges)
            .any(|charge| charge.setting == Setting::Both)
    );
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn bayhealth_upper_case_headers_and_an_invented_version() {
    let report = validate(
        real!("823462523_BayhealthEmergencyPhysicians_StandardCharges.csv"),
        &ReadOptions::default(),
    );
    let file = report.file.as_ref().expect("header");
    assert_eq!(
        (file.format, file.declared_version.as_deref()),
        (FileFormat::CsvWide, Some("csv_wide"))
    );
    assert!(report.findings.by_rule.contains_key("VersionMismatchAlert"));
    assert!(report.findings.by_rule.contains_key("missing-plan-name"));
    // One payer group ("AMERIHEALTH CARITAS") has charges but no methodology column: CMS reports
    // the missing columns and stops (ProblemsInHeaderError); the report does the same, and the data
    // rows are still imported: only that payer's rate of each row is quarantined.
    let summary = &report.summary;
    assert!(summary.balanced() && summary.data_rows == 37, "{summary:?}");
    assert!(!summary.data_checked);
    assert!(
        report
            .findings
            .by_rule
            .contains_key("ProblemsInHeaderError")
    );
    assert!(report.findings.by_rule.contains_key("ColumnMissingError"));
    assert_eq!(summary.quarantined_rows, 0, "{summary:?}");
    assert_eq!(summary.item_rows, 37);
    assert_eq!(summary.partially_quarantined_rows, 37);
    assert!(summary.quarantined_payer_rates >= 37 && summary.payer_rates > 37);
    assert!(report.findings.not_evaluated > 0);
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn sun_behavioral_dollar_signs_repaired_and_text_percentages_quarantined() {
    let (records, report) = read_all(
        real!("DE-Price-Transparency-validated-3525.-03012025.csv"),
        &ReadOptions::default(),
    );
    assert!(
        report
            .findings
            .findings
            .iter()
            .any(|f| f.normalised && f.message.contains("$800"))
    );
    assert!(
        report
            .findings
            .findings
            .iter()
            .any(|f| !f.normalised && f.message.contains("100% Medicare fee schedule"))
    );
    assert!(report.findings.by_rule.contains_key("extra-column"));
    let quarantined: Vec<_> = records
        .iter()
        .filter(|record| matches!(record, Record::Quarantined(_)))
        .collect();
    assert_eq!(quarantined.len() as u64, report.summary.quarantined_records);
    // The text percentages sit in single payers' columns: those rates are quarantined, the rest of
    // each row (other payers, gross, cash) is imported.
    assert_eq!(report.summary.quarantined_rows, 0);
    assert_eq!(
        report.summary.quarantined_payer_rates,
        report.summary.quarantined_records
    );
    assert!(quarantined.iter().all(|record| matches!(
        record,
        Record::Quarantined(q) if matches!(q.part, QuarantinedPart::PayerRate { .. })
    )));
    assert!(report.summary.items > 0 && report.summary.payer_rates > 0);
    let Some(Record::Quarantined(first)) = quarantined.first() else {
        panic!("quarantined rows")
    };
    assert!(!first.findings.is_empty());
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn bridgeway_newline_in_a_quoted_header_value_and_exact_duplicates() {
    let (records, report) = read_all(
        real!("bridgeway-medrates-candidate-standardcharges-2026-09-29.EXCERPT.csv"),
        &ReadOptions::default(),
    );
    let Some(Record::Header(header)) = records.first() else {
        panic!("header first")
    };
    assert_eq!(header.facility.hospital_name.trim(), "The Bridgeway");
    let attestation = header
        .file
        .attestation
        .as_ref()
        .expect("attestation found by its prefix");
    assert_eq!(
        (attestation.confirmed, attestation.attester_name.as_deref()),
        (Some(true), Some("Uhiren, Wendy"))
    );
    assert_eq!(header.file.template_version, Some(TemplateVersion::V3_0));
    assert_eq!(report.summary.duplicate_rows, 2);
    assert_eq!(report.findings.errors, 0, "{:?}", report.findings.findings);
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn nor_lea_six_codes_billing_class_and_payer_ids_kept() {
    let (records, report) = read_all(
        real!("nor-lea-official-standard-charges-2025-v2.EXCERPT.csv"),
        &ReadOptions::default(),
    );
    assert_eq!(report.findings.errors, 0, "{:?}", report.findings.findings);
    let item = items(&records).next().expect("an item");
    assert_eq!(item.codes.len(), 3);
    let charge = &item.standard_charges[0];
    assert_eq!(
        charge.billing_class,
        Some(priceline_domain::BillingClass::Facility)
    );
    assert_eq!(charge.payer_rates[0].payer_name, "MEDICARE [106]");
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn patterson_v3_counts_and_drug_units() {
    let (records, report) = read_all(
        real!("patterson-health-center-171346-standard-charges-2026-02-10.EXCERPT.csv"),
        &ReadOptions::default(),
    );
    assert_eq!(
        report.file.as_ref().and_then(|file| file.template_version),
        Some(TemplateVersion::V3_0)
    );
    let rates: Vec<_> = items(&records)
        .flat_map(|item| &item.standard_charges)
        .flat_map(|charge| &charge.payer_rates)
        .collect();
    assert!(
        rates
            .iter()
            .any(|rate| rate.count == Some(priceline_domain::AllowedCount::Zero))
    );
    assert!(
        rates
            .iter()
            .any(|rate| rate.count == Some(priceline_domain::AllowedCount::OneThroughTen))
    );
    assert!(items(&records).any(|item| {
        item.drug
            .as_ref()
            .is_some_and(|drug| drug.unit.to_string() == "50")
    }));
    assert!(
        items(&records)
            .flat_map(|item| &item.standard_charges)
            .any(|charge| charge.modifiers == ["QW"])
    );
}
