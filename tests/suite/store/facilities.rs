//! Facility criteria and `as_of` answered by SQL (issue 16): for generated facilities with a history
//! of files, each scope's snapshots equal the ones chosen from every file of every facility, and
//! every criterion (name, location name, state, city, ZIP, NPI, CCN, license number) finds exactly
//! the facilities an independent matcher finds over all of them, page by page; again after the
//! migration that made the address parts columns fills them for earlier imports. Payer plans are
//! matched and paged by the database alike.

use chrono::NaiveDate;
use priceline_domain::effective_date;
use priceline_store::queries::facilities::{self, FacilityKey, FacilitySummary};
use priceline_store::queries::payers::{self, PayerPlan};
use priceline_store::queries::source_files::{self, FileStatus};
use priceline_store::queries::{FacilityFilter, Scope};
use priceline_store::{DbConnection, StoreError, migrations};
use priceline_synth::Format;

use crate::api::sample::{SEED, wide};
use crate::on_both_backends;
use crate::support::db::TestDb;

/// Every page of a facility search, `limit` a page; checks each page's total.
fn search(
    connection: &mut DbConnection,
    scope: Scope,
    filter: &FacilityFilter,
    limit: usize,
) -> Vec<FacilitySummary> {
    let (mut all, mut after): (Vec<FacilitySummary>, Option<FacilityKey>) = (Vec::new(), None);
    loop {
        let page = facilities::search(connection, scope, filter, after.as_ref(), limit).unwrap();
        assert!(page.items.len() <= limit);
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => {
                assert_eq!(page.total, Some(all.len() as u64), "{filter:?}");
                return all;
            }
        }
    }
}

/// The snapshot of `facility` in `scope`, chosen from all its files: the accepted file with the
/// latest effective date (not after the scope's date), the latest id first.
fn chosen(connection: &mut DbConnection, facility: i64, scope: Scope) -> Option<i64> {
    let files = source_files::list(connection, Some(facility), None, None, 1_000).unwrap();
    files
        .items
        .iter()
        .filter(|file| file.status == FileStatus::Accepted)
        .map(|file| {
            let date = effective_date(file.last_updated_on, file.imported_at.naive_utc());
            (date, file.id)
        })
        .filter(|(date, _)| match scope {
            Scope::Current => true,
            Scope::AsOf(day) => *date <= day,
        })
        .max()
        .map(|(_, id)| id)
}

/// Whether `facility` meets `filter`: the rules of the API's facility criteria, in Rust.
fn matches(facility: &FacilitySummary, filter: &FacilityFilter) -> bool {
    let has = |haystack: &str, needle: &str| {
        haystack
            .to_lowercase()
            .contains(&needle.trim().to_lowercase())
    };
    let same = |value: &Option<String>, wanted: &Option<String>| match wanted {
        None => true,
        Some(wanted) => value
            .as_deref()
            .is_some_and(|value| value.eq_ignore_ascii_case(wanted.trim())),
    };
    let places = &facility.places;
    filter.facility_id.is_none_or(|id| id == facility.id)
        && filter.name.as_deref().is_none_or(|name| {
            has(&facility.name, name)
                || places
                    .iter()
                    .any(|p| p.name.as_deref().is_some_and(|n| has(n, name)))
        })
        && filter.state.as_ref().is_none_or(|state| {
            facility.license_state.as_ref() == Some(state)
                || places.iter().any(|p| p.state.as_ref() == Some(state))
        })
        && filter.city.as_deref().is_none_or(|city| {
            places.iter().any(|p| {
                p.city
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(city.trim()))
            })
        })
        && filter
            .zip
            .as_deref()
            .is_none_or(|zip| places.iter().any(|p| p.zip.as_deref() == Some(zip)))
        && filter
            .npi
            .as_ref()
            .is_none_or(|npi| facility.npis.iter().any(|n| n == npi.as_str()))
        && same(&facility.ccn, &filter.ccn)
        && same(&facility.license_number, &filter.license_number)
}

/// Criteria taken from the facilities' own descriptions, each in another case or partial where the
/// criterion allows, and some that match nothing.
fn criteria(all: &[FacilitySummary]) -> Vec<FacilityFilter> {
    let none = FacilityFilter::default;
    let mut filters = vec![
        none(),
        FacilityFilter {
            name: Some("no such hospital".into()),
            ..none()
        },
        FacilityFilter {
            zip: Some("00000".into()),
            ..none()
        },
    ];
    for facility in all {
        let middle: String = facility.name.chars().skip(3).take(6).collect();
        filters.push(FacilityFilter {
            name: Some(format!(" {} ", middle.to_uppercase())),
            ..none()
        });
        filters.push(FacilityFilter {
            facility_id: Some(facility.id),
            state: facility.license_state.clone(),
            ..none()
        });
        filters.push(FacilityFilter {
            ccn: facility.ccn.as_ref().map(|ccn| ccn.to_lowercase()),
            license_number: facility.license_number.clone(),
            ..none()
        });
        filters.push(FacilityFilter {
            npi: facility.npis.first().map(|npi| npi.parse().unwrap()),
            ..none()
        });
        for place in &facility.places {
            filters.push(FacilityFilter {
                name: place.name.clone(),
                ..none()
            });
            filters.push(FacilityFilter {
                state: place.state.clone(),
                city: place.city.as_ref().map(|city| city.to_uppercase()),
                ..none()
            });
            filters.push(FacilityFilter {
                zip: place.zip.clone(),
                ..none()
            });
        }
    }
    filters
}

/// Checks every scope's snapshots and every criterion; returns what each criterion found.
fn check(connection: &mut DbConnection, scopes: &[Scope]) -> Vec<Vec<FacilitySummary>> {
    let mut found = Vec::new();
    for &scope in scopes {
        let all = search(connection, scope, &FacilityFilter::default(), 1_000);
        // Every facility with a snapshot in scope, with the snapshot chosen from all its files.
        let current = search(
            connection,
            Scope::Current,
            &FacilityFilter::default(),
            1_000,
        );
        let mut expected: Vec<(i64, i64)> = current
            .iter()
            .filter_map(|facility| Some((facility.id, chosen(connection, facility.id, scope)?)))
            .collect();
        expected.sort_unstable();
        let mut got: Vec<(i64, i64)> = all.iter().map(|f| (f.id, f.source_file_id)).collect();
        got.sort_unstable();
        assert_eq!(got, expected, "{scope:?}");
        for facility in &current {
            match facilities::get(connection, facility.id, scope) {
                Ok(detail) => assert_eq!(
                    Some(&detail.facility),
                    all.iter().find(|f| f.id == facility.id)
                ),
                Err(StoreError::NotFound) => assert!(all.iter().all(|f| f.id != facility.id)),
                Err(error) => panic!("{error}"),
            }
        }
        for filter in criteria(&all) {
            let expected: Vec<FacilitySummary> = all
                .iter()
                .filter(|facility| matches(facility, &filter))
                .cloned()
                .collect();
            let got = search(connection, scope, &filter, 2);
            assert_eq!(got, expected, "{scope:?} {filter:?}");
            found.push(got);
        }
    }
    found
}

/// Every page of a payer plan search, `limit` a page.
fn plans(
    connection: &mut DbConnection,
    scope: Scope,
    name: Option<&str>,
    limit: usize,
) -> Vec<PayerPlan> {
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let page = payers::search(connection, scope, name, after.as_ref(), limit).unwrap();
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

fn facility_criteria_and_as_of_equal_a_choice_from_every_file(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let formats = [Format::Tall, Format::Wide, Format::Json];
    for path in priceline_synth::write_dataset(dir.path(), SEED, 6, 40, &formats).unwrap() {
        super::import(&mut connection, &path);
    }
    // Hospital 0 republishes later; hospital 1 imports an older file late; hospital 2 republishes
    // on its current file's date, so the later import wins the tie.
    super::import(
        &mut connection,
        &wide(dir.path(), "later", 0, 30, "2026-09-01"),
    );
    super::import(
        &mut connection,
        &wide(dir.path(), "older", 1, 20, "2025-06-01"),
    );
    let same_day = priceline_synth::Hospital::new(SEED, 2).last_updated_on;
    super::import(&mut connection, &wide(dir.path(), "tie", 2, 25, &same_day));
    let day = |y, m, d| Scope::AsOf(NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let scopes = [
        Scope::Current,
        day(2026, 8, 31),
        day(2025, 7, 1),
        day(2000, 1, 1),
    ];
    let before = check(&mut connection, &scopes);
    assert!(
        before.iter().filter(|found| !found.is_empty()).count() > 20,
        "most criteria find some facility"
    );

    // The migration that made the address parts columns fills them for earlier imports alike.
    super::revert_through(&mut connection, "facility_directory");
    migrations::run_pending(&mut connection).unwrap();
    assert_eq!(check(&mut connection, &scopes), before);

    // Payer plans: pages of 2 equal one page, in byte order of payer then plan, and a name finds
    // exactly the plans whose payer or plan contains it.
    for scope in scopes {
        let all = plans(&mut connection, scope, None, 10_000);
        assert_eq!(plans(&mut connection, scope, None, 2), all, "{scope:?}");
        let keys: Vec<(&str, &str)> = all
            .iter()
            .map(|p| (p.payer_name.as_str(), p.plan_name.as_deref().unwrap_or("")))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        for plan in all.iter().step_by(3) {
            let needle = plan
                .payer_name
                .chars()
                .skip(1)
                .take(4)
                .collect::<String>()
                .to_uppercase();
            let expected: Vec<PayerPlan> = all
                .iter()
                .filter(|p| {
                    let has = |text: &str| text.to_lowercase().contains(&needle.to_lowercase());
                    has(&p.payer_name) || p.plan_name.as_deref().is_some_and(has)
                })
                .cloned()
                .collect();
            assert_eq!(plans(&mut connection, scope, Some(&needle), 2), expected);
        }
    }
}
on_both_backends!(facility_criteria_and_as_of_equal_a_choice_from_every_file);
