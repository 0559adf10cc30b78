//! CSV Tall: one row per item × setting/modifier × payer/plan; a charge without payer rates gets
//! one row with its gross and cash only. Modifier definitions follow the items, one row per payer.

use std::io::{self, Write};

use crate::Layout;
use crate::csv::{CODE_PAIRS, CsvWriter, Rendered};
use crate::hospital::Hospital;
use crate::model::{AdjustmentNote, Item, ModifierDefinition};

/// Row-3 headers after the item columns (v3.0 template order).
const PAYER_HEADERS: [&str; 13] = [
    "payer_name",
    "plan_name",
    "standard_charge|negotiated_dollar",
    "standard_charge|negotiated_percentage",
    "standard_charge|negotiated_algorithm",
    "median_amount",
    "10th_percentile",
    "90th_percentile",
    "count",
    "standard_charge|methodology",
    "standard_charge|min",
    "standard_charge|max",
    "additional_generic_notes",
];

/// Item columns before the payer columns: description, code pairs and six more.
const ITEM_COLUMNS: usize = 1 + 2 * CODE_PAIRS + 6;

pub(crate) struct Tall<W: Write> {
    csv: CsvWriter<W>,
    /// The current charge's item columns.
    item_cells: Rendered,
}

impl<W: Write> Tall<W> {
    pub fn new(out: W) -> Self {
        Self {
            csv: CsvWriter::new(out),
            item_cells: Rendered::new(),
        }
    }
}

impl<W: Write> Layout for Tall<W> {
    fn begin(&mut self, hospital: &Hospital) -> io::Result<()> {
        let csv = &mut self.csv;
        csv.general_rows(hospital, ITEM_COLUMNS + PAYER_HEADERS.len())?;
        csv.item_headers()?;
        PAYER_HEADERS
            .iter()
            .try_for_each(|header| csv.text(header))?;
        csv.end_row()
    }

    fn item(&mut self, hospital: &Hospital, item: &Item) -> io::Result<u64> {
        let csv = &mut self.csv;
        for charge in &item.charges {
            self.item_cells.writer().item_cells(item, charge)?;
            let rates = item.rates_of(charge);
            if rates.is_empty() {
                csv.rendered(&self.item_cells)?;
                csv.blanks(10)?;
                csv.plain(charge.min)?;
                csv.plain(charge.max)?;
                csv.notes(None)?;
                csv.end_row()?;
            }
            for rate in rates {
                let contract = &hospital.contracts[rate.contract];
                csv.rendered(&self.item_cells)?;
                csv.text(contract.payer)?;
                csv.text(contract.plan)?;
                csv.rate_cells(rate)?;
                csv.plain(charge.min)?;
                csv.plain(charge.max)?;
                csv.notes(rate.notes)?;
                csv.end_row()?;
            }
        }
        Ok(item.tall_rows())
    }

    fn finish(&mut self, hospital: &Hospital, modifiers: &[ModifierDefinition]) -> io::Result<u64> {
        let csv = &mut self.csv;
        let mut rows = 0;
        for modifier in modifiers {
            for &(contract, percentage) in &modifier.adjustments {
                let contract = &hospital.contracts[contract];
                csv.text(modifier.description)?;
                csv.blanks(2 * CODE_PAIRS)?;
                csv.text(modifier.code)?;
                csv.text("both")?;
                csv.blanks(4)?;
                csv.text(contract.payer)?;
                csv.text(contract.plan)?;
                csv.adjustment_cells(percentage)?;
                csv.blanks(2)?;
                csv.show(AdjustmentNote(percentage))?;
                csv.end_row()?;
                rows += 1;
            }
        }
        Ok(rows)
    }
}
