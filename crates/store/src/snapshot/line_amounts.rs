//! The amount-order read model (`code_line_amounts`): every amount of every line of a national code,
//! keyed by (file, code type, code, kind, amount, charge, rate). One file's lines of a code sorted by
//! an amount ("cheapest first") are then an index range read in page order, and a search merges the
//! files in scope (`queries::prices::by_amount`), where the lines' own tables make it read and sort
//! every line of the code in scope (69,000 for a common code at 10M rates: 180 times the plain
//! lookup's time).
//!
//! The lines are those of the price API: a charge's own amounts (gross, cash, minimum, maximum) once
//! per charge, with rate id 0; a rate's (dollar, percentage) once per rate. Each code an item lists
//! counts once, and hospital-defined code systems (`CDM`, `LOCAL`) are left out, as in the compare
//! read model: their searches read one facility's lines.
//!
//! The file leads the key, so an import's rows go after every earlier file's. The writer adds each
//! item as it goes and writes the rows sorted by key, a bounded batch at a time ([`FLUSH_AT`]):
//! in key order, a batch is appended to the index where the file's order of lines would touch one
//! page per row. Keyed by code first (one order across files), every import inserted all over the
//! index: the load of 200 files at 10M rates took 253 s instead of 52. Migration
//! `000701_code_line_amounts` fills the model in for earlier imports with the same rules in SQL.

use std::borrow::Cow;
use std::collections::HashMap;

use priceline_domain::{Amount, ChargeKind, CodeType, Item, Percentage};

use super::cells::Cell;
use super::statistics::LOCAL_CODE_TYPES;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Rows held before a batch is written: 32 bytes each, so a batch is at most 64 MiB whatever the
/// file's size.
pub(super) const FLUSH_AT: usize = 2 << 20;

/// The number that stands for `kind` in `code_line_amounts.kind`: its position among the API's kinds,
/// from 1 (gross 1, discounted cash 2 and negotiated dollar 3 as in the statistics read model).
pub(crate) fn kind_number(kind: ChargeKind) -> i32 {
    match kind {
        ChargeKind::Gross => 1,
        ChargeKind::DiscountedCash => 2,
        ChargeKind::NegotiatedDollar => 3,
        ChargeKind::NegotiatedPercentage => 4,
        ChargeKind::NegotiatedAlgorithm => 5,
        ChargeKind::Minimum => 6,
        ChargeKind::Maximum => 7,
    }
}

/// One row, its code as an index into [`LineAmounts::codes`].
#[derive(Debug, Clone, Copy)]
struct Entry {
    code: u32,
    kind: i32,
    amount: i64,
    charge: i64,
    rate: i64,
}

/// A batch of one file's rows.
#[derive(Debug, Default)]
pub(super) struct LineAmounts {
    /// The codes of the batch, each once, and where each is in `codes` (looked up by a borrowed code).
    codes: Vec<(CodeType, String)>,
    index: FastMap<CodeType, FastMap<String, u32>>,
    entries: Vec<Entry>,
    /// The codes of the item being added (reused).
    item_codes: Vec<u32>,
}

impl LineAmounts {
    /// Adds the item's lines under each of its national codes, the charges having ids from
    /// `first_charge_id` and the rates from `first_rate_id`, consecutively in the item's order (as
    /// the writer gives them).
    pub(super) fn add(&mut self, item: &Item, first_charge_id: i64, first_rate_id: i64) {
        self.item_codes.clear();
        for (position, code) in item.codes.iter().enumerate() {
            let local = LOCAL_CODE_TYPES.contains(&code.code_type.as_str());
            if local || item.codes[..position].contains(code) {
                continue;
            }
            let codes = self.index.entry(code.code_type).or_default();
            let at = match codes.get(code.code.as_str()) {
                Some(at) => *at,
                None => {
                    let at = u32::try_from(self.codes.len()).unwrap_or(u32::MAX);
                    codes.insert(code.code.clone(), at);
                    self.codes.push((code.code_type, code.code.clone()));
                    at
                }
            };
            self.item_codes.push(at);
        }
        if self.item_codes.is_empty() {
            return;
        }
        let dollars = |amount: Option<Amount>| amount.map(Amount::to_micros);
        let mut rate = first_rate_id;
        for (charge_id, charge) in (first_charge_id..).zip(&item.standard_charges) {
            let own = [
                (ChargeKind::Gross, dollars(charge.gross)),
                (ChargeKind::DiscountedCash, dollars(charge.discounted_cash)),
                (ChargeKind::Minimum, dollars(charge.minimum)),
                (ChargeKind::Maximum, dollars(charge.maximum)),
            ];
            self.push(charge_id, 0, own);
            for payer_rate in &charge.payer_rates {
                let amounts = [
                    (
                        ChargeKind::NegotiatedDollar,
                        dollars(payer_rate.negotiated_dollar),
                    ),
                    (
                        ChargeKind::NegotiatedPercentage,
                        payer_rate.negotiated_percentage.map(Percentage::to_micros),
                    ),
                ];
                self.push(charge_id, rate, amounts);
                rate += 1;
            }
        }
    }

    /// A row per code of the item being added and per amount stated.
    fn push<const N: usize>(
        &mut self,
        charge: i64,
        rate: i64,
        amounts: [(ChargeKind, Option<i64>); N],
    ) {
        for (kind, amount) in amounts {
            let Some(amount) = amount else { continue };
            for &code in &self.item_codes {
                self.entries.push(Entry {
                    code,
                    kind: kind_number(kind),
                    amount,
                    charge,
                    rate,
                });
            }
        }
    }

    /// Whether the batch is to be written now.
    pub(super) fn is_full(&self) -> bool {
        self.entries.len() >= FLUSH_AT
    }

    /// The batch's rows for file `source_file_id`, sorted by key, in the table's column order.
    pub(super) fn rows(&mut self, source_file_id: i64) -> impl Iterator<Item = [Cell<'_>; 7]> {
        let mut by_name: Vec<u32> = (0..).take(self.codes.len()).collect();
        by_name.sort_unstable_by(|a, b| {
            let (a, b) = (&self.codes[*a as usize], &self.codes[*b as usize]);
            (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1))
        });
        let mut rank = vec![0u32; self.codes.len()];
        for (position, code) in (0u32..).zip(&by_name) {
            rank[*code as usize] = position;
        }
        self.entries.sort_unstable_by_key(|entry| {
            (
                rank[entry.code as usize],
                entry.kind,
                entry.amount,
                entry.charge,
                entry.rate,
            )
        });
        let codes = &self.codes;
        self.entries.iter().map(move |entry| {
            let (code_type, code) = &codes[entry.code as usize];
            [
                Cell::BigInt(source_file_id),
                Cell::Text(Cow::Borrowed(code_type.as_str())),
                Cell::Text(Cow::Borrowed(code)),
                Cell::Int(entry.kind),
                Cell::BigInt(entry.amount),
                Cell::BigInt(entry.charge),
                Cell::BigInt(entry.rate),
            ]
        })
    }
}
