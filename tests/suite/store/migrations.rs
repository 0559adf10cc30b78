use priceline_store::{migrations, snapshot};

use crate::on_both_backends;
use crate::support::db::TestDb;
use crate::support::fixtures;

fn up_down_up_leaves_the_same_schema(db: TestDb) {
    let mut connection = db.connect();
    let applied = migrations::run_pending(&mut connection).unwrap();
    assert!(!applied.is_empty());
    let first = migrations::schema_fingerprint(&mut connection).unwrap();
    assert!(
        first.iter().any(|line| line.contains("payer_rates")),
        "{first:#?}"
    );
    assert!(
        first.iter().any(|line| line.contains("item_codes")),
        "{first:#?}"
    );

    let reverted = migrations::revert(&mut connection, applied.len()).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(
        migrations::schema_fingerprint(&mut connection).unwrap(),
        Vec::<String>::new()
    );
    assert!(
        migrations::status(&mut connection)
            .unwrap()
            .iter()
            .all(|status| !status.applied)
    );

    migrations::run_pending(&mut connection).unwrap();
    assert_eq!(
        migrations::schema_fingerprint(&mut connection).unwrap(),
        first
    );
    assert!(
        migrations::status(&mut connection)
            .unwrap()
            .iter()
            .all(|status| status.applied)
    );
    assert!(migrations::run_pending(&mut connection).unwrap().is_empty());
}
on_both_backends!(up_down_up_leaves_the_same_schema);

fn reverting_more_than_applied_stops_at_empty(db: TestDb) {
    let mut connection = db.migrated();
    let reverted = migrations::revert(&mut connection, 1000).unwrap();
    assert_eq!(
        reverted.len(),
        migrations::status(&mut connection).unwrap().len()
    );
    assert!(migrations::revert(&mut connection, 1).unwrap().is_empty());
}
on_both_backends!(reverting_more_than_applied_stops_at_empty);

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

fn codes_move_onto_their_items_and_back_with_the_data(db: TestDb) {
    let mut connection = db.migrated();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let (facility, items) = (fixtures::facility(), fixtures::items());
    assert!(
        items.iter().any(|item| item.codes.len() > 1),
        "an item with several codes"
    );
    let ids = snapshot::write_snapshot(
        &mut connection,
        "key",
        &facility,
        &fixtures::source_file(1, date),
        &items,
        &[],
    )
    .unwrap();
    // Down moves the codes back to rows keyed by item, up onto the items again: the snapshot
    // reads the same, and its reader checks the items' codes against the lookup rows. (The later
    // migrations are reverted and re-run with it.)
    let reverted = super::revert_through(&mut connection, "codes_on_items");
    assert_eq!(
        migrations::run_pending(&mut connection).unwrap().len(),
        reverted.len()
    );
    let stored = snapshot::load_snapshot(&mut connection, ids.source_file_id).unwrap();
    assert_eq!(stored.items, items);
}
on_both_backends!(codes_move_onto_their_items_and_back_with_the_data);
