//! The official CMS examples import without errors, the templates are reported as templates, and
//! the same v3 content written as Tall, Wide and JSON gives the same price facts.

use std::collections::BTreeMap;

use priceline_domain::{Amount, FileFormat, TemplateVersion};
use priceline_ingest::{ReadOptions, Record};

use super::{read_all, validate};

macro_rules! cms {
    ($name:literal) => {
        concat!(env!("PRICELINE_SHARED_DATA"), "/cms/", $name)
    };
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn every_example_imports_with_zero_errors() {
    for (path, format, version) in [
        (
            cms!("v2.0.0/V2.0.0_Tall_CSV_Format_Example.csv"),
            FileFormat::CsvTall,
            TemplateVersion::V2_2,
        ),
        (
            cms!("v2.0.0/V2.0.0_Wide_CSV_Format_Example.csv"),
            FileFormat::CsvWide,
            TemplateVersion::V2_2,
        ),
        (
            cms!("v2.0.0/V2.0.0_JSON_Format_Example.json"),
            FileFormat::Json,
            TemplateVersion::V2_2,
        ),
        (
            cms!("v3.0.0/V3.0.0_Tall_CSV_Format_Example.csv"),
            FileFormat::CsvTall,
            TemplateVersion::V3_0,
        ),
        (
            cms!("v3.0.0/V3.0.0_Wide_CSV_Format_Example.csv"),
            FileFormat::CsvWide,
            TemplateVersion::V3_0,
        ),
        (
            cms!("v3.0.0/v3_json_format_example.json"),
            FileFormat::Json,
            TemplateVersion::V3_0,
        ),
    ] {
        let (records, report) = read_all(path, &ReadOptions::default());
        assert_eq!(
            report.findings.errors, 0,
            "{path}: {:?}",
            report.findings.findings
        );
        let file = report.file.as_ref().expect("a header");
        assert_eq!(
            (file.format, file.template_version),
            (format, Some(version)),
            "{path}"
        );
        assert_eq!(report.summary.quarantined_rows, 0, "{path}");
        assert!(matches!(records.first(), Some(Record::Header(_))), "{path}");
        assert_eq!(report.summary.modifiers, 3, "{path}");
    }
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn templates_are_reported_as_templates() {
    for path in [
        cms!("v2.0.0/V2.0.0_Tall_CSV_Format_Template.csv"),
        cms!("v2.0.0/V2.0.0_Wide_CSV_Format_Template.csv"),
        cms!("v3.0.0/V3.0.0_Tall_CSV_Format_Template.csv"),
        cms!("v3.0.0/V3.0.0_Wide_CSV_Format_Template.csv"),
    ] {
        let report = validate(path, &ReadOptions::default());
        assert!(!report.valid, "{path}");
        assert!(
            report.findings.by_rule.contains_key("PlaceholderError"),
            "{path}: {:?}",
            report.findings.by_rule
        );
        assert!(
            report
                .findings
                .by_rule
                .contains_key("InvalidStateCodeError"),
            "license_number|[state]: {path}"
        );
        assert_eq!(report.summary.data_rows, 0, "{path}");
    }
}

/// One payer-specific price fact, or a charge without payer, normalised for comparison across formats.
fn price_facts(records: &[Record]) -> Vec<String> {
    let mut facts = Vec::new();
    for record in records {
        match record {
            Record::Item(item) => {
                let mut codes: Vec<String> = item
                    .codes
                    .iter()
                    .map(|code| format!("{}:{}", code.code_type, code.code))
                    .collect();
                codes.sort();
                let drug = item
                    .drug
                    .as_ref()
                    .map(|drug| format!("{} {}", drug.unit, drug.unit_type));
                for charge in &item.standard_charges {
                    let base = format!(
                        "{} {codes:?} {drug:?} {} {:?} gross={:?} cash={:?} min={:?} max={:?} notes={:?}",
                        item.description,
                        charge.setting,
                        charge.modifiers,
                        charge.gross,
                        charge.discounted_cash,
                        charge.minimum,
                        charge.maximum,
                        charge.generic_notes
                    );
                    if charge.payer_rates.is_empty() {
                        facts.push(base.clone());
                    }
                    for rate in &charge.payer_rates {
                        facts.push(format!(
                            "{base} | {} {:?} ${:?} %{:?} alg={:?} {:?} median={:?} p10={:?} p90={:?} count={:?} notes={:?}",
                            rate.payer_name, rate.plan_name, rate.negotiated_dollar, rate.negotiated_percentage, rate.negotiated_algorithm,
                            rate.methodology, rate.median_amount, rate.percentile_10th, rate.percentile_90th, rate.count, rate.payer_notes
                        ));
                    }
                }
            }
            Record::Modifier(record) => {
                let modifier = &record.modifier;
                for payer in &modifier.payer_info {
                    facts.push(format!(
                        "modifier {} {} {:?} | {} {:?} {:?}",
                        modifier.code,
                        modifier.description,
                        modifier.setting,
                        payer.payer_name,
                        payer.plan_name,
                        payer.description
                    ));
                }
            }
            Record::Header(_) | Record::Quarantined(_) => {}
        }
    }
    facts.sort();
    facts
}

/// The facts only in `a` and only in `b` (multisets, both sorted).
fn differences<'a>(a: &'a [String], b: &'a [String]) -> (Vec<&'a String>, Vec<&'a String>) {
    let mut only_a = Vec::new();
    let mut rest_b: Vec<&String> = b.iter().collect();
    for fact in a {
        match rest_b.iter().position(|other| *other == fact) {
            Some(index) => {
                rest_b.remove(index);
            }
            None => only_a.push(fact),
        }
    }
    (only_a, rest_b)
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn v3_tall_wide_and_json_give_the_same_price_facts() {
    let options = ReadOptions::default();
    let (tall, _) = read_all(cms!("v3.0.0/V3.0.0_Tall_CSV_Format_Example.csv"), &options);
    let (wide, _) = read_all(cms!("v3.0.0/V3.0.0_Wide_CSV_Format_Example.csv"), &options);
    let (json, _) = read_all(cms!("v3.0.0/v3_json_format_example.json"), &options);
    let (tall, wide, json) = (price_facts(&tall), price_facts(&wide), price_facts(&json));
    assert_eq!(tall.len(), 45);
    assert_eq!(differences(&wide, &json), (vec![], vec![]), "Wide vs JSON");
    // CMS's Tall example itself differs in one cell: its Platform row of "Basic metabolic panel"
    // says min 150 where its other row, the Wide example and the JSON example say 125.
    let (only_tall, only_wide) = differences(&tall, &wide);
    assert_eq!(
        (only_tall.len(), only_wide.len()),
        (1, 1),
        "Tall vs Wide: {only_tall:?} {only_wide:?}"
    );
    assert!(
        only_tall[0].starts_with("Basic metabolic panel")
            && only_tall[0].contains("min=Some(Amount(150))")
    );
    assert_eq!(
        only_tall[0].replace("min=Some(Amount(150))", "min=Some(Amount(125))"),
        *only_wide[0]
    );
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn tall_and_wide_records_have_the_same_shape() {
    let options = ReadOptions::default();
    let strip = |records: Vec<Record>| -> Vec<String> {
        records
            .into_iter()
            .filter_map(|record| match record {
                Record::Item(mut item) => {
                    for charge in &mut item.standard_charges {
                        charge.source = priceline_domain::RecordLocation::Row(0);
                        charge.payer_rates.iter_mut().for_each(|rate| {
                            rate.source = priceline_domain::RecordLocation::Row(0)
                        });
                    }
                    Some(format!("{item:?}"))
                }
                _ => None,
            })
            .collect()
    };
    let (tall, _) = read_all(cms!("v3.0.0/V3.0.0_Tall_CSV_Format_Example.csv"), &options);
    let (wide, _) = read_all(cms!("v3.0.0/V3.0.0_Wide_CSV_Format_Example.csv"), &options);
    let (tall, wide) = (strip(tall), strip(wide));
    // Same items, same grouping into charges and payer rates; only the one cell CMS's Tall example
    // writes differently (see above) tells them apart.
    assert_eq!(tall.len(), wide.len());
    let differing: Vec<usize> = (0..tall.len())
        .filter(|&index| tall[index] != wide[index])
        .collect();
    assert_eq!(differing.len(), 1);
    assert!(tall[differing[0]].starts_with("Item { description: \"Basic metabolic panel\""));
}

#[test]
#[cfg_attr(
    no_shared_data,
    ignore = "the shared test data (../shared/data, PRICELINE_TEST_SHARED_DATA) is not present"
)]
fn amounts_are_exact() {
    let (records, _) = read_all(
        cms!("v3.0.0/v3_json_format_example.json"),
        &ReadOptions::default(),
    );
    let mut medians = BTreeMap::new();
    for record in &records {
        if let Record::Item(item) = record {
            for rate in item
                .standard_charges
                .iter()
                .flat_map(|charge| &charge.payer_rates)
            {
                if let Some(median) = rate.median_amount {
                    medians.insert((item.description.clone(), rate.plan_name.clone()), median);
                }
            }
        }
    }
    let pacemaker = medians[&("Pacemaker".to_owned(), Some("PPO".to_owned()))];
    assert_eq!(pacemaker, Amount::parse("23123.46").expect("amount"));
    assert_eq!(pacemaker.to_micros(), 23_123_460_000);
}
