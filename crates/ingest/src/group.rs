//! Rebuilding items from rows. A Tall file repeats the item on every payer row, and a Wide file may
//! split one item's charges over consecutive rows; both become one `Item` per run of consecutive
//! rows with the same description, codes and drug, and one `StandardCharge` per run of the same
//! setting, modifiers, billing class, gross, cash, min, max and generic notes. Merging only
//! consecutive rows keeps memory bounded by the largest item, and is exact for files written item by
//! item, which is how the templates are filled.
//!
//! Exact repeats of a row are found wherever they are: within the current group by its own rows,
//! and across groups through [`Repeats`], which reads back the rows of earlier groups of the same
//! item when a group starts.

use std::hash::{BuildHasher, Hash, Hasher};
use std::io;

use priceline_domain::{Item, Modifier, RecordLocation, StandardCharge};

use crate::record::{ModifierRecord, Record};
use crate::repeats::{Repeats, Rows};
use crate::summary::ReadSummary;

pub(crate) struct Grouper {
    item: Option<Item>,
    modifier: Option<ModifierRecord>,
    /// The rows of the current item or modifier (row hash → row), its own and those of earlier
    /// groups of the same item, to recognise exact repeats.
    rows: Rows,
    repeats: Repeats,
}

impl Grouper {
    pub fn new() -> Self {
        Self {
            item: None,
            modifier: None,
            rows: Rows::default(),
            repeats: Repeats::new(),
        }
    }

    /// The row an exact repeat of the current item's or modifier's rows repeats.
    pub fn repeat_of(&self, row_hash: u64) -> Option<u64> {
        self.rows.get(&row_hash).copied()
    }

    /// For a row that starts a new group of `item`: the earlier row it repeats, anywhere above.
    pub fn repeat_of_item(&mut self, item: &Item, row_hash: u64) -> Option<u64> {
        if self
            .item
            .as_ref()
            .is_some_and(|current| same_item(current, item))
        {
            return None;
        }
        self.repeats
            .recall(item_identity(item))
            .get(&row_hash)
            .copied()
    }

    /// As [`Grouper::repeat_of_item`], for a modifier row.
    pub fn repeat_of_modifier(&mut self, modifier: &Modifier, row_hash: u64) -> Option<u64> {
        if self
            .modifier
            .as_ref()
            .is_some_and(|current| same_modifier(&current.modifier, modifier))
        {
            return None;
        }
        self.repeats
            .recall(modifier_identity(modifier))
            .get(&row_hash)
            .copied()
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
        (row_hash, row): (u64, u64),
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
        self.rows.insert(row_hash, row);
    }

    pub fn push_item(
        &mut self,
        item: Item,
        (row_hash, row): (u64, u64),
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
                self.repeats
                    .recall_into(item_identity(&item), &mut self.rows);
                self.item = Some(item);
            }
        }
        self.rows.insert(row_hash, row);
    }

    pub fn push_modifier(
        &mut self,
        modifier: Modifier,
        source: RecordLocation,
        (row_hash, row): (u64, u64),
        summary: &mut ReadSummary,
        sink: &mut dyn FnMut(Record),
    ) {
        summary.modifier_rows += 1;
        self.flush_item(summary, sink);
        match &mut self.modifier {
            Some(current) if same_modifier(&current.modifier, &modifier) => {
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
                self.repeats
                    .recall_into(modifier_identity(&modifier), &mut self.rows);
                self.modifier = Some(ModifierRecord { modifier, source });
            }
        }
        self.rows.insert(row_hash, row);
    }

    /// Passes on the last group. Fails with the I/O error of the repeats' temporary file, if one
    /// happened: repeats further apart than a group could then have gone unnoticed.
    pub fn finish(
        &mut self,
        summary: &mut ReadSummary,
        sink: &mut dyn FnMut(Record),
    ) -> io::Result<()> {
        self.flush_item(summary, sink);
        self.flush_modifier(summary, sink);
        self.repeats.finish()
    }

    fn flush_item(&mut self, summary: &mut ReadSummary, sink: &mut dyn FnMut(Record)) {
        if let Some(item) = self.item.take() {
            self.repeats.remember(item_identity(&item), &self.rows);
            self.rows.clear();
            count_item(&item, summary);
            sink(Record::Item(item));
        }
    }

    fn flush_modifier(&mut self, summary: &mut ReadSummary, sink: &mut dyn FnMut(Record)) {
        if let Some(modifier) = self.modifier.take() {
            self.repeats
                .remember(modifier_identity(&modifier.modifier), &self.rows);
            self.rows.clear();
            summary.modifiers += 1;
            sink(Record::Modifier(modifier));
        }
    }
}

/// What identifies an item among the groups of a file: its description and codes (its drug
/// information too would only tell apart rows that already differ). Equal rows give equal items,
/// so they have the same identity; two items with the same identity only cost a read.
pub(crate) fn item_identity(item: &Item) -> u64 {
    let mut hasher = identity_hasher();
    hasher.write_u8(b'I');
    item.description.hash(&mut hasher);
    item.codes.hash(&mut hasher);
    hasher.finish()
}

pub(crate) fn modifier_identity(modifier: &Modifier) -> u64 {
    let mut hasher = identity_hasher();
    hasher.write_u8(b'M');
    modifier.code.hash(&mut hasher);
    modifier.description.hash(&mut hasher);
    hasher.finish()
}

fn identity_hasher() -> impl Hasher {
    foldhash::fast::FixedState::with_seed(IDENTITY_SEED).build_hasher()
}

/// Any fixed value: an identity only has to be the same for equal items within one read.
const IDENTITY_SEED: u64 = 0x1de7_1700_5eed_0002;

fn same_modifier(a: &Modifier, b: &Modifier) -> bool {
    a.code == b.code && a.description == b.description && a.setting == b.setting
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
