use priceline_store::migrations;

use crate::on_both_backends;

on_both_backends! {
    fn up_down_up_leaves_the_same_schema(db: TestDb) {
        let mut connection = db.connect();
        let applied = migrations::run_pending(&mut connection).unwrap();
        assert!(!applied.is_empty());
        let first = migrations::schema_fingerprint(&mut connection).unwrap();
        assert!(first.iter().any(|line| line.contains("payer_rates")), "{first:#?}");
        assert!(first.iter().any(|line| line.contains("item_codes_lookup")), "{first:#?}");

        let reverted = migrations::revert(&mut connection, applied.len()).unwrap();
        assert_eq!(reverted.len(), applied.len());
        assert_eq!(migrations::schema_fingerprint(&mut connection).unwrap(), Vec::<String>::new());
        assert!(migrations::status(&mut connection).unwrap().iter().all(|status| !status.applied));

        migrations::run_pending(&mut connection).unwrap();
        assert_eq!(migrations::schema_fingerprint(&mut connection).unwrap(), first);
        assert!(migrations::status(&mut connection).unwrap().iter().all(|status| status.applied));
        assert!(migrations::run_pending(&mut connection).unwrap().is_empty());
    }
}

on_both_backends! {
    fn reverting_more_than_applied_stops_at_empty(db: TestDb) {
        let mut connection = db.migrated();
        let reverted = migrations::revert(&mut connection, 1000).unwrap();
        assert_eq!(reverted.len(), migrations::status(&mut connection).unwrap().len());
        assert!(migrations::revert(&mut connection, 1).unwrap().is_empty());
    }
}

#[test]
fn both_backends_have_the_same_migration_names() {
    let names = |backend: &str| -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/");
        let mut names: Vec<String> = std::fs::read_dir(format!("{dir}{backend}"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}
