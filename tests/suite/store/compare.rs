//! The compare read model (issue 16): "where is this code cheaper" read from `file_code_prices`
//! equals the comparison computed from every line of the code, for every code of generated files in
//! the three formats, every setting and every dollar kind, page by page: after the imports, after
//! the migration that made the model fills it for earlier imports, after a republication and a late
//! older file, `as_of` a date before the republication, and with a facility criterion. A twin of
//! one hospital (the same prices under another license) makes facilities tie on price.

use chrono::NaiveDate;
use priceline_domain::{ChargeKind, Setting};
use priceline_store::StoreResult;
use priceline_store::queries::compare::{self, CompareKey, CompareQuery, FacilityPrice};
use priceline_store::queries::{FacilityFilter, Page, Scope, facilities};
use priceline_store::{DbConnection, migrations};
use priceline_synth::Format;

use crate::api::sample::{SEED, Sheet, generate, rewrite};
use crate::on_both_backends;
use crate::support::db::TestDb;

/// A comparison's page: the read model's or the lines'.
type Read = fn(
    &mut DbConnection,
    &CompareQuery,
    Option<&CompareKey>,
    usize,
) -> StoreResult<Page<FacilityPrice, CompareKey>>;

/// Every page of `query`'s comparison, `limit` facilities a page, read by `read`.
fn pages(
    connection: &mut DbConnection,
    query: &CompareQuery,
    limit: usize,
    read: Read,
) -> Vec<FacilityPrice> {
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let page = read(connection, query, after.as_ref(), limit).unwrap();
        assert!(page.items.len() <= limit);
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

/// Checks the model against the lines for every code (every setting and kind for every fifth code);
/// returns every code's comparison by gross charge, in every setting.
fn check(
    connection: &mut DbConnection,
    scope: Scope,
    facilities: &FacilityFilter,
) -> Vec<Vec<FacilityPrice>> {
    let codes = super::codes(connection);
    assert!(codes.len() > 20, "the generated files list many codes");
    let mut compared = Vec::new();
    for (index, (code_type, code)) in codes.iter().enumerate() {
        let every = index % 5 == 0;
        let settings: &[Option<Setting>] = if every {
            &super::EVERY_SETTING
        } else {
            &[None]
        };
        let kinds: &[ChargeKind] = if every {
            &ChargeKind::DOLLAR
        } else {
            &[ChargeKind::NegotiatedDollar]
        };
        for setting in settings {
            for kind in kinds {
                let query = CompareQuery {
                    scope,
                    facilities: facilities.clone(),
                    code_type: *code_type,
                    code: code.clone(),
                    setting: *setting,
                    kind: *kind,
                };
                let read = pages(connection, &query, 1_000, compare::compare);
                let computed = pages(connection, &query, 1_000, compare::compare_from_lines);
                assert_eq!(read, computed, "{query:?}");
                // Two facilities a page give the same facilities, each once, in order.
                assert_eq!(
                    pages(connection, &query, 2, compare::compare),
                    read,
                    "{query:?}"
                );
                if setting.is_none() && *kind == ChargeKind::NegotiatedDollar {
                    compared.push(read);
                }
            }
        }
    }
    compared
}

/// How many of the comparisons list some facility.
fn priced(compared: &[Vec<FacilityPrice>]) -> usize {
    compared
        .iter()
        .filter(|facilities| !facilities.is_empty())
        .count()
}

fn the_read_model_equals_the_comparison_from_the_lines(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let formats = [Format::Tall, Format::Wide, Format::Json];
    for path in priceline_synth::write_dataset(dir.path(), SEED, 6, 300, &formats).unwrap() {
        super::import(&mut connection, &path);
    }
    // A twin of hospital 2: its Tall file under another license number, so another facility with
    // the same prices, and every code it prices ranks two facilities at the same price.
    let twin_dir = dir.path().join("twin");
    std::fs::create_dir(&twin_dir).unwrap();
    let twin = generate(&twin_dir, 2, 300);
    let license = Sheet::read(&twin).rows[0]
        .iter()
        .position(|name| name.starts_with("license_number"))
        .unwrap();
    rewrite(&twin, |number, cells| {
        if number == 2 {
            cells[license].push_str("-TWIN");
        }
    });
    super::import(&mut connection, &twin);
    let all = FacilityFilter::default();
    let before = check(&mut connection, Scope::Current, &all);
    assert!(priced(&before) > before.len() / 2, "most codes are priced");

    // The migration that made the model fills it for earlier imports alike.
    super::revert_through(&mut connection, "file_code_prices");
    migrations::run_pending(&mut connection).unwrap();
    assert_eq!(check(&mut connection, Scope::Current, &all), before);

    super::republish_and_import_late(&mut connection, dir.path());
    let after = check(&mut connection, Scope::Current, &all);
    assert_ne!(before, after, "the republication changed some comparisons");

    // As of the day before the republication, what the model gave then; the late older file is
    // what hospital 1 had in force long before.
    let day_before = NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    let mut then = check(&mut connection, Scope::AsOf(day_before), &all);
    then.retain(|facilities| !facilities.is_empty());
    let mut before = before;
    before.retain(|facilities| !facilities.is_empty());
    assert_eq!(then, before);
    let long_before = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    assert!(priced(&check(&mut connection, Scope::AsOf(long_before), &all)) > 0);

    // A facility criterion: the state of the first facility.
    let first = facilities::search(&mut connection, Scope::Current, &all, None, 1).unwrap();
    let state = FacilityFilter {
        state: first.items[0].license_state.clone(),
        ..FacilityFilter::default()
    };
    assert!(state.state.is_some());
    assert!(priced(&check(&mut connection, Scope::Current, &state)) > 0);
}
on_both_backends!(the_read_model_equals_the_comparison_from_the_lines);
