//! Domain values that exercise every field: all 21 code types, 4- and 6-decimal amounts, percentages,
//! the three count bins, drug information, modifiers, raw values, CSV rows and JSON pointers.

use chrono::{NaiveDate, TimeZone, Utc};
use priceline_domain::*;

pub fn amount(text: &str) -> Amount {
    Amount::parse(text).expect("a plain amount")
}

pub fn facility() -> Facility {
    Facility {
        hospital_name: "West Mercy Hospital".into(),
        locations: vec![
            Location {
                name: Some("West Mercy Hospital".into()),
                address: Some("12 Main Street, Fullerton, CA  92832".into()),
            },
            Location {
                name: Some("West Mercy Surgical Center".into()),
                address: None,
            },
        ],
        license: License {
            state: Some(StateCode::parse("CA").expect("state")),
            number: Some("50056".into()),
        },
        type_2_npis: vec![
            Npi::parse("0000000001").expect("npi"),
            Npi::parse("1234567893").expect("npi"),
        ],
        ccn: Some(Ccn::parse("050001").expect("ccn")),
        ein: Some(Ein::parse("63-0436871").expect("ein")),
        financial_aid_policy: Some("Free care below 200% of the federal poverty level.".into()),
        general_contract_provisions: vec![ContractProvision {
            payer_name: Some("Platform Health Insurance".into()),
            plan_name: None,
            provisions: "Claims over $200,000.00 paid at 50% of charges | stop-loss".into(),
        }],
    }
}

pub fn source_file(sha_byte: u8, last_updated_on: NaiveDate) -> SourceFile {
    SourceFile {
        file_name: "630436871_west-mercy_standardcharges.csv".into(),
        sha256: Sha256([sha_byte; 32]),
        format: FileFormat::CsvTall,
        template_version: Some(TemplateVersion::V3_0),
        declared_version: Some("3.0.0".into()),
        last_updated_on: Some(last_updated_on),
        attestation: Some(Attestation {
            text: "To the best of its knowledge and belief, this hospital has included all applicable standard charge information".into(),
            confirmed: Some(true),
            attester_name: Some("Leigh Attester".into()),
        }),
        imported_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 30, 15).single().expect("a valid time"),
        legacy: None,
    }
}

fn rate(payer: &str, plan: Option<&str>, row: u64) -> PayerRate {
    PayerRate {
        payer_name: payer.into(),
        plan_name: plan.map(Into::into),
        negotiated_dollar: None,
        negotiated_percentage: None,
        negotiated_algorithm: None,
        methodology: None,
        median_amount: None,
        percentile_10th: None,
        percentile_90th: None,
        count: None,
        estimated_amount: None,
        payer_notes: None,
        source: RecordLocation::Row(row),
        raw_values: vec![],
    }
}

pub fn charge(setting: Setting, source: RecordLocation) -> StandardCharge {
    StandardCharge {
        setting,
        billing_class: None,
        modifiers: vec![],
        gross: None,
        discounted_cash: None,
        minimum: None,
        maximum: None,
        generic_notes: None,
        payer_rates: vec![],
        source,
        raw_values: vec![],
    }
}

/// One item per code type, so all 21 round-trip, plus charges covering every rate field.
pub fn items() -> Vec<Item> {
    let mut items: Vec<Item> = CodeType::ALL
        .iter()
        .enumerate()
        .map(|(index, code_type)| Item {
            description: format!("Service coded as {code_type}"),
            codes: vec![Code::new(*code_type, &format!("C{index:04}")).expect("code")],
            drug: None,
            standard_charges: vec![StandardCharge {
                gross: Some(amount(&format!("{}.25", 100 + index))),
                ..charge(Setting::Outpatient, RecordLocation::Row(4 + index as u64))
            }],
        })
        .collect();

    let mut fee = rate("Platform Health Insurance", Some("PPO"), 40);
    fee.negotiated_dollar = Some(amount("575.75"));
    fee.methodology = Some(Methodology::FeeSchedule);
    fee.raw_values = vec![RawValue {
        field: "standard_charge|negotiated_dollar".into(),
        raw: "$575.75 ".into(),
    }];
    let mut percent = rate("Region Health Insurance", Some("HMO"), 41);
    percent.negotiated_percentage = Some(Percentage::parse("12.3456").expect("percentage"));
    percent.methodology = Some(Methodology::PercentOfTotalBilledCharges);
    percent.median_amount = Some(amount("1023.1234"));
    percent.percentile_10th = Some(amount("800.000001"));
    percent.percentile_90th = Some(amount("1999.9999"));
    percent.count = Some(AllowedCount::OneThroughTen);
    let mut algorithm = rate("Medicare Advantage [106]", None, 42);
    algorithm.negotiated_algorithm = Some("110% of the Medicare fee schedule".into());
    algorithm.methodology = Some(Methodology::Other);
    algorithm.count = Some(AllowedCount::Zero);
    algorithm.payer_notes = Some("No remittances in the period | see contract".into());
    let mut per_diem = rate("Platform Health Insurance", Some("HMO"), 43);
    per_diem.negotiated_dollar = Some(amount("3100"));
    per_diem.methodology = Some(Methodology::PerDiem);
    per_diem.count = Some(AllowedCount::Exactly(2500));
    per_diem.median_amount = Some(amount("2999.5"));
    per_diem.estimated_amount = Some(amount("3050.05"));

    items.push(Item {
        description: "Ondansetron 4 mg injection".into(),
        codes: vec![
            Code::new(CodeType::Ndc, "0409-4755-03").expect("code"),
            Code::new(CodeType::Hcpcs, "J2405").expect("code"),
            Code::new(CodeType::Cdm, "250-0042").expect("code"),
        ],
        drug: Some(DrugInfo {
            unit: Quantity::parse("50.0000").expect("quantity"),
            unit_type: DrugUnitType::Ml,
        }),
        standard_charges: vec![
            StandardCharge {
                billing_class: Some(BillingClass::Facility),
                modifiers: vec!["50".into(), "62".into()],
                gross: Some(amount("1200")),
                discounted_cash: Some(amount("1080.5")),
                minimum: Some(amount("250.0001")),
                maximum: Some(amount("999999999")),
                generic_notes: Some("Charged per vial, \"as administered\"".into()),
                payer_rates: vec![fee, percent, algorithm],
                raw_values: vec![RawValue {
                    field: "standard_charge|gross".into(),
                    raw: "1,200".into(),
                }],
                ..charge(
                    Setting::Both,
                    RecordLocation::Pointer(
                        "/standard_charge_information/21/standard_charges/0".into(),
                    ),
                )
            },
            StandardCharge {
                payer_rates: vec![per_diem],
                ..charge(Setting::Inpatient, RecordLocation::Row(43))
            },
        ],
    });
    items
}

pub fn modifiers() -> Vec<Modifier> {
    vec![
        Modifier {
            code: "50".into(),
            description: "Bilateral procedure".into(),
            setting: Some(Setting::Both),
            notes: None,
            payer_info: vec![
                ModifierPayerInfo {
                    payer_name: "Platform Health Insurance".into(),
                    plan_name: Some("PPO".into()),
                    description: Some("150% payment adjustment".into()),
                    negotiated_dollar: None,
                    negotiated_percentage: Some(Percentage::parse("150").expect("percentage")),
                    negotiated_algorithm: None,
                },
                ModifierPayerInfo {
                    payer_name: "Region Health Insurance".into(),
                    plan_name: None,
                    description: None,
                    negotiated_dollar: Some(amount("75.25")),
                    negotiated_percentage: None,
                    negotiated_algorithm: Some("per contract".into()),
                },
            ],
        },
        Modifier {
            code: "50|62".into(),
            description: "Bilateral procedure with co-surgeon".into(),
            setting: None,
            notes: Some("Adjustment applies per co-surgeon".into()),
            payer_info: vec![],
        },
    ]
}
