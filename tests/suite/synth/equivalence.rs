//! Tall ≡ Wide ≡ JSON: the importer reads the same multiset of price facts from the three files of
//! one spec, and the same modifier definitions.

use std::collections::BTreeMap;
use std::fmt::Display;

use priceline_domain::{Item, Modifier, PayerRate, StandardCharge};
use priceline_ingest::Record;
use priceline_synth::{Format, Spec};

use super::round_trip;

fn text(value: Option<impl Display>) -> String {
    value.map_or_else(String::new, |value| value.to_string())
}

/// One price fact: an item's charge with one payer rate, or with none. Every field the three
/// layouts can all carry, written as text so that equal values compare equal.
fn fact(item: &Item, charge: &StandardCharge, rate: Option<&PayerRate>) -> Vec<String> {
    let codes: Vec<String> = item
        .codes
        .iter()
        .map(|code| format!("{}:{}", code.code_type, code.code))
        .collect();
    let drug = item
        .drug
        .as_ref()
        .map(|drug| format!("{} {}", drug.unit, drug.unit_type));
    let mut fact = vec![
        item.description.clone(),
        codes.join(" "),
        text(drug),
        charge.setting.to_string(),
        charge.modifiers.join("|"),
        text(charge.gross),
        text(charge.discounted_cash),
        text(charge.minimum),
        text(charge.maximum),
        text(charge.generic_notes.as_ref()),
    ];
    if let Some(rate) = rate {
        fact.extend([
            rate.payer_name.clone(),
            text(rate.plan_name.as_ref()),
            text(rate.negotiated_dollar),
            text(rate.negotiated_percentage),
            text(rate.negotiated_algorithm.as_ref()),
            text(rate.methodology),
            text(rate.median_amount),
            text(rate.percentile_10th),
            text(rate.percentile_90th),
            text(rate.count),
            text(rate.payer_notes.as_ref()),
        ]);
    }
    fact
}

/// The facts of a file with their multiplicity, and its modifiers' payer descriptions.
struct Content {
    facts: BTreeMap<Vec<String>, usize>,
    modifiers: Vec<Vec<String>>,
    /// Modifier payer percentages (CSV only: JSON has no field for them).
    percentages: Vec<String>,
}

fn content(records: &[Record]) -> Content {
    let mut facts = BTreeMap::new();
    let mut modifiers = Vec::new();
    let mut percentages = Vec::new();
    for record in records {
        match record {
            Record::Item(item) => {
                for charge in &item.standard_charges {
                    let rates: Vec<Option<&PayerRate>> = if charge.payer_rates.is_empty() {
                        vec![None]
                    } else {
                        charge.payer_rates.iter().map(Some).collect()
                    };
                    for rate in rates {
                        *facts.entry(fact(item, charge, rate)).or_default() += 1;
                    }
                }
            }
            Record::Modifier(record) => {
                let Modifier {
                    code,
                    description,
                    setting,
                    payer_info,
                    ..
                } = &record.modifier;
                for payer in payer_info {
                    modifiers.push(vec![
                        code.clone(),
                        description.clone(),
                        text(*setting),
                        payer.payer_name.clone(),
                        text(payer.plan_name.as_ref()),
                        text(payer.description.as_ref()),
                    ]);
                    percentages.push(text(payer.negotiated_percentage));
                }
            }
            Record::Header(_) => {}
            Record::Quarantined(quarantined) => panic!("quarantined: {quarantined:?}"),
        }
    }
    Content {
        facts,
        modifiers,
        percentages,
    }
}

#[test]
fn tall_wide_and_json_carry_the_same_facts() {
    for (hospital, rows) in [(0, 3_000), (1, 12_000), (6, 40)] {
        let spec = Spec {
            seed: 99,
            hospital,
            rows,
        };
        let read = |format| {
            let (stats, records, _) = round_trip(&spec, format);
            (stats, content(&records))
        };
        let (tall_stats, tall) = read(Format::Tall);
        let facts: usize = tall.facts.values().sum();
        assert_eq!(
            facts as u64 + tall.modifiers.len() as u64,
            tall_stats.tall_rows
        );
        assert!(
            tall.facts.len() > 10,
            "{hospital}: too few facts to compare"
        );
        for format in [Format::Wide, Format::Json] {
            let (_, other) = read(format);
            if tall.facts != other.facts {
                let only_tall = tall
                    .facts
                    .iter()
                    .find(|(fact, n)| other.facts.get(*fact) != Some(n));
                let only_other = other
                    .facts
                    .iter()
                    .find(|(fact, n)| tall.facts.get(*fact) != Some(n));
                panic!(
                    "hospital {hospital}: Tall and {format:?} differ: {only_tall:?} vs {only_other:?}"
                );
            }
            assert_eq!(
                tall.modifiers, other.modifiers,
                "hospital {hospital} {format:?}"
            );
            if format == Format::Wide {
                assert_eq!(tall.percentages, other.percentages, "hospital {hospital}");
            }
        }
        assert!(
            tall.percentages
                .iter()
                .all(|percentage| !percentage.is_empty()),
            "CSV modifier rows carry the adjustment as a percentage"
        );
    }
}

#[test]
fn the_facts_cover_the_v3_variety() {
    let spec = Spec {
        seed: 99,
        hospital: 2,
        rows: 20_000,
    };
    let (_, records, _) = round_trip(&spec, Format::Json);
    let content = content(&records);
    let column = |index: usize| -> std::collections::BTreeSet<&str> {
        content
            .facts
            .keys()
            .filter_map(|fact| fact.get(index).map(String::as_str))
            .collect()
    };
    for expected in [
        "case rate",
        "fee schedule",
        "percent of total billed charges",
        "per diem",
        "other",
    ] {
        assert!(column(15).contains(expected), "methodology {expected}");
    }
    for expected in ["inpatient", "outpatient", "both"] {
        assert!(column(3).contains(expected), "setting {expected}");
    }
    let counts = column(19);
    assert!(
        counts.contains("0") && counts.contains("1 through 10"),
        "{counts:?}"
    );
    let codes = column(1);
    for code_type in [
        "CPT:",
        "HCPCS:",
        "RC:",
        "MS-DRG:",
        "NDC:",
        "CMG:",
        "MS-LTC-DRG:",
        "LOCAL:",
        "CDM:",
    ] {
        assert!(
            codes.iter().any(|codes| codes.contains(code_type)),
            "{code_type}"
        );
    }
    assert!(
        column(4).iter().any(|modifiers| !modifiers.is_empty()),
        "item modifiers"
    );
    let four_places = content.facts.keys().any(|fact| {
        fact[12]
            .split_once('.')
            .is_some_and(|(_, fraction)| fraction.len() == 4)
    });
    assert!(four_places, "some amounts carry 4 decimals");
}
