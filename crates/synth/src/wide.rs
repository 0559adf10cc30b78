//! CSV Wide: one row per item × setting/modifier, with the nine v3.0 columns of every payer/plan
//! contract on every row (blank where the item has no rate for that contract), then one row per
//! modifier definition.

use std::io::{self, Write};

use crate::Layout;
use crate::csv::{CODE_PAIRS, CsvWriter};
use crate::hospital::Hospital;
use crate::model::{AdjustmentNote, Item, ModifierDefinition};

/// The nine per-contract headers, `{}` standing for `payer|plan`, in the CMS example's order.
const GROUP_HEADERS: [(&str, &str); 9] = [
    ("standard_charge|", "|negotiated_dollar"),
    ("standard_charge|", "|negotiated_percentage"),
    ("standard_charge|", "|negotiated_algorithm"),
    ("median_amount|", ""),
    ("10th_percentile|", ""),
    ("90th_percentile|", ""),
    ("count|", ""),
    ("standard_charge|", "|methodology"),
    ("additional_payer_notes|", ""),
];

const TRAILING_HEADERS: [&str; 3] = [
    "standard_charge|min",
    "standard_charge|max",
    "additional_generic_notes",
];

pub(crate) struct Wide<W: Write>(pub CsvWriter<W>);

impl<W: Write> Layout for Wide<W> {
    fn begin(&mut self, hospital: &Hospital) -> io::Result<()> {
        let csv = &mut self.0;
        let width = 1 + 2 * CODE_PAIRS + 6 + GROUP_HEADERS.len() * hospital.contracts.len() + 3;
        csv.general_rows(hospital, width)?;
        csv.item_headers()?;
        for contract in &hospital.contracts {
            for (before, after) in GROUP_HEADERS {
                csv.show(format_args!(
                    "{before}{}|{}{after}",
                    contract.payer, contract.plan
                ))?;
            }
        }
        TRAILING_HEADERS
            .iter()
            .try_for_each(|header| csv.text(header))?;
        csv.end_row()
    }

    fn item(&mut self, hospital: &Hospital, item: &Item) -> io::Result<u64> {
        let csv = &mut self.0;
        for charge in &item.charges {
            csv.item_cells(item, charge)?;
            // Rates are in contract order, so one pass pairs each contract with its rate.
            let mut rates = item.rates_of(charge).iter().peekable();
            for contract in 0..hospital.contracts.len() {
                match rates.next_if(|rate| rate.contract == contract) {
                    Some(rate) => {
                        csv.rate_cells(rate)?;
                        csv.notes(rate.notes)?;
                    }
                    None => csv.blanks(GROUP_HEADERS.len())?,
                }
            }
            csv.plain(charge.min)?;
            csv.plain(charge.max)?;
            csv.notes(None)?;
            csv.end_row()?;
        }
        Ok(item.charges.len() as u64)
    }

    fn finish(&mut self, hospital: &Hospital, modifiers: &[ModifierDefinition]) -> io::Result<u64> {
        let csv = &mut self.0;
        for modifier in modifiers {
            csv.text(modifier.description)?;
            csv.blanks(2 * CODE_PAIRS)?;
            csv.text(modifier.code)?;
            csv.text("both")?;
            csv.blanks(4)?;
            let mut adjustments = modifier.adjustments.iter().peekable();
            for contract in 0..hospital.contracts.len() {
                match adjustments.next_if(|(adjusted, _)| *adjusted == contract) {
                    Some(&(_, percentage)) => {
                        csv.adjustment_cells(percentage)?;
                        csv.show(AdjustmentNote(percentage))?;
                    }
                    None => csv.blanks(GROUP_HEADERS.len())?,
                }
            }
            csv.blanks(TRAILING_HEADERS.len())?;
            csv.end_row()?;
        }
        Ok(modifiers.len() as u64)
    }
}
