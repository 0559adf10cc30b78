//! One code across facilities, cheapest first: "where is this cheaper?".

use std::collections::{BTreeMap, BTreeSet};

use priceline_domain::{Amount, ChargeKind, CodeType, Setting};
use serde::{Deserialize, Serialize};

use super::code_amounts;
use super::facilities::{FacilitySummary, matching};
use super::{FacilityFilter, Page, Scope};
use crate::StoreResult;
use crate::codec::decode_amount;
use crate::connection::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareQuery {
    pub scope: Scope,
    pub facilities: FacilityFilter,
    pub code_type: CodeType,
    pub code: String,
    pub setting: Option<Setting>,
    /// The dollar kind facilities are ranked by (a percentage or an algorithm is not a price).
    pub kind: ChargeKind,
}

/// The lowest and highest amount of one dollar kind at a facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountRange {
    pub kind: ChargeKind,
    pub lowest: Amount,
    pub highest: Amount,
    pub count: u64,
}

/// A facility's prices for the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityPrice {
    pub facility: FacilitySummary,
    /// The facility's lowest amount of the query's kind; `None` for a facility that states the
    /// code but not that kind (listed after every ranked one).
    pub price: Option<Amount>,
    /// Every kind of charge the facility states for the code.
    pub kinds: Vec<ChargeKind>,
    /// Ranges of the dollar kinds among them.
    pub ranges: Vec<AmountRange>,
}

/// Facilities are ranked by price, then id; those without the ranked kind come after all others,
/// by id. Fields are compared in order, so `unranked` (false first) must stay the first field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CompareKey {
    /// The facility states the code but not the ranked kind. Absent from cursors made before
    /// such facilities were listed, which were all ranked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unranked: bool,
    /// The facility's lowest amount of the ranked kind; 0 when unranked.
    pub price_micros: i64,
    pub facility_id: i64,
}

/// A facility's amounts of each dollar kind, in micro-units.
type AmountsByKind = BTreeMap<ChargeKind, Vec<i64>>;

/// Facilities stating the code: those with the query's kind cheapest first, then the others (so a
/// client sees every facility that prices the code, and which lack the kind), after `after`.
pub fn compare(
    connection: &mut DbConnection,
    query: &CompareQuery,
    after: Option<&CompareKey>,
    limit: usize,
) -> StoreResult<Page<FacilityPrice, CompareKey>> {
    let facilities: BTreeMap<i64, FacilitySummary> =
        matching(connection, query.scope, &query.facilities)?
            .into_iter()
            .map(|facility| (facility.id, facility))
            .collect();
    let files: Vec<i64> = facilities.values().map(|f| f.source_file_id).collect();
    let lines = code_amounts::load(
        connection,
        &files,
        query.code_type,
        &query.code,
        query.setting,
    )?;
    let mut by_facility: BTreeMap<i64, (BTreeSet<ChargeKind>, AmountsByKind)> = BTreeMap::new();
    // A charge comes once per payer rate: its own amounts (gross, cash, min, max) count once.
    let mut charges_seen = BTreeSet::new();
    for line in &lines {
        let (kinds, amounts) = by_facility.entry(line.facility_id).or_default();
        let first_of_charge = charges_seen.insert(line.charge_id);
        let line_amounts = line.amounts();
        for kind in ChargeKind::DOLLAR {
            if kind.of_the_charge() && !first_of_charge {
                continue;
            }
            if let Some(micros) = line_amounts.of(kind).flatten() {
                kinds.insert(kind);
                amounts.entry(kind).or_default().push(micros);
            }
        }
        if let Some(rate) = &line.rate {
            if rate.negotiated_percentage.is_some() {
                kinds.insert(ChargeKind::NegotiatedPercentage);
            }
            if rate.has_algorithm {
                kinds.insert(ChargeKind::NegotiatedAlgorithm);
            }
        }
    }
    let mut ranked: Vec<(CompareKey, FacilityPrice)> = Vec::new();
    for (facility_id, (kinds, amounts)) in by_facility {
        let lowest = amounts
            .get(&query.kind)
            .and_then(|v| v.iter().min())
            .copied();
        let key = CompareKey {
            unranked: lowest.is_none(),
            price_micros: lowest.unwrap_or_default(),
            facility_id,
        };
        if after.is_some_and(|after| key <= *after) {
            continue;
        }
        let Some(facility) = facilities.get(&facility_id).cloned() else {
            continue;
        };
        let ranges = amounts
            .iter()
            .map(|(kind, values)| {
                let low = values.iter().min().copied().unwrap_or_default();
                let high = values.iter().max().copied().unwrap_or_default();
                Ok(AmountRange {
                    kind: *kind,
                    lowest: decode_amount("amount", low, Amount::from_micros)?,
                    highest: decode_amount("amount", high, Amount::from_micros)?,
                    count: values.len() as u64,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        ranked.push((
            key,
            FacilityPrice {
                facility,
                price: lowest
                    .map(|micros| decode_amount("amount", micros, Amount::from_micros))
                    .transpose()?,
                kinds: kinds.into_iter().collect(),
                ranges,
            },
        ));
    }
    ranked.sort_by_key(|(key, _)| *key);
    ranked.truncate(limit + 1);
    let page = Page::from_overfetch(ranked, limit, |(key, _)| *key, None);
    Ok(Page {
        items: page.items.into_iter().map(|(_, price)| price).collect(),
        next: page.next,
        total: None,
    })
}
