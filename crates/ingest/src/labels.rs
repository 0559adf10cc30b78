//! Enumeration labels as hospitals write them, read leniently and on the record.
//!
//! The CMS validator matches a CSV label trimmed and ignoring case (`Inpatient`, ` BOTH`), and a
//! JSON label exactly. Real files go further: `per-diem`, `Fee_Schedule`, `in patient`, or the
//! upper-case `PERCENTAGE OF TOTAL BILLED CHARGES` that one hospital wrote 4,785 times. A label is
//! read in three steps:
//!
//! 1. **Listed**: the CMS value, trimmed, any case. Nothing is recorded (CSV; JSON reports another
//!    case as a repaired error, as the CMS validator reports it).
//! 2. **Folded**: the same after *folding*, which keeps only ASCII letters and digits, lower-cased,
//!    reading `%` as "percent" and `&` as "and" (`per-diem`, `Per  Diem`, `MS_DRG`, `In Patient`),
//!    or found in [`Label::SYNONYMS`] once folded. The CMS value is kept, the file's text goes to
//!    the record's `raw_values`, and the finding is the CMS validator's `AllowedValuesError` marked
//!    repaired: CMS counts the label as an error, the importer reads it without guessing.
//! 3. **Unmatched**: a methodology becomes [`Methodology::Unknown`], with its text kept raw and the
//!    same error (repaired: the rate and its amount stay stored and searchable, filterable as
//!    `unknown`). Any other field has no such value: its error is not repaired and quarantines the
//!    record, as for an amount that cannot be read (a setting, code type or drug unit is part of
//!    what the price is *of*; a billing class has no unknown value yet).
//!
//! Folding never makes two values of one field equal, and a synonym is listed only when it cannot
//! mean another value of its field.

use priceline_domain::{BillingClass, CodeType, DrugUnitType, Methodology, Setting, TextEnum};

/// An enumeration of the CMS data dictionaries, as the importer reads it from text.
pub(crate) trait Label: TextEnum {
    /// The field, in messages (`methodology`, `setting`, …).
    const WHAT: &'static str;
    /// Other spellings of one value, written folded (see [`fold`]).
    const SYNONYMS: &'static [(&'static str, Self)];
    /// What a text matching no value is kept as, for a field that can keep one.
    const UNKNOWN: Option<Self> = None;

    /// Whether a file may write this value (every value but `Methodology::Unknown`).
    fn is_cms(self) -> bool {
        true
    }
}

/// How a label's text was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelRead<T> {
    /// A CMS value, trimmed and ignoring ASCII case.
    Listed(T),
    /// A CMS value after folding, or a synonym of one.
    Folded(T),
    /// No value; kept as the field's unknown value.
    Unknown(T),
    /// No value, and the field has no unknown value.
    Unmatched,
}

/// Step 1 alone: the CMS value `text` names, trimmed and ignoring ASCII case.
pub(crate) fn listed<T: Label>(text: &str) -> Option<T> {
    let text = text.trim();
    T::values()
        .iter()
        .copied()
        .find(|value| value.is_cms() && value.text().eq_ignore_ascii_case(text))
}

/// Reads a label's text (not blank) in the three steps of the module documentation.
pub(crate) fn read<T: Label>(text: &str) -> LabelRead<T> {
    if let Some(value) = listed(text) {
        return LabelRead::Listed(value);
    }
    let folded = fold(text);
    let found = T::values()
        .iter()
        .copied()
        .find(|value| value.is_cms() && fold(value.text()) == folded)
        .or_else(|| {
            T::SYNONYMS
                .iter()
                .find(|(synonym, _)| *synonym == folded)
                .map(|(_, value)| *value)
        });
    match (found, T::UNKNOWN) {
        (Some(value), _) => LabelRead::Folded(value),
        (None, Some(unknown)) => LabelRead::Unknown(unknown),
        (None, None) => LabelRead::Unmatched,
    }
}

/// The CMS values of a field, for messages: `case rate, fee schedule, …`.
pub(crate) fn expected<T: Label>() -> String {
    T::values()
        .iter()
        .filter(|value| value.is_cms())
        .map(|value| value.text())
        .collect::<Vec<_>>()
        .join(", ")
}

/// ASCII letters and digits only, lower-cased; `%` reads "percent" and `&` "and".
fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for char in text.chars() {
        match char {
            '%' => folded.push_str("percent"),
            '&' => folded.push_str("and"),
            char if char.is_ascii_alphanumeric() => folded.push(char.to_ascii_lowercase()),
            _ => {}
        }
    }
    folded
}

impl Label for Methodology {
    const WHAT: &'static str = "methodology";
    const SYNONYMS: &'static [(&'static str, Self)] = &[
        // "percent(age) of (total) (billed) charges"
        (
            "percentageoftotalbilledcharges",
            Methodology::PercentOfTotalBilledCharges,
        ),
        (
            "percentoftotalcharges",
            Methodology::PercentOfTotalBilledCharges,
        ),
        (
            "percentageoftotalcharges",
            Methodology::PercentOfTotalBilledCharges,
        ),
        (
            "percentofbilledcharges",
            Methodology::PercentOfTotalBilledCharges,
        ),
        (
            "percentageofbilledcharges",
            Methodology::PercentOfTotalBilledCharges,
        ),
        ("percentofcharges", Methodology::PercentOfTotalBilledCharges),
        (
            "percentageofcharges",
            Methodology::PercentOfTotalBilledCharges,
        ),
        ("caserates", Methodology::CaseRate),
        ("percase", Methodology::CaseRate),
        ("feeschedules", Methodology::FeeSchedule),
        ("perday", Methodology::PerDiem),
        ("perdiems", Methodology::PerDiem),
    ];
    const UNKNOWN: Option<Self> = Some(Methodology::Unknown);

    fn is_cms(self) -> bool {
        Methodology::is_cms(self)
    }
}

impl Label for Setting {
    const WHAT: &'static str = "setting";
    const SYNONYMS: &'static [(&'static str, Self)] = &[
        ("ip", Setting::Inpatient),
        ("op", Setting::Outpatient),
        ("inpatientoutpatient", Setting::Both),
        ("inpatientandoutpatient", Setting::Both),
        ("ipop", Setting::Both),
    ];
}

impl Label for BillingClass {
    const WHAT: &'static str = "billing class";
    const SYNONYMS: &'static [(&'static str, Self)] = &[
        ("pro", BillingClass::Professional),
        ("prof", BillingClass::Professional),
        ("institutional", BillingClass::Facility),
    ];
}

impl Label for CodeType {
    const WHAT: &'static str = "code type";
    const SYNONYMS: &'static [(&'static str, Self)] = &[
        ("cpt4", CodeType::Cpt),
        ("revenuecode", CodeType::Rc),
        ("revcode", CodeType::Rc),
    ];
}

impl Label for DrugUnitType {
    const WHAT: &'static str = "drug type of measurement";
    // Grams are left out: CMS lists both GR and GM, so "gram" could be either.
    const SYNONYMS: &'static [(&'static str, Self)] = &[
        ("each", DrugUnitType::Ea),
        ("milliliter", DrugUnitType::Ml),
        ("milliliters", DrugUnitType::Ml),
        ("mg", DrugUnitType::Me),
        ("milligram", DrugUnitType::Me),
        ("milligrams", DrugUnitType::Me),
        ("unit", DrugUnitType::Un),
        ("units", DrugUnitType::Un),
        ("iu", DrugUnitType::F2),
        ("internationalunit", DrugUnitType::F2),
        ("internationalunits", DrugUnitType::F2),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cms_spellings_in_any_case_are_listed() {
        assert_eq!(
            read::<Methodology>(" Per Diem "),
            LabelRead::Listed(Methodology::PerDiem)
        );
        assert_eq!(read::<Setting>("BOTH"), LabelRead::Listed(Setting::Both));
    }

    #[test]
    fn punctuation_spacing_and_synonyms_fold_to_the_cms_value() {
        for (text, value) in [
            ("per-diem", Methodology::PerDiem),
            ("Fee_Schedule", Methodology::FeeSchedule),
            (
                "PERCENTAGE OF TOTAL BILLED CHARGES",
                Methodology::PercentOfTotalBilledCharges,
            ),
            (
                "% of total billed charges",
                Methodology::PercentOfTotalBilledCharges,
            ),
            ("capitation", Methodology::Unknown),
            (
                "Percent-of-Total Billed Charges",
                Methodology::PercentOfTotalBilledCharges,
            ),
            ("Case Rates", Methodology::CaseRate),
        ] {
            let read = read::<Methodology>(text);
            match value {
                Methodology::Unknown => assert_eq!(read, LabelRead::Unknown(value), "{text}"),
                _ => assert_eq!(read, LabelRead::Folded(value), "{text}"),
            }
        }
        assert_eq!(
            read::<CodeType>("ms drg"),
            LabelRead::Folded(CodeType::MsDrg)
        );
        assert_eq!(
            read::<Setting>("In Patient"),
            LabelRead::Folded(Setting::Inpatient)
        );
        assert_eq!(
            read::<DrugUnitType>("mL"),
            LabelRead::Listed(DrugUnitType::Ml)
        );
    }

    #[test]
    fn an_unmatched_methodology_is_unknown_and_other_fields_have_none() {
        assert_eq!(
            read::<Methodology>("capitation"),
            LabelRead::Unknown(Methodology::Unknown)
        );
        // A file writing the word `unknown` wrote no CMS value either.
        assert_eq!(listed::<Methodology>("unknown"), None);
        assert_eq!(read::<Setting>("emergency"), LabelRead::Unmatched);
        assert!(!expected::<Methodology>().contains("unknown"));
    }

    #[test]
    fn folding_keeps_every_fields_values_apart() {
        fn apart<T: Label>() {
            let folded: Vec<String> = T::values().iter().map(|v| fold(v.text())).collect();
            let mut unique = folded.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), folded.len(), "{}", T::WHAT);
            for (synonym, _) in T::SYNONYMS {
                assert_eq!(fold(synonym), *synonym, "{synonym} is written folded");
                assert!(!folded.contains(&(*synonym).to_owned()), "{synonym}");
            }
        }
        apart::<Methodology>();
        apart::<Setting>();
        apart::<BillingClass>();
        apart::<CodeType>();
        apart::<DrugUnitType>();
    }
}
