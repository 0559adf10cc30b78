//! Draws the content of one hospital's file: which items it lists, in which settings, and what each
//! payer pays, following the CMS v3.0 conditional rules by construction (a dollar rate ⇒ min and
//! max; percentage or algorithm ⇒ count, and median/10th/90th unless the count is 0; count 0 or
//! methodology `other` ⇒ notes; every charge has a gross, cash or payer amount).

use priceline_domain::{Methodology, Setting};

use crate::catalogue::{Kind, SERVICES};
use crate::decimal::{Fixed, UNIT, scale};
use crate::hospital::{Hospital, ITEM_STREAM, MODIFIER_STREAM};
use crate::model::{
    Algorithm, AlgorithmForm, Allowed, Charge, Count, Item, ModifierDefinition, Rate, Variant,
};
use crate::rng::Rng;

const NOTE_OTHER: &str = "Methodology is explained in the algorithm data element.";
const NOTE_ZERO: &str =
    "No allowed amounts: no remittances for this service in the 15-month lookback period.";
const NOTE_OTHER_ZERO: &str = "Methodology is explained in the algorithm data element. No allowed amounts: no remittances for this service in the 15-month lookback period.";

/// Notes a hospital adds to some ordinary rates.
static INFO_NOTES: &[&str] = &[
    "Rate applies when billed with a qualifying primary service.",
    "Rate is subject to the contract's annual escalator.",
    "Paid from the payer's fee schedule in effect on the date of service.",
    "Includes routine supplies and facility services on the date of service.",
    "Implants and high-cost drugs are paid separately.",
];

/// Suffixes of chargemaster lines that repeat a catalogue service.
static VARIANT_SUFFIXES: &[&str] = &[
    "ED",
    "outpatient department",
    "hospital-based clinic",
    "pediatric",
    "after hours",
    "satellite campus",
    "add-on",
    "bedside",
    "portable",
    "observation",
];

/// Modifiers a hospital defines: code, description, typical payment share in basis points.
static MODIFIERS: &[(&str, &str, u64)] = &[
    ("50", "Bilateral procedure", 15_000),
    ("62", "Co-surgeon", 6_250),
    ("50|62", "Bilateral procedure with co-surgeon", 9_375),
    ("TC", "Technical component", 7_000),
    ("26", "Professional component", 3_000),
    ("51", "Multiple procedures", 5_000),
    ("52", "Reduced services", 5_000),
    (
        "73",
        "Discontinued outpatient procedure prior to anesthesia",
        5_000,
    ),
];

/// Tall rows one modifier definition costs out of the size budget, per this many rows asked.
const ROWS_PER_MODIFIER: u64 = 500;

/// The modifier definitions of a hospital's file: more of them for bigger files, at least one.
pub(crate) fn modifier_definitions(
    seed: u64,
    index: usize,
    hospital: &Hospital,
    rows: u64,
) -> Vec<ModifierDefinition> {
    let mut rng = Rng::derive(seed, index as u64, MODIFIER_STREAM);
    let wanted = (rows / ROWS_PER_MODIFIER).clamp(1, MODIFIERS.len() as u64) as usize;
    MODIFIERS[..wanted]
        .iter()
        .map(|&(code, description, share_bp)| {
            let mut adjustments = Vec::new();
            for contract in 0..hospital.contracts.len() {
                if rng.percent(85) {
                    adjustments.push((contract, percentage(share_bp, &mut rng)));
                }
            }
            if adjustments.is_empty() {
                adjustments.push((0, percentage(share_bp, &mut rng)));
            }
            ModifierDefinition {
                code,
                description,
                adjustments,
            }
        })
        .collect()
}

/// A percentage near `share_bp` basis points (15 000 → about 150%), as `150` or `145.50`.
fn percentage(share_bp: u64, rng: &mut Rng) -> Fixed {
    let value = scale(share_bp * 100, rng.range(9_000, 10_000));
    Fixed::round(value, if rng.percent(60) { 0 } else { 2 })
}

/// Produces the items of one file until the Tall-row budget is spent (at least one item): first the
/// catalogue in a hospital-specific order, then chargemaster variants of outpatient services.
pub(crate) struct Generator<'h> {
    hospital: &'h Hospital,
    rng: Rng,
    order: Vec<usize>,
    variant_pool: Vec<usize>,
    emitted: u64,
    remaining: u64,
}

impl<'h> Generator<'h> {
    /// `rows` is the Tall-row budget of the items (modifier rows already taken out).
    pub fn new(seed: u64, index: usize, hospital: &'h Hospital, rows: u64) -> Self {
        let mut rng = Rng::derive(seed, index as u64, ITEM_STREAM);
        let mut order: Vec<usize> = (0..SERVICES.len()).collect();
        rng.shuffle(&mut order);
        let variant_pool = (0..SERVICES.len())
            .filter(|&service| !SERVICES[service].kind.is_case())
            .collect();
        Self {
            hospital,
            rng,
            order,
            variant_pool,
            emitted: 0,
            remaining: rows,
        }
    }

    /// Fills `item` with the next item; false when the file is complete.
    pub fn next(&mut self, item: &mut Item) -> bool {
        if self.remaining == 0 && self.emitted > 0 {
            return false;
        }
        let position = self.emitted as usize;
        if let Some(&service) = self.order.get(position) {
            item.service = &SERVICES[service];
            item.variant = None;
        } else {
            item.service = &SERVICES[*self.rng.pick(&self.variant_pool)];
            let suffix = *self.rng.pick(VARIANT_SUFFIXES);
            item.variant = Some(Variant {
                suffix,
                cdm: self.hospital.cdm_base + position as u64,
            });
        }
        self.fill(item);
        self.emitted += 1;
        self.remaining = self.remaining.saturating_sub(item.tall_rows());
        true
    }

    fn fill(&mut self, item: &mut Item) {
        item.charges.clear();
        item.rates.clear();
        let kind = item.service.kind;
        let reference = scale(
            scale(
                item.service.base_cents * (UNIT / 100),
                self.hospital.price_bp,
            ),
            self.rng.range(9_000, 11_000),
        );
        use Setting::{Both, Inpatient, Outpatient};
        match kind {
            Kind::Lab | Kind::Therapy => {
                let setting = if self.rng.percent(15) {
                    Both
                } else {
                    Outpatient
                };
                self.charge(item, setting, None, reference);
            }
            Kind::Visit => self.charge(item, Outpatient, None, reference),
            Kind::Imaging => {
                self.charge(item, Outpatient, None, reference);
                if self.rng.percent(25) {
                    self.charge(item, Inpatient, None, scale(reference, 11_500));
                }
                if self.rng.percent(20) {
                    self.charge(item, Outpatient, Some("TC"), scale(reference, 7_000));
                }
                if self.rng.percent(10) {
                    self.charge(item, Outpatient, Some("26"), scale(reference, 3_000));
                }
            }
            Kind::Surgery => {
                self.charge(item, Outpatient, None, reference);
                if self.rng.percent(30) {
                    self.charge(item, Inpatient, None, scale(reference, 12_500));
                }
                if self.rng.percent(20) {
                    self.charge(item, Outpatient, Some("50"), scale(reference, 15_000));
                }
                if self.rng.percent(10) {
                    self.charge(item, Outpatient, Some("62"), scale(reference, 6_250));
                }
            }
            Kind::Drg | Kind::PsychDrg | Kind::RehabCmg | Kind::LongTermDrg | Kind::Room => {
                self.charge(item, Inpatient, None, reference);
            }
            Kind::Drug { .. } => self.charge(item, Both, None, reference),
            Kind::Supply => {
                if self.rng.percent(70) {
                    self.charge(item, Both, None, reference);
                } else {
                    self.charge(item, Outpatient, None, reference);
                    self.charge(item, Inpatient, None, scale(reference, 11_000));
                }
            }
        }
    }

    fn charge(
        &mut self,
        item: &mut Item,
        setting: Setting,
        modifier: Option<&'static str>,
        reference: u64,
    ) {
        let kind = item.service.kind;
        // Cheap drugs are priced to the hundredth of a cent, as pharmacy chargemasters do.
        let places = if matches!(kind, Kind::Drug { .. }) && reference < 10 * UNIT {
            4
        } else {
            2
        };
        let rng = &mut self.rng;
        // Hospitals often publish inpatient cases without a gross charge: the case has no single bill.
        let has_gross = if kind.is_case() {
            rng.percent(55)
        } else {
            rng.percent(97)
        };
        let markup = scale(self.hospital.markup_bp, rng.range(8_500, 11_500));
        let gross = has_gross.then(|| Fixed::round(scale(reference, markup), places));
        let cash = gross
            .filter(|_| rng.percent(92))
            .map(|gross| gross.scale(self.hospital.cash_bp));
        let start = item.rates.len();
        let coverage = if kind.is_case() { 88 } else { 78 };
        for contract in 0..self.hospital.contracts.len() {
            if self.rng.percent(coverage) {
                let rate = self.rate(kind, contract, reference, gross, places);
                item.rates.push(rate);
            }
        }
        if gross.is_none() && cash.is_none() && item.rates.len() == start {
            let contract = self.rng.below(self.hospital.contracts.len() as u64) as usize;
            let rate = self.rate(kind, contract, reference, gross, places);
            item.rates.push(rate);
        }
        let dollars = || item.rates[start..].iter().filter_map(|rate| rate.dollar);
        let (min, max) = (dollars().min(), dollars().max());
        item.charges.push(Charge {
            setting,
            modifier,
            gross,
            cash,
            min,
            max,
            rates: start..item.rates.len(),
        });
    }

    fn rate(
        &mut self,
        kind: Kind,
        contract: usize,
        reference: u64,
        gross: Option<Fixed>,
        places: u8,
    ) -> Rate {
        let rng = &mut self.rng;
        let factor = self.hospital.contracts[contract].factor_bp;
        let paid = scale(scale(reference, factor), rng.range(9_200, 10_800));
        let (dollar_methodology, percent_share, algorithm_share) = match kind {
            Kind::Lab | Kind::Visit | Kind::Imaging | Kind::Therapy => {
                (Methodology::FeeSchedule, 12, 5)
            }
            Kind::Surgery if rng.percent(60) => (Methodology::CaseRate, 10, 8),
            Kind::Surgery => (Methodology::FeeSchedule, 10, 8),
            Kind::Drg | Kind::RehabCmg | Kind::LongTermDrg => (Methodology::CaseRate, 8, 12),
            Kind::PsychDrg | Kind::Room => (Methodology::PerDiem, 10, 5),
            Kind::Drug { .. } => (Methodology::FeeSchedule, 10, 3),
            Kind::Supply => (Methodology::FeeSchedule, 40, 6),
        };
        let roll = rng.below(100);
        let mut rate = Rate {
            contract,
            methodology: dollar_methodology,
            dollar: None,
            percentage: None,
            algorithm: None,
            allowed: None,
            count: None,
            notes: None,
        };
        if roll < algorithm_share {
            let form = match kind {
                Kind::Drg | Kind::RehabCmg | Kind::LongTermDrg if rng.percent(50) => {
                    AlgorithmForm::CaseRateWithDays
                }
                Kind::Drg => AlgorithmForm::PercentOfMedicare("IPPS"),
                Kind::RehabCmg => AlgorithmForm::PercentOfMedicare("IRF PPS"),
                Kind::LongTermDrg => AlgorithmForm::PercentOfMedicare("LTCH PPS"),
                Kind::PsychDrg | Kind::Room => AlgorithmForm::PercentOfMedicare("IPF PPS"),
                Kind::Drug { .. } => AlgorithmForm::PercentOfMedicare("ASP"),
                Kind::Supply => AlgorithmForm::PercentOfInvoice,
                _ if rng.percent(50) => AlgorithmForm::LesserOf,
                _ => AlgorithmForm::PercentOfMedicare("OPPS"),
            };
            let percent = match form {
                AlgorithmForm::LesserOf => rng.range(60, 90),
                AlgorithmForm::CaseRateWithDays => rng.range(50, 100),
                AlgorithmForm::PercentOfMedicare(_) => rng.range(105, 260),
                AlgorithmForm::PercentOfInvoice => rng.range(110, 135),
            };
            rate.methodology = match form {
                AlgorithmForm::CaseRateWithDays => Methodology::CaseRate,
                _ => Methodology::Other,
            };
            rate.algorithm = Some(Algorithm {
                form,
                amount: Fixed::round(paid, 2),
                percent: Fixed::whole(percent),
                days: rng.range(3, 7),
            });
            rate.count = Some(count(rng, true));
            rate.allowed = allowed(rng, paid, places, rate.count);
        } else if roll < algorithm_share + percent_share {
            let percent_bp = rng.range(3_500, 9_500);
            rate.methodology = Methodology::PercentOfTotalBilledCharges;
            rate.percentage = Some(Fixed::round(
                percent_bp * 100,
                if rng.percent(70) { 0 } else { 1 },
            ));
            let billed = gross.map_or(scale(reference, self.hospital.markup_bp), Fixed::value);
            rate.count = Some(count(rng, true));
            rate.allowed = allowed(rng, scale(billed, percent_bp), places, rate.count);
        } else {
            rate.dollar = Some(Fixed::round(paid, places));
            if rng.percent(25) {
                rate.count = Some(count(rng, false));
                rate.allowed = allowed(rng, paid, places, rate.count);
            }
        }
        let zero = rate.count == Some(Count::Zero);
        rate.notes = match (rate.methodology == Methodology::Other, zero) {
            (true, true) => Some(NOTE_OTHER_ZERO),
            (true, false) => Some(NOTE_OTHER),
            (false, true) => Some(NOTE_ZERO),
            (false, false) => rng.percent(8).then(|| *rng.pick(INFO_NOTES)),
        };
        rate
    }
}

/// A remittance count: sometimes none, often the privacy bin, otherwise a real number.
fn count(rng: &mut Rng, may_be_zero: bool) -> Count {
    match rng.below(100) {
        0..15 if may_be_zero => Count::Zero,
        0..45 => Count::OneThroughTen,
        _ => Count::Exactly(rng.range(11, 2_500)),
    }
}

/// Median and percentiles around `center`, or none when nothing was remitted.
fn allowed(rng: &mut Rng, center: u64, places: u8, count: Option<Count>) -> Option<Allowed> {
    if count == Some(Count::Zero) {
        return None;
    }
    let median = Fixed::round(scale(center, rng.range(9_300, 10_300)), places);
    Some(Allowed {
        median,
        p10: median.scale(rng.range(5_500, 9_500)),
        p90: median.scale(rng.range(10_500, 16_000)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item as drawn, kept after the generator reuses its buffers.
    struct Drawn {
        description: String,
        tall_rows: u64,
        charges: Vec<Charge>,
        rates: Vec<Rate>,
    }

    fn items(seed: u64, index: usize, rows: u64) -> (Hospital, Vec<Drawn>) {
        let hospital = Hospital::new(seed, index);
        let mut generator = Generator::new(seed, index, &hospital, rows);
        let mut item = Item::new(&SERVICES[0]);
        let mut items = Vec::new();
        while generator.next(&mut item) {
            items.push(Drawn {
                description: item.description().to_string(),
                tall_rows: item.tall_rows(),
                charges: item.charges.clone(),
                rates: item.rates.clone(),
            });
        }
        (hospital, items)
    }

    #[test]
    fn spends_the_row_budget_and_stops() {
        let (_, small) = items(1, 0, 1);
        assert_eq!(small.len(), 1, "at least one item, then stop");
        let (_, items) = items(1, 0, 5_000);
        let rows: u64 = items.iter().map(|item| item.tall_rows).sum();
        let last = items.last().map_or(0, |item| item.tall_rows);
        assert!(rows >= 5_000 && rows < 5_000 + last, "{rows}");
        assert!(
            items.len() > SERVICES.len(),
            "variants follow the catalogue"
        );
    }

    #[test]
    fn rates_follow_the_v3_conditional_rules() {
        let (hospital, items) = items(9, 2, 20_000);
        let mut seen_methodologies = std::collections::HashSet::new();
        for Drawn {
            description,
            charges,
            rates,
            ..
        } in &items
        {
            for charge in charges {
                let rates = &rates[charge.rates.clone()];
                assert!(
                    charge.gross.is_some() || charge.cash.is_some() || !rates.is_empty(),
                    "rule 5: {description}"
                );
                let dollars: Vec<Fixed> = rates.iter().filter_map(|rate| rate.dollar).collect();
                assert_eq!(
                    charge.min,
                    dollars.iter().copied().min(),
                    "rule 6: {description}"
                );
                assert_eq!(
                    charge.max,
                    dollars.iter().copied().max(),
                    "rule 6: {description}"
                );
                let mut contracts = rates.iter().map(|rate| rate.contract).peekable();
                while let Some(contract) = contracts.next() {
                    assert!(contract < hospital.contracts.len());
                    assert!(
                        contracts.peek().is_none_or(|next| *next > contract),
                        "one rate per contract, in order"
                    );
                }
                for rate in rates {
                    seen_methodologies.insert(rate.methodology);
                    let charged = [
                        rate.dollar.is_some(),
                        rate.percentage.is_some(),
                        rate.algorithm.is_some(),
                    ];
                    assert_eq!(charged.iter().filter(|c| **c).count(), 1);
                    if rate.percentage.is_some() || rate.algorithm.is_some() {
                        assert!(rate.count.is_some(), "rule 7");
                        if rate.count != Some(Count::Zero) {
                            assert!(rate.allowed.is_some(), "rule 8");
                        }
                    }
                    if rate.count == Some(Count::Zero) || rate.methodology == Methodology::Other {
                        assert!(rate.notes.is_some(), "rules 4 and 9");
                    }
                    if let Some(allowed) = rate.allowed {
                        assert!(allowed.p10 <= allowed.median && allowed.median <= allowed.p90);
                    }
                }
            }
        }
        assert_eq!(seen_methodologies.len(), 5, "every methodology appears");
    }

    #[test]
    fn modifier_definitions_grow_with_the_file() {
        let hospital = Hospital::new(3, 1);
        assert_eq!(modifier_definitions(3, 1, &hospital, 10).len(), 1);
        let all = modifier_definitions(3, 1, &hospital, 1_000_000);
        assert_eq!(all.len(), MODIFIERS.len());
        assert!(
            all.iter()
                .all(|definition| !definition.adjustments.is_empty())
        );
    }
}
