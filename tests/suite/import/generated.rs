//! Generated files (the same content as Tall, Wide and JSON) through the whole import into the store.

use priceline_import::Status;
use priceline_store::snapshot::{count_rows, load_snapshot, source_file_ids};
use priceline_synth::{Format, Spec};

use super::{every_amount_reaches_the_database_exactly, import, import_with_rates, price_facts};
use crate::on_both_backends;
use crate::support::db::TestDb;

fn tall_wide_and_json_store_the_same_prices(db: TestDb) {
    let files = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    // As the CLI imports: on PostgreSQL, the rates over a second connection.
    let mut rates = db.connect();
    let spec = Spec {
        seed: 11,
        hospital: 3,
        rows: 2_000,
    };
    let mut facts = Vec::new();
    for format in Format::ALL {
        let path = files
            .path()
            .join(format!("{}.{}", format.name(), format.extension()));
        let stats =
            priceline_synth::write(&spec, *format, &mut std::fs::File::create(&path).unwrap())
                .unwrap();
        let report =
            import_with_rates(&mut connection, Some(&mut rates), path.to_str().unwrap()).remove(0);
        assert_eq!(
            report.status,
            Status::Imported,
            "{format:?}: {:?}",
            report.reason
        );
        assert_eq!(
            (report.errors, report.summary.quarantined_records),
            (0, 0),
            "{format:?}: {:?}",
            report.findings
        );
        assert_eq!(report.summary.payer_rates, stats.payer_rates, "{format:?}");
        let stored = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
        facts.push(price_facts(&stored.items));
    }
    assert!(facts[0].len() > 1_000);
    assert_eq!(facts[0], facts[1], "Tall and Wide differ");
    assert_eq!(facts[0], facts[2], "Tall and JSON differ");
    // Four-decimal amounts come back as written.
    assert!(facts[0].iter().any(|fact| {
        fact.contains(".")
            && fact
                .split('"')
                .any(|part| part.split('.').nth(1).is_some_and(|d| d.len() == 4))
    }));
}
on_both_backends!(tall_wide_and_json_store_the_same_prices);

fn json_with_root_fields_after_its_data_is_read_again_and_stored_whole(db: TestDb) {
    // The import streams a JSON file in one pass when the fields before the items decide its
    // header; here `hospital_name` comes after the data, so that pass is abandoned (rolled
    // back) and the file read again in two.
    let files = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let spec = Spec {
        seed: 5,
        hospital: 2,
        rows: 500,
    };
    let mut text = Vec::new();
    priceline_synth::write(&spec, Format::Json, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let (name, rest) = text
        .strip_prefix(r#"{"hospital_name":"#)
        .unwrap()
        .split_once(',')
        .unwrap();
    let moved = format!(
        "{{{},\"hospital_name\":{name}}}",
        &rest.trim_end()[..rest.trim_end().len() - 1]
    );
    let path = files.path().join("moved.json");
    std::fs::write(&path, &moved).unwrap();

    // The abandoned pass rolls back on both connections when the rates have one of their own.
    let mut rates = db.connect();
    let report =
        import_with_rates(&mut connection, Some(&mut rates), path.to_str().unwrap()).remove(0);
    assert_eq!(report.status, Status::Imported, "{:?}", report.reason);
    assert_eq!(report.errors, 0, "{:?}", report.findings);
    let stored = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
    assert_eq!(stored.facility.hospital_name, name.trim_matches('"'));
    assert_eq!(
        stored
            .items
            .iter()
            .flat_map(|item| &item.standard_charges)
            .map(|charge| charge.payer_rates.len() as u64)
            .sum::<u64>(),
        report.summary.payer_rates
    );
    assert!(stored.items.len() > 10);
    // The hash computed beside the import is the one stored, and it finds the file again.
    let document = priceline_ingest::open(&path).unwrap().remove(0);
    let sha256 = priceline_ingest::sha256(&document).unwrap();
    assert_eq!(report.sha256, Some(sha256.to_string()));
    assert_eq!(stored.source_file.sha256, sha256);
    let again = import(&mut connection, path.to_str().unwrap()).remove(0);
    assert_eq!(again.status, Status::Unchanged, "{:?}", again.reason);
    assert_eq!(again.source_file_id, report.source_file_id);
}
on_both_backends!(json_with_root_fields_after_its_data_is_read_again_and_stored_whole);

fn nul_bytes_in_the_text_are_removed_with_an_alert_on_both_backends(db: TestDb) {
    // PostgreSQL refuses NUL in text; the readers drop them, so such a file imports the same
    // everywhere, and says so.
    let files = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let spec = Spec {
        seed: 8,
        hospital: 1,
        rows: 300,
    };
    for format in [Format::Tall, Format::Json] {
        let mut clean = Vec::new();
        priceline_synth::write(&spec, format, &mut clean).unwrap();
        // NULs past the first 4 KiB (earlier they read as binary content), at the start of a
        // cell and in the middle of a word.
        let mut with_nuls = clean.clone();
        for at in [6_000, 9_000, clean.len() - 400] {
            let at = at
                + with_nuls[at..]
                    .iter()
                    .position(|byte| *byte == b',')
                    .unwrap()
                + 1;
            with_nuls.insert(at, 0);
            with_nuls.insert(at + 3, 0);
        }
        let mut facts = Vec::new();
        for (name, bytes) in [("clean", &clean), ("nuls", &with_nuls)] {
            let path = files.path().join(format!("{name}.{}", format.extension()));
            std::fs::write(&path, bytes).unwrap();
            let report = import(&mut connection, path.to_str().unwrap()).remove(0);
            assert_eq!(
                report.status,
                Status::Imported,
                "{format:?} {name}: {:?}",
                report.reason
            );
            let removed = report
                .findings
                .iter()
                .find(|finding| finding.rule == "nul-characters-removed");
            assert_eq!(
                removed.is_some(),
                name == "nuls",
                "{format:?} {name}: {:?}",
                report.findings
            );
            let stored = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
            facts.push(price_facts(&stored.items));
        }
        assert!(facts[0].len() > 100);
        assert_eq!(facts[0], facts[1], "{format:?}");
    }
}
on_both_backends!(nul_bytes_in_the_text_are_removed_with_an_alert_on_both_backends);

fn a_windows_1252_file_is_read_again_as_such_and_stored_the_same(db: TestDb) {
    // Imports start reading on the assumption of UTF-8, checked beside them; a Windows-1252 byte
    // far past the first 4 KiB makes the file read again as Windows-1252, on both connections.
    let files = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let mut rates = db.connect();
    let spec = Spec {
        seed: 9,
        hospital: 4,
        rows: 3_000,
    };
    let mut utf8 = Vec::new();
    priceline_synth::write(&spec, Format::Tall, &mut utf8).unwrap();
    let text = String::from_utf8(utf8).unwrap();
    // The description of a data row in the middle of the file (its first cell, maybe quoted).
    let line = text.len() / 2 + text[text.len() / 2..].find('\n').unwrap() + 1;
    let description_at = line + usize::from(text[line..].starts_with('"'));
    let utf8 = format!(
        "{}Café {}",
        &text[..description_at],
        &text[description_at..]
    );
    let mut latin = utf8.clone().into_bytes();
    let accent = description_at + "Caf".len();
    latin.splice(accent..accent + "é".len(), [0xE9]);
    let mut stored = Vec::new();
    for (name, bytes) in [("utf8.csv", utf8.as_bytes()), ("latin.csv", &latin[..])] {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let report =
            import_with_rates(&mut connection, Some(&mut rates), path.to_str().unwrap()).remove(0);
        assert_eq!(
            report.status,
            Status::Imported,
            "{name}: {:?}",
            report.reason
        );
        let fallback = report
            .findings
            .iter()
            .any(|finding| finding.rule == "not-utf8");
        assert_eq!(
            fallback,
            name == "latin.csv",
            "{name}: {:?}",
            report.findings
        );
        assert_eq!(report.bytes, bytes.len() as u64, "{name}");
        let snapshot = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
        assert!(
            snapshot
                .items
                .iter()
                .any(|item| item.description.starts_with("Café ")),
            "{name}"
        );
        stored.push(price_facts(&snapshot.items));
    }
    assert_eq!(stored[0], stored[1]);
}
on_both_backends!(a_windows_1252_file_is_read_again_as_such_and_stored_the_same);

/// Writes hospital 0 of seed 5 in `format` into `dir` and returns the path.
fn generated(dir: &std::path::Path, format: Format, rows: u64) -> String {
    priceline_synth::write_hospital(dir, 5, 0, rows, format)
        .unwrap()
        .display()
        .to_string()
}

fn every_amount_in_a_generated_tall_file_reaches_the_database_exactly(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    every_amount_reaches_the_database_exactly(db, &generated(dir.path(), Format::Tall, 500));
}
on_both_backends!(every_amount_in_a_generated_tall_file_reaches_the_database_exactly);

fn importing_the_same_bytes_again_writes_nothing(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), Format::Json, 300);
    let mut connection = db.migrated();
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
on_both_backends!(importing_the_same_bytes_again_writes_nothing);
