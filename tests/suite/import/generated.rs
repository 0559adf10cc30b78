//! Generated files (the same content as Tall, Wide and JSON) through the whole import into the store.

use priceline_api::importer::Status;
use priceline_store::snapshot::load_snapshot;
use priceline_synth::{Format, Spec};

use super::{import, price_facts};
use crate::on_both_backends;

on_both_backends! {
    fn tall_wide_and_json_store_the_same_prices(db: TestDb) {
        let files = tempfile::tempdir().unwrap();
        let mut connection = db.migrated();
        let spec = Spec { seed: 11, hospital: 3, rows: 2_000 };
        let mut facts = Vec::new();
        for format in Format::ALL {
            let path = files.path().join(format!("{}.{}", format.name(), format.extension()));
            let stats = priceline_synth::write(&spec, *format, &mut std::fs::File::create(&path).unwrap()).unwrap();
            let report = import(&mut connection, path.to_str().unwrap()).remove(0);
            assert_eq!(report.status, Status::Imported, "{format:?}: {:?}", report.reason);
            assert_eq!((report.errors, report.summary.quarantined_records), (0, 0), "{format:?}: {:?}", report.findings);
            assert_eq!(report.summary.payer_rates, stats.payer_rates, "{format:?}");
            let stored = load_snapshot(&mut connection, report.source_file_id.unwrap()).unwrap();
            facts.push(price_facts(&stored.items));
        }
        assert!(facts[0].len() > 1_000);
        assert_eq!(facts[0], facts[1], "Tall and Wide differ");
        assert_eq!(facts[0], facts[2], "Tall and JSON differ");
        // Four-decimal amounts come back as written.
        assert!(facts[0].iter().any(|fact| fact.contains(".") && fact.split('"').any(|part| part.split('.').nth(1).is_some_and(|d| d.len() == 4))));
    }
}
