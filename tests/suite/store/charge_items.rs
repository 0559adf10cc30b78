//! Charge items (an item in one setting: the FHIR ChargeItemDefinition): the count read from the
//! `item_codes` read model equals the items a walk through every page finds, and the number worked
//! out from the items written, for a code of one type, of any type, a facility and no filter, with
//! codes listed twice and under two types, and after a republication makes another file current.

use chrono::NaiveDate;
use priceline_domain::{Code, CodeType, Item, RecordLocation, Setting};
use priceline_store::DbConnection;
use priceline_store::queries::charge_items::{self, ChargeItemFilter, ChargeItemKey};
use priceline_store::snapshot;

use crate::on_both_backends;
use crate::support::db::TestDb;
use crate::support::fixtures;

fn item(description: &str, codes: &[(CodeType, &str)], settings: &[Setting]) -> Item {
    Item {
        description: description.into(),
        codes: codes
            .iter()
            .map(|(code_type, code)| Code::new(*code_type, code).expect("code"))
            .collect(),
        drug: None,
        standard_charges: settings
            .iter()
            .enumerate()
            .map(|(row, setting)| fixtures::charge(*setting, RecordLocation::Row(row as u64 + 3)))
            .collect(),
    }
}

/// Items whose codes repeat: 70551 twice as CPT and once as HCPCS on the first, with two charges
/// in one setting.
fn items() -> Vec<Item> {
    use CodeType::{Cdm, Cpt, Hcpcs};
    use Setting::{Both, Inpatient, Outpatient};
    vec![
        item(
            "MRI brain, listed three times",
            &[
                (Cpt, "70551"),
                (Cpt, "70551"),
                (Hcpcs, "70551"),
                (Cdm, "610"),
            ],
            &[Inpatient, Outpatient, Outpatient],
        ),
        item("MRI brain, as HCPCS", &[(Hcpcs, "70551")], &[Both]),
        item("MRI brain, as CPT", &[(Cpt, "70551")], &[Inpatient]),
        item(
            "Office visit",
            &[(Cpt, "99213")],
            &[Outpatient, Inpatient, Both],
        ),
    ]
}

/// The charge items of `items` that `code` (of `code_type`, or any type) selects.
fn expected(items: &[Item], code_type: Option<CodeType>, code: Option<&str>) -> u64 {
    items
        .iter()
        .filter(|item| match code {
            None => true,
            Some(code) => item.codes.iter().any(|listed| {
                listed.code == code && code_type.is_none_or(|wanted| listed.code_type == wanted)
            }),
        })
        .map(|item| {
            let mut settings: Vec<Setting> = Vec::new();
            for charge in &item.standard_charges {
                if !settings.contains(&charge.setting) {
                    settings.push(charge.setting);
                }
            }
            settings.len() as u64
        })
        .sum()
}

/// Every key of `filter`, a page of `size` at a time.
fn walk(
    connection: &mut DbConnection,
    filter: &ChargeItemFilter,
    size: usize,
) -> Vec<ChargeItemKey> {
    let mut keys = Vec::new();
    let mut after: Option<ChargeItemKey> = None;
    loop {
        let page = charge_items::page(connection, filter, after.as_ref(), size).unwrap();
        keys.extend(page.items.iter().map(|item| item.key.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => return keys,
        }
    }
}

fn check(connection: &mut DbConnection, items: &[Item], facility_id: i64) {
    let filters = [
        (Some(CodeType::Cpt), Some("70551")),
        (Some(CodeType::Hcpcs), Some("70551")),
        (Some(CodeType::Cdm), Some("610")),
        (None, Some("70551")),
        (None, Some("99213")),
        (Some(CodeType::Cpt), Some("00000")),
        (None, None),
    ];
    for (code_type, code) in filters {
        for facility in [None, Some(facility_id)] {
            let filter = ChargeItemFilter {
                code: code.map(str::to_owned),
                code_type,
                facility_id: facility,
            };
            let want = expected(items, code_type, code);
            let counted = charge_items::count(connection, &filter).unwrap();
            let walked = walk(connection, &filter, 1);
            let mut distinct = walked.clone();
            distinct.dedup();
            assert_eq!(distinct, walked, "{filter:?}: every key once, in order");
            assert_eq!(walk(connection, &filter, 1000), walked, "{filter:?}");
            assert_eq!(
                (counted, walked.len() as u64),
                (want, want),
                "{filter:?}: the count, the keys walked, the charge items written"
            );
        }
        let elsewhere = ChargeItemFilter {
            code: code.map(str::to_owned),
            code_type,
            facility_id: Some(facility_id + 1000),
        };
        assert_eq!(charge_items::count(connection, &elsewhere).unwrap(), 0);
    }
}

/// Writes a file of the fixture hospital dated `month` of 2026 holding `items`; its facility id.
fn publish(connection: &mut DbConnection, sha_byte: u8, month: u32, items: &[Item]) -> i64 {
    let date = NaiveDate::from_ymd_opt(2026, month, 1).unwrap();
    let file = fixtures::source_file(sha_byte, date);
    snapshot::write_snapshot(connection, "key", &fixtures::facility(), &file, items, &[])
        .unwrap()
        .facility_id
}

fn counts_from_the_read_model_equal_the_charge_items(db: TestDb) {
    let mut connection = db.migrated();
    let first = items();
    let facility_id = publish(&mut connection, 1, 1, &first);
    check(&mut connection, &first, facility_id);

    // A later file of the same hospital becomes current: only its items count.
    let later: Vec<Item> = first.iter().skip(1).take(3).cloned().collect();
    publish(&mut connection, 2, 6, &later);
    check(&mut connection, &later, facility_id);
}
on_both_backends!(counts_from_the_read_model_equal_the_charge_items);
