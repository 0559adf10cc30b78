//! Rebuilding items from rows. A Tall file repeats the item on every payer row, and a Wide file may
//! split one item's charges over consecutive rows; both become one `Item` per run of consecutive
//! rows with the same description, codes and drug, and one `StandardCharge` per run of the same
//! setting, modifiers, billing class, gross, cash, min, max and generic notes. Merging only
//! consecutive rows keeps memory bounded by the largest item, and is exact for files written item by
//! item, which is how the templates are filled.

use std::collections::HashSet;

use priceline_domain::{Item, Modifier, RecordLocation, StandardCharge};

use crate::record::{ModifierRecord, Record};
use crate::summary::ReadSummary;

pub(crate) struct Grouper {
    item: Option<Item>,
    modifier: Option<ModifierRecord>,
    /// Hashes of the rows of the current item or modifier, to recognise exact duplicates.
    rows: HashSet<u64>,
}

impl Grouper {
    pub fn new() -> Self {
        Self {
            item: None,
            modifier: None,
            rows: HashSet::new(),
        }
    }

    /// True when the same row was already read for the current item or modifier.
    pub fn is_duplicate(&self, row_hash: u64) -> bool {
        self.rows.contains(&row_hash)
    }

    /// The item the rows are being grouped into, if any.
    pub fn current_item(&self) -> Option<&Item> {
        self.item.as_ref()
    }

    /// A standard charge of a row of the current item (`same_item` already held): what
    /// `push_item` does for such a row, without an `Item` to build and drop.
    pub fn push_charge(
        &mut self,
        charge: StandardCharge,
        row_hash: u64,
        summary: &mut ReadSummary,
    ) {
        summary.item_rows += 1;
        let Some(current) = &mut self.item else {
            unreachable!("push_charge is only called while an item is held")
        };
        match current.standard_charges.last_mut() {
            Some(last) if same_charge(last, &charge) => merge_charge(last, charge),
            _ => current.standard_charges.push(charge),
        }
        self.rows.insert(row_hash);
    }

    pub fn push_item(
        &mut self,
        item: Item,
        row_hash: u64,
        summary: &mut ReadSummary,
        sink: &mut dyn FnMut(Record),
    ) {
        summary.item_rows += 1;
        self.flush_modifier(summary, sink);
        match &mut self.item {
            Some(current) if same_item(current, &item) => {
                for charge in item.standard_charges {
                    match current.standard_charges.last_mut() {
                        Some(last) if same_charge(last, &charge) => merge_charge(last, charge),
                        _ => current.standard_charges.push(charge),
                    }
                }
            }
            _ => {
                self.flush_item(summary, sink);
                self.item = Some(item);
            }
        }
        self.rows.insert(row_hash);
    }

    pub fn push_modifier(
        &mut self,
        modifier: Modifier,
        source: RecordLocation,
        row_hash: u64,
        summary: &mut ReadSummary,
        sink: &mut dyn FnMut(Record),
    ) {
        summary.modifier_rows += 1;
        self.flush_item(summary, sink);
        match &mut self.modifier {
            Some(current)
                if current.modifier.code == modifier.code
                    && current.modifier.description == modifier.description
                    && current.modifier.setting == modifier.setting =>
            {
                current.modifier.payer_info.extend(modifier.payer_info);
                // A later row's own notes complete the modifier when the first row had none; two
                // different notes are both kept, in row order.
                match (&mut current.modifier.notes, modifier.notes) {
                    (_, None) => {}
                    (slot @ None, notes) => *slot = notes,
                    (Some(kept), Some(more)) if *kept != more => {
                        kept.push_str(" | ");
                        kept.push_str(&more);
                    }
                    (Some(_), Some(_)) => {}
                }
            }
            _ => {
                self.flush_modifier(summary, sink);
                self.modifier = Some(ModifierRecord { modifier, source });
            }
        }
        self.rows.insert(row_hash);
    }

    pub fn finish(&mut self, summary: &mut ReadSummary, sink: &mut dyn FnMut(Record)) {
        self.flush_item(summary, sink);
        self.flush_modifier(summary, sink);
    }

    fn flush_item(&mut self, summary: &mut ReadSummary, sink: &mut dyn FnMut(Record)) {
        if let Some(item) = self.item.take() {
            count_item(&item, summary);
            sink(Record::Item(item));
            self.rows.clear();
        }
    }

    fn flush_modifier(&mut self, summary: &mut ReadSummary, sink: &mut dyn FnMut(Record)) {
        if let Some(modifier) = self.modifier.take() {
            summary.modifiers += 1;
            sink(Record::Modifier(modifier));
            self.rows.clear();
        }
    }
}

pub(crate) fn count_item(item: &Item, summary: &mut ReadSummary) {
    summary.items += 1;
    summary.standard_charges += item.standard_charges.len() as u64;
    summary.payer_rates += item
        .standard_charges
        .iter()
        .map(|charge| charge.payer_rates.len() as u64)
        .sum::<u64>();
}

fn same_item(a: &Item, b: &Item) -> bool {
    a.description == b.description && a.codes == b.codes && a.drug == b.drug
}

fn same_charge(a: &StandardCharge, b: &StandardCharge) -> bool {
    a.setting == b.setting
        && a.billing_class == b.billing_class
        && a.modifiers == b.modifiers
        && a.gross == b.gross
        && a.discounted_cash == b.discounted_cash
        && a.minimum == b.minimum
        && a.maximum == b.maximum
        && a.generic_notes == b.generic_notes
}

fn merge_charge(into: &mut StandardCharge, from: StandardCharge) {
    into.payer_rates.extend(from.payer_rates);
    for raw in from.raw_values {
        if !into.raw_values.contains(&raw) {
            into.raw_values.push(raw);
        }
    }
}
