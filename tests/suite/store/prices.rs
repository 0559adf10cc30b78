//! A price search without a code walks the facilities in order, one snapshot at a time (issue 16):
//! with a payer and a code type it gives every matching line of every current snapshot once, in
//! facility order, and pages of 7 lines give the same lines. A republication makes one facility's
//! current file the newest, so file order is not facility order.

use priceline_domain::CodeType;
use priceline_store::queries::prices::{self, PriceLine, PriceQuery};
use priceline_store::queries::{FacilityFilter, Scope, facilities};
use priceline_store::{DbConnection, snapshot};
use priceline_synth::Format;

use crate::api::sample::{SEED, wide};
use crate::on_both_backends;
use crate::support::db::TestDb;

/// The lines of the current snapshots with a rate of `payer` (any case) on an item with a CPT code.
fn expected_lines(connection: &mut DbConnection, payer: &str) -> usize {
    let all = FacilityFilter::default();
    let current = facilities::search(connection, Scope::Current, &all, None, 1_000).unwrap();
    let mut lines = 0;
    for facility in current.items {
        let snapshot = snapshot::load_snapshot(connection, facility.source_file_id).unwrap();
        for item in snapshot.items {
            if !item
                .codes
                .iter()
                .any(|code| code.code_type == CodeType::Cpt)
            {
                continue;
            }
            lines += item
                .standard_charges
                .iter()
                .flat_map(|charge| &charge.payer_rates)
                .filter(|rate| rate.payer_name.to_lowercase().contains(payer))
                .count();
        }
    }
    lines
}

fn a_search_without_a_code_gives_every_line_once_in_facility_order(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    for path in priceline_synth::write_dataset(dir.path(), SEED, 5, 200, &[Format::Tall]).unwrap() {
        super::import(&mut connection, &path);
    }
    super::import(
        &mut connection,
        &wide(dir.path(), "later", 0, 150, "2026-09-01"),
    );
    let query = PriceQuery {
        payer: Some("AETNA".to_owned()),
        code_type: Some(CodeType::Cpt),
        ..PriceQuery::default()
    };
    let all = prices::search(&mut connection, &query, None, 100_000).unwrap();
    assert!(all.next.is_none());
    let expected = expected_lines(&mut connection, "aetna");
    assert!(expected > 20, "{expected}");
    assert_eq!(all.items.len(), expected);
    let facilities: Vec<i64> = all.items.iter().map(|line| line.facility_id).collect();
    assert!(facilities.is_sorted(), "facility order");
    assert!(
        facilities.first() != facilities.last(),
        "more than one facility"
    );

    let (mut paged, mut after): (Vec<PriceLine>, _) = (Vec::new(), None);
    loop {
        let page = prices::search(&mut connection, &query, after.as_ref(), 7).unwrap();
        assert!(page.items.len() <= 7);
        paged.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, all.items);
}
on_both_backends!(a_search_without_a_code_gives_every_line_once_in_facility_order);
