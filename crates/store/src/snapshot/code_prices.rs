//! The compare read model (`file_code_prices`): per file, code, setting and kind of charge, the
//! lowest and highest amount and how many lines state it. "Where is this code cheaper?" then reads
//! a few rows per facility instead of every line of the code (tens of thousands for a common one).
//!
//! It covers the national code systems, not a hospital's own (`CDM`, `LOCAL`): a chargemaster number
//! is mostly one item's, so those would be a row per item, and their comparison is one facility's
//! lines, read as they are.
//!
//! The writer adds each item as it goes ([`CodePrices::add`]) and writes the rows with the file's
//! other rows, in the import's transaction: a file's figures are its own, whatever else is current,
//! so they serve every scope (`as_of` too) and are never pending. Migration `000501_file_code_prices`
//! fills them in for earlier imports with the same rules in SQL.

use std::borrow::Cow;
use std::collections::HashMap;

use priceline_domain::{Amount, ChargeKind, CodeType, Item, Percentage, Setting};

use super::cells::Cell;
use super::statistics::LOCAL_CODE_TYPES;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The lowest and highest amount of one kind and how many lines state it. An algorithm has no
/// amount: it only counts.
#[derive(Debug, Clone, Copy)]
struct Range {
    lowest: i64,
    highest: i64,
    lines: i64,
}

/// A range per [`ChargeKind::ALL`], in its order.
type Ranges = [Option<Range>; ChargeKind::ALL.len()];

fn note(ranges: &mut Ranges, kind: ChargeKind, amount: Option<i64>) {
    let Some(amount) = amount else { return };
    let slot = &mut ranges[kind as usize];
    *slot = Some(match *slot {
        None => Range {
            lowest: amount,
            highest: amount,
            lines: 1,
        },
        Some(range) => Range {
            lowest: range.lowest.min(amount),
            highest: range.highest.max(amount),
            lines: range.lines + 1,
        },
    });
}

fn merge(into: &mut Ranges, from: &Ranges) {
    for (into, from) in into.iter_mut().zip(from) {
        *into = match (*into, *from) {
            (None, from) => from,
            (into, None) => into,
            (Some(a), Some(b)) => Some(Range {
                lowest: a.lowest.min(b.lowest),
                highest: a.highest.max(b.highest),
                lines: a.lines + b.lines,
            }),
        };
    }
}

/// One file's ranges by code type and setting, then code (looked up by a borrowed code).
#[derive(Debug, Default)]
pub(super) struct CodePrices {
    by_code: FastMap<(CodeType, Setting), FastMap<String, Ranges>>,
}

impl CodePrices {
    /// Adds the item's lines under each of its national codes (a code it lists twice, once). A charge's own
    /// amounts (gross, cash, min, max) count once, each rate's once: the lines of the price API,
    /// where a charge with rates gives one line per rate.
    pub(super) fn add(&mut self, item: &Item) {
        let mut own: Vec<(Setting, Ranges)> = Vec::with_capacity(1);
        for charge in &item.standard_charges {
            let at = match own
                .iter()
                .position(|(setting, _)| *setting == charge.setting)
            {
                Some(at) => at,
                None => {
                    own.push((charge.setting, Ranges::default()));
                    own.len() - 1
                }
            };
            let ranges = &mut own[at].1;
            let dollars = |amount: Option<Amount>| amount.map(Amount::to_micros);
            note(ranges, ChargeKind::Gross, dollars(charge.gross));
            note(
                ranges,
                ChargeKind::DiscountedCash,
                dollars(charge.discounted_cash),
            );
            note(ranges, ChargeKind::Minimum, dollars(charge.minimum));
            note(ranges, ChargeKind::Maximum, dollars(charge.maximum));
            for rate in &charge.payer_rates {
                note(
                    ranges,
                    ChargeKind::NegotiatedDollar,
                    dollars(rate.negotiated_dollar),
                );
                note(
                    ranges,
                    ChargeKind::NegotiatedPercentage,
                    rate.negotiated_percentage.map(Percentage::to_micros),
                );
                note(
                    ranges,
                    ChargeKind::NegotiatedAlgorithm,
                    rate.negotiated_algorithm.as_ref().map(|_| 0),
                );
            }
        }
        for (index, code) in item.codes.iter().enumerate() {
            let local = LOCAL_CODE_TYPES.contains(&code.code_type.as_str());
            if local || item.codes[..index].contains(code) {
                continue;
            }
            for (setting, ranges) in &own {
                let codes = self.by_code.entry((code.code_type, *setting)).or_default();
                match codes.get_mut(code.code.as_str()) {
                    Some(into) => merge(into, ranges),
                    None => {
                        codes.insert(code.code.clone(), *ranges);
                    }
                }
            }
        }
    }

    /// The rows of `file_code_prices` for file `source_file_id`, in its column order.
    pub(super) fn rows(&self, source_file_id: i64) -> impl Iterator<Item = [Cell<'_>; 8]> {
        self.by_code
            .iter()
            .flat_map(move |((code_type, setting), codes)| {
                codes.iter().flat_map(move |(code, ranges)| {
                    ChargeKind::ALL
                        .into_iter()
                        .zip(ranges)
                        .filter_map(move |(kind, range)| {
                            let range = (*range)?;
                            let amount = |value: i64| {
                                if kind.has_amount() {
                                    Cell::BigInt(value)
                                } else {
                                    Cell::Null
                                }
                            };
                            Some([
                                Cell::Text(Cow::Borrowed(code_type.as_str())),
                                Cell::Text(Cow::Borrowed(code.as_str())),
                                Cell::BigInt(source_file_id),
                                Cell::Text(Cow::Borrowed(setting.as_str())),
                                Cell::Text(Cow::Borrowed(kind.as_str())),
                                amount(range.lowest),
                                amount(range.highest),
                                Cell::BigInt(range.lines),
                            ])
                        })
                })
            })
    }
}
