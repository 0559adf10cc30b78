//! Generated files are valid v3.0 files of the asked format and size, hospitals differ in price,
//! and the same spec always gives the same bytes.

use std::collections::BTreeMap;

use priceline_domain::{FileFormat, TemplateVersion};
use priceline_ingest::{ReadOptions, Record};
use priceline_synth::{Format, Hospital, Spec};

use super::{generate, round_trip};

fn file_format(format: Format) -> FileFormat {
    match format {
        Format::Tall => FileFormat::CsvTall,
        Format::Wide => FileFormat::CsvWide,
        Format::Json => FileFormat::Json,
    }
}

#[test]
fn every_format_reads_as_v3_with_zero_errors_and_the_generated_counts() {
    for hospital in 0..3 {
        let spec = Spec {
            seed: 7,
            hospital,
            rows: 4_000,
        };
        for &format in Format::ALL {
            let (stats, records, report) = round_trip(&spec, format);
            let context = format!("hospital {hospital} {format:?}");
            let findings = &report.findings;
            assert_eq!(findings.errors, 0, "{context}: {:?}", findings.findings);
            assert_eq!(findings.alerts, 0, "{context}: {:?}", findings.findings);
            let summary = &report.summary;
            assert!(summary.data_checked, "{context}");
            assert_eq!(summary.quarantined_rows, 0, "{context}");
            assert_eq!(summary.duplicate_rows, 0, "{context}");
            let file = report.file.as_ref().unwrap();
            assert_eq!(file.format, file_format(format), "{context}");
            assert_eq!(
                file.template_version,
                Some(TemplateVersion::V3_0),
                "{context}"
            );
            assert_eq!(file.declared_version.as_deref(), Some("3.0.0"), "{context}");
            let attestation = file.attestation.as_ref().unwrap();
            assert_eq!(attestation.confirmed, Some(true), "{context}");
            assert_eq!(
                (
                    summary.items,
                    summary.standard_charges,
                    summary.payer_rates,
                    summary.modifiers
                ),
                (
                    stats.items,
                    stats.standard_charges,
                    stats.payer_rates,
                    stats.modifiers
                ),
                "{context}"
            );
            assert_eq!(summary.data_rows, stats.rows, "{context}");

            let Some(Record::Header(header)) = records.first() else {
                panic!("{context}: no header record")
            };
            let expected = Hospital::new(spec.seed, hospital);
            let facility = &header.facility;
            assert_eq!(facility.hospital_name, expected.name, "{context}");
            assert_eq!(
                facility.locations.len(),
                expected.locations.len(),
                "{context}"
            );
            assert_eq!(facility.type_2_npis.len(), expected.npis.len(), "{context}");
            assert_eq!(
                facility.license.state.as_ref().map(|state| state.as_str()),
                Some(expected.license_state),
                "{context}"
            );
        }
    }
}

#[test]
fn requested_size_is_respected() {
    for rows in [1, 300, 20_000] {
        let spec = Spec {
            seed: 11,
            hospital: 4,
            rows,
        };
        let (bytes, stats) = generate(&spec, Format::Tall);
        assert_eq!(stats.rows, stats.tall_rows);
        assert!(stats.items >= 1);
        // At least the target, and at most one item (a few dozen rows) beyond it.
        assert!(stats.rows >= rows, "{rows}: {stats:?}");
        assert!(stats.rows < rows + 100, "{rows}: {stats:?}");
        let lines = bytes.iter().filter(|byte| **byte == b'\n').count() as u64;
        assert_eq!(lines, stats.rows + 3, "rows 1–3 plus one line per data row");
        for format in [Format::Wide, Format::Json] {
            let (_, other) = generate(&spec, format);
            assert_eq!(other.tall_rows, stats.tall_rows, "{rows} {format:?}");
        }
    }
}

#[test]
fn the_same_spec_gives_the_same_bytes_and_another_seed_does_not() {
    let spec = Spec {
        seed: 5,
        hospital: 2,
        rows: 2_000,
    };
    for &format in Format::ALL {
        assert_eq!(
            generate(&spec, format).0,
            generate(&spec, format).0,
            "{format:?}"
        );
        let other = Spec { seed: 6, ..spec };
        assert_ne!(
            generate(&spec, format).0,
            generate(&other, format).0,
            "{format:?}"
        );
    }
}

/// The gross charge of each code of a hospital's file (first charge of the first item with it).
fn gross_by_code(hospital: usize) -> BTreeMap<String, String> {
    let spec = Spec {
        seed: 3,
        hospital,
        rows: 6_000,
    };
    let (_, records, _) = round_trip(&spec, Format::Json);
    let mut prices = BTreeMap::new();
    for record in records {
        let Record::Item(item) = record else { continue };
        let Some(gross) = item.standard_charges[0].gross else {
            continue;
        };
        for code in &item.codes {
            prices
                .entry(format!("{}:{}", code.code_type, code.code))
                .or_insert_with(|| gross.to_string());
        }
    }
    prices
}

#[test]
fn hospitals_share_codes_at_different_prices() {
    let (first, second) = (gross_by_code(0), gross_by_code(1));
    let shared: Vec<&String> = first
        .keys()
        .filter(|code| second.contains_key(*code))
        .collect();
    assert!(shared.len() >= 50, "{} shared codes", shared.len());
    let differing = shared
        .iter()
        .filter(|code| first[**code] != second[**code])
        .count();
    // Revenue codes are shared by many services, so a few equal prices could be a coincidence;
    // a shared CPT, DRG or NDC almost never costs the same at two hospitals.
    assert!(
        differing * 10 >= shared.len() * 9,
        "{differing} of {} differ",
        shared.len()
    );
}

#[test]
fn a_dataset_has_cms_file_names_and_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    let paths = priceline_synth::write_dataset(dir.path(), 21, 3, 500, Format::ALL).unwrap();
    assert_eq!(paths.len(), 9);
    for path in &paths {
        let name = path.file_name().unwrap().to_str().unwrap();
        let (ein, rest) = name.split_once('_').unwrap();
        assert!(
            ein.len() == 9 && ein.bytes().all(|b| b.is_ascii_digit()),
            "{name}"
        );
        assert!(
            rest.ends_with("_standardcharges.csv") || rest.ends_with("_standardcharges.json"),
            "{name}"
        );
        let mut reports = priceline_ingest::validate_path(path, &ReadOptions::default());
        let report = reports.remove(0);
        assert!(report.valid, "{name}: {:?}", report.findings.findings);
    }
    let names: std::collections::HashSet<_> = paths
        .iter()
        .map(|path| path.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        names.len(),
        6,
        "Tall and Wide of a hospital share a name, in their own folders"
    );
}
