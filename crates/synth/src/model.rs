//! What a generated file says, independent of its layout: items with their standard charges and
//! payer rates, and modifier definitions. The Tall, Wide and JSON writers render the same values, so
//! the three files of one spec carry exactly the same price facts.

use std::fmt;
use std::ops::Range;

use priceline_domain::{CodeType, DrugUnitType, Methodology, Setting};

use crate::catalogue::{Kind, Service};
use crate::decimal::Fixed;

/// A billing code's text: from the catalogue, or a hospital's chargemaster number.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CodeText {
    Catalogue(&'static str),
    Cdm(u64),
}

impl fmt::Display for CodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeText::Catalogue(code) => f.write_str(code),
            CodeText::Cdm(number) => write!(f, "{number:08}"),
        }
    }
}

/// A hospital's own chargemaster line for a catalogue service (`… - ED`, CDM 41000017): real
/// chargemasters list the same CPT many times, which is how a file grows to millions of rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Variant {
    pub suffix: &'static str,
    pub cdm: u64,
}

/// One item, reused from item to item so that generating a row allocates nothing.
#[derive(Debug)]
pub(crate) struct Item {
    pub service: &'static Service,
    pub variant: Option<Variant>,
    pub charges: Vec<Charge>,
    /// The rates of all charges; each charge owns a range, in contract order.
    pub rates: Vec<Rate>,
}

impl Item {
    pub fn new(service: &'static Service) -> Self {
        Self {
            service,
            variant: None,
            charges: Vec::new(),
            rates: Vec::new(),
        }
    }

    pub fn description(&self) -> Description<'_> {
        Description(self)
    }

    pub fn codes(&self) -> impl Iterator<Item = (CodeType, CodeText)> + '_ {
        let catalogue = self
            .service
            .codes
            .iter()
            .map(|&(code_type, code)| (code_type, CodeText::Catalogue(code)));
        let cdm = self
            .variant
            .map(|variant| (CodeType::Cdm, CodeText::Cdm(variant.cdm)));
        catalogue.chain(cdm)
    }

    pub fn drug(&self) -> Option<(Fixed, DrugUnitType)> {
        match self.service.kind {
            Kind::Drug { unit, unit_type } => Some((unit, unit_type)),
            _ => None,
        }
    }

    pub fn rates_of(&self, charge: &Charge) -> &[Rate] {
        &self.rates[charge.rates.clone()]
    }

    /// Rows this item takes in a Tall file: one per payer rate, or one for a charge without any.
    pub fn tall_rows(&self) -> u64 {
        self.charges
            .iter()
            .map(|charge| charge.rates.len().max(1) as u64)
            .sum()
    }
}

pub(crate) struct Description<'a>(&'a Item);

impl fmt::Display for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.service.description)?;
        match self.0.variant {
            Some(variant) => write!(f, " - {}", variant.suffix),
            None => Ok(()),
        }
    }
}

/// An item's standard charge in one setting (and with one modifier).
#[derive(Debug, Clone)]
pub(crate) struct Charge {
    pub setting: Setting,
    pub modifier: Option<&'static str>,
    pub gross: Option<Fixed>,
    pub cash: Option<Fixed>,
    /// De-identified minimum and maximum: of the charge's dollar rates, present exactly when one exists.
    pub min: Option<Fixed>,
    pub max: Option<Fixed>,
    pub rates: Range<usize>,
}

/// A payer-specific negotiated charge.
#[derive(Debug, Clone)]
pub(crate) struct Rate {
    /// Index into the hospital's contracts.
    pub contract: usize,
    pub methodology: Methodology,
    pub dollar: Option<Fixed>,
    pub percentage: Option<Fixed>,
    pub algorithm: Option<Algorithm>,
    pub allowed: Option<Allowed>,
    pub count: Option<Count>,
    pub notes: Option<&'static str>,
}

/// The v3.0 allowed amounts from remittances.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Allowed {
    pub median: Fixed,
    pub p10: Fixed,
    pub p90: Fixed,
}

/// The v3.0 `count` bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    Zero,
    OneThroughTen,
    Exactly(u64),
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Zero => f.write_str("0"),
            Count::OneThroughTen => f.write_str("1 through 10"),
            Count::Exactly(count) => write!(f, "{count}"),
        }
    }
}

/// A contractual formula, written as the sentence hospitals put in `negotiated_algorithm`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Algorithm {
    pub form: AlgorithmForm,
    pub amount: Fixed,
    pub percent: Fixed,
    pub days: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum AlgorithmForm {
    LesserOf,
    CaseRateWithDays,
    PercentOfMedicare(&'static str),
    PercentOfInvoice,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Algorithm {
            amount,
            percent,
            days,
            ..
        } = self;
        match self.form {
            AlgorithmForm::LesserOf => write!(
                f,
                "Allowed amount is the lesser of ${amount} and {percent}% of total billed charges for this service."
            ),
            AlgorithmForm::CaseRateWithDays => write!(
                f,
                "Case rate of ${amount} for stays up to {days} days; each additional day is paid at {percent}% of the per diem charge."
            ),
            AlgorithmForm::PercentOfMedicare(schedule) => write!(
                f,
                "Allowed amount is {percent}% of the Medicare {schedule} amount; the hospital cannot state a single dollar amount in advance."
            ),
            AlgorithmForm::PercentOfInvoice => write!(
                f,
                "Allowed amount is {percent}% of the actual cost, based on supplier invoice."
            ),
        }
    }
}

/// A modifier's definition: what each payer and plan pays for an item with it (CSV modifier rows,
/// JSON `modifier_information`).
#[derive(Debug, Clone)]
pub(crate) struct ModifierDefinition {
    pub code: &'static str,
    pub description: &'static str,
    /// (contract index, payment percentage), in contract order.
    pub adjustments: Vec<(usize, Fixed)>,
}

/// The sentence describing one payer's adjustment: CSV notes and JSON `description` alike, so the
/// JSON file, which has no number field for it, still carries the percentage.
pub(crate) struct AdjustmentNote(pub Fixed);

impl fmt::Display for AdjustmentNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}% payment adjustment for the item or service to which the modifier is appended",
            self.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_as_cms_values() {
        assert_eq!(Count::OneThroughTen.to_string(), "1 through 10");
        assert_eq!(Count::Exactly(37).to_string(), "37");
        assert_eq!(CodeText::Cdm(41_000_017).to_string(), "41000017");
        let algorithm = Algorithm {
            form: AlgorithmForm::LesserOf,
            amount: Fixed::round(240_000_000, 2),
            percent: Fixed::whole(80),
            days: 0,
        };
        assert_eq!(
            algorithm.to_string(),
            "Allowed amount is the lesser of $24000.00 and 80% of total billed charges for this service."
        );
        assert_eq!(
            AdjustmentNote(Fixed::round(625_000, 2)).to_string(),
            "62.50% payment adjustment for the item or service to which the modifier is appended"
        );
    }
}
