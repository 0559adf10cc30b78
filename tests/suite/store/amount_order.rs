//! The amount-order read model (issue 16): a price search by code sorted by an amount ("cheapest
//! first") read from `code_line_amounts` gives exactly the lines, in exactly the order, that the same
//! search gives from the lines' own tables, for the commonest codes of generated files in the three
//! formats: every kind with an amount in both directions, and with payer, plan, setting,
//! methodology, amount range and description criteria; in pages of 4, every line once. After the
//! imports, after the migration that made the model fills it for earlier imports, after a
//! republication and a late older file, `as_of` a date before the republication, and with a
//! facility criterion. And with amounts tied across files, whose lines follow their charges.

use chrono::NaiveDate;
use priceline_domain::{ChargeKind, CodeType, Methodology, Setting};
use priceline_store::queries::prices::{self, PriceLine, PriceQuery, PriceSort};
use priceline_store::queries::{FacilityFilter, Scope, facilities};
use priceline_store::{DbConnection, migrations};
use priceline_synth::Format;

use crate::api::sample::{FIRST_DATA_ROW, SEED, Sheet, generate, rewrite};
use crate::on_both_backends;
use crate::support::db::TestDb;

/// The `count` CPT codes with the most lines in the current snapshots, most first.
fn commonest(connection: &mut DbConnection, count: usize) -> Vec<String> {
    let mut lines: Vec<(usize, String)> = super::codes(connection)
        .into_iter()
        .filter(|(code_type, _)| *code_type == CodeType::Cpt)
        .map(|(_, code)| {
            let query = PriceQuery {
                code_type: Some(CodeType::Cpt),
                code: Some(code.clone()),
                ..PriceQuery::default()
            };
            let all = prices::search(connection, &query, None, 100_000).unwrap();
            (all.items.len(), code)
        })
        .collect();
    lines.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    lines
        .into_iter()
        .take(count)
        .map(|(_, code)| code)
        .collect()
}

/// The searches checked for `code`.
fn queries(code: &str, scope: Scope, facilities: &FacilityFilter) -> Vec<PriceQuery> {
    let base = PriceQuery {
        scope,
        facilities: facilities.clone(),
        code_type: Some(CodeType::Cpt),
        code: Some(code.to_owned()),
        ..PriceQuery::default()
    };
    let mut queries = Vec::new();
    for kind in ChargeKind::ALL.into_iter().filter(|kind| kind.has_amount()) {
        for sort in [PriceSort::AmountAscending, PriceSort::AmountDescending] {
            queries.push(PriceQuery {
                kind: Some(kind),
                sort,
                ..base.clone()
            });
        }
    }
    // A rate's amount and a charge's, each with the criteria that narrow the lines.
    let sorted = [
        (ChargeKind::NegotiatedDollar, PriceSort::AmountAscending),
        (ChargeKind::Gross, PriceSort::AmountDescending),
    ];
    for (kind, sort) in sorted {
        let sorted = PriceQuery {
            kind: Some(kind),
            sort,
            ..base.clone()
        };
        queries.extend([
            PriceQuery {
                payer: Some("AETNA".to_owned()),
                ..sorted.clone()
            },
            PriceQuery {
                plan: Some("ppo".to_owned()),
                ..sorted.clone()
            },
            PriceQuery {
                methodology: Some(Methodology::FeeSchedule),
                ..sorted.clone()
            },
            PriceQuery {
                min_micros: Some(100_000_000),
                max_micros: Some(2_000_000_000),
                ..sorted.clone()
            },
            PriceQuery {
                description: Some("a".to_owned()),
                ..sorted.clone()
            },
        ]);
        for setting in [Setting::Inpatient, Setting::Outpatient, Setting::Both] {
            queries.push(PriceQuery {
                setting: Some(setting),
                ..sorted.clone()
            });
        }
    }
    queries
}

/// Every page of `query`, `limit` lines a page.
fn pages(connection: &mut DbConnection, query: &PriceQuery, limit: usize) -> Vec<PriceLine> {
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let page = prices::search(connection, query, after.as_ref(), limit).unwrap();
        assert!(page.items.len() <= limit);
        all.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

/// The amount of `kind` a line states.
fn amount(line: &PriceLine, kind: ChargeKind) -> Option<i64> {
    let rate = line.rate.as_ref();
    let dollars = |amount: Option<priceline_domain::Amount>| amount.map(|a| a.to_micros());
    match kind {
        ChargeKind::Gross => dollars(line.charge.gross),
        ChargeKind::DiscountedCash => dollars(line.charge.discounted_cash),
        ChargeKind::Minimum => dollars(line.charge.minimum),
        ChargeKind::Maximum => dollars(line.charge.maximum),
        ChargeKind::NegotiatedDollar => dollars(rate.and_then(|rate| rate.negotiated_dollar)),
        ChargeKind::NegotiatedPercentage => rate
            .and_then(|rate| rate.negotiated_percentage)
            .map(|percentage| percentage.to_micros()),
        ChargeKind::NegotiatedAlgorithm => None,
    }
}

/// Checks the model against the lines for every search of `codes`; returns each search's lines.
fn check(
    connection: &mut DbConnection,
    codes: &[String],
    scope: Scope,
    facilities: &FacilityFilter,
) -> Vec<Vec<PriceLine>> {
    let mut found = Vec::new();
    for code in codes {
        for query in queries(code, scope, facilities) {
            let read = prices::search(connection, &query, None, 100_000).unwrap();
            let lines = prices::search_from_lines(connection, &query, None, 100_000).unwrap();
            assert!(read.next.is_none());
            assert_eq!(read.items, lines.items, "{query:?}");
            let kind = query.kind.unwrap();
            let amounts: Vec<i64> = read
                .items
                .iter()
                .map(|line| amount(line, kind).expect("a line of the kind states it"))
                .collect();
            if query.sort == PriceSort::AmountAscending {
                assert!(amounts.is_sorted(), "{query:?}");
            } else {
                assert!(amounts.iter().rev().is_sorted(), "{query:?}");
            }
            assert_eq!(pages(connection, &query, 4), read.items, "{query:?}");
            found.push(read.items);
        }
    }
    found
}

/// How many searches found some line.
fn found(searches: &[Vec<PriceLine>]) -> usize {
    searches.iter().filter(|lines| !lines.is_empty()).count()
}

fn an_amount_order_reads_the_model_and_gives_the_lines_order(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    let formats = [Format::Tall, Format::Wide, Format::Json];
    for path in priceline_synth::write_dataset(dir.path(), SEED, 5, 300, &formats).unwrap() {
        super::import(&mut connection, &path);
    }
    let codes = commonest(&mut connection, 3);
    let all = FacilityFilter::default();
    let before = check(&mut connection, &codes, Scope::Current, &all);
    assert!(
        found(&before) * 4 > before.len() * 3,
        "most searches find lines: {} of {}",
        found(&before),
        before.len()
    );
    let longest = before.iter().map(Vec::len).max().unwrap_or_default();
    assert!(longest > 30, "lists of many pages: {longest}");

    // The migration that made the model fills it for earlier imports alike.
    super::revert_through(&mut connection, "code_line_amounts");
    migrations::run_pending(&mut connection).unwrap();
    assert_eq!(check(&mut connection, &codes, Scope::Current, &all), before);

    super::republish_and_import_late(&mut connection, dir.path());
    let after = check(&mut connection, &codes, Scope::Current, &all);
    assert_ne!(after, before, "the republication changed some searches");

    // As of the day before the republication, what the searches gave then.
    let day_before = NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    assert_eq!(
        check(&mut connection, &codes, Scope::AsOf(day_before), &all),
        before
    );

    // A facility criterion: the state of the first facility.
    let first = facilities::search(&mut connection, Scope::Current, &all, None, 1).unwrap();
    let state = FacilityFilter {
        state: first.items[0].license_state.clone(),
        ..FacilityFilter::default()
    };
    assert!(state.state.is_some());
    assert!(found(&check(&mut connection, &codes, Scope::Current, &state)) > 0);
}
on_both_backends!(an_amount_order_reads_the_model_and_gives_the_lines_order);

/// Amounts tied across files, in the order of their charges: hospital 0's file (imported first, so
/// its charges have the smaller ids) states 50 for every negotiated dollar amount, hospital 1's
/// 10, 20, 30, 50 and 50 in turn. The merge reads hospital 1's file first (it starts at 10) and must
/// still read hospital 0's, which starts exactly at a page's last amount, 50: its lines come first
/// among the 50s.
fn ties_across_files_follow_the_charges(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut connection = db.migrated();
    for (hospital, amounts) in [(0, &["50"][..]), (1, &["10", "20", "30", "50", "50"][..])] {
        let path = generate(dir.path(), hospital, 300);
        let header = &Sheet::read(&path).rows[FIRST_DATA_ROW - 2];
        let dollar = header
            .iter()
            .position(|name| name == "standard_charge|negotiated_dollar")
            .unwrap();
        rewrite(&path, |number, cells| {
            if number >= FIRST_DATA_ROW && !cells[dollar].is_empty() {
                cells[dollar] = amounts[number % amounts.len()].to_owned();
            }
        });
        super::import(&mut connection, &path);
    }
    let codes = commonest(&mut connection, 3);
    let searches = check(
        &mut connection,
        &codes,
        Scope::Current,
        &FacilityFilter::default(),
    );
    assert!(found(&searches) > 0);
}
on_both_backends!(ties_across_files_follow_the_charges);
