//! Payers and plans, and the contracts a hospital holds with them. Names look like what hospitals
//! publish (`Aetna` / `Commercial PPO`); the plan's tier sets how generously it pays.

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Commercial,
    ManagedCare,
    MedicareAdvantage,
    Medicaid,
    Marketplace,
}

impl Tier {
    /// Payment level in basis points of the catalogue's reference price.
    fn factor_range(self) -> (u64, u64) {
        match self {
            Tier::Commercial => (11_000, 16_500),
            Tier::ManagedCare => (9_500, 13_000),
            Tier::MedicareAdvantage => (8_000, 10_500),
            Tier::Medicaid => (5_500, 8_000),
            Tier::Marketplace => (8_500, 11_000),
        }
    }
}

use Tier::{Commercial, ManagedCare, Marketplace, Medicaid, MedicareAdvantage};

static PAYERS: &[(&str, &[(&str, Tier)])] = &[
    (
        "Aetna",
        &[
            ("Commercial PPO", Commercial),
            ("Open Access HMO", ManagedCare),
            ("Medicare Advantage PPO", MedicareAdvantage),
        ],
    ),
    (
        "Blue Cross Blue Shield",
        &[
            ("PPO", Commercial),
            ("HMO", ManagedCare),
            ("Federal Employee Program", Commercial),
        ],
    ),
    (
        "Cigna",
        &[
            ("Open Access Plus", Commercial),
            ("LocalPlus", ManagedCare),
            ("Medicare Advantage", MedicareAdvantage),
        ],
    ),
    (
        "UnitedHealthcare",
        &[
            ("Choice Plus PPO", Commercial),
            ("Navigate HMO", ManagedCare),
            ("Medicare Advantage HMO", MedicareAdvantage),
            ("Community Plan Medicaid", Medicaid),
        ],
    ),
    (
        "Humana",
        &[
            ("Medicare Advantage HMO", MedicareAdvantage),
            ("Medicare Advantage PPO", MedicareAdvantage),
            ("Commercial PPO", Commercial),
        ],
    ),
    (
        "Anthem",
        &[
            ("Blue Access PPO", Commercial),
            ("Pathway HMO", ManagedCare),
        ],
    ),
    ("Kaiser Permanente", &[("HMO", ManagedCare)]),
    (
        "Molina Healthcare",
        &[
            ("Medicaid Managed Care", Medicaid),
            ("Marketplace", Marketplace),
        ],
    ),
    ("Ambetter", &[("Marketplace Silver", Marketplace)]),
    ("Oscar Health", &[("EPO", Marketplace)]),
    ("Tricare", &[("Select", Commercial)]),
    ("Wellcare", &[("Medicare Advantage HMO", MedicareAdvantage)]),
];

/// A hospital's contract with one payer's plan: one Tall `payer_name`/`plan_name` pair, one Wide
/// column group, one JSON `payers_information` name pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub payer: &'static str,
    pub plan: &'static str,
    /// How much this contract pays, in basis points of the reference price.
    pub(crate) factor_bp: u64,
}

/// 5–8 payers with 1–3 plans each, in a hospital-specific order (the order of the Wide columns).
pub(crate) fn contracts(rng: &mut Rng) -> Vec<Contract> {
    let mut payers: Vec<usize> = (0..PAYERS.len()).collect();
    rng.shuffle(&mut payers);
    payers.truncate(rng.range(5, 8) as usize);
    let mut contracts = Vec::new();
    for payer in payers {
        let (name, plans) = PAYERS[payer];
        let mut chosen: Vec<usize> = (0..plans.len()).collect();
        rng.shuffle(&mut chosen);
        chosen.truncate(rng.range(1, plans.len().min(3) as u64) as usize);
        chosen.sort_unstable();
        for plan in chosen {
            let (plan, tier) = plans[plan];
            let (low, high) = tier.factor_range();
            contracts.push(Contract {
                payer: name,
                plan,
                factor_bp: rng.range(low, high),
            });
        }
    }
    contracts
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn contracts_are_distinct_even_ignoring_case() {
        for seed in 0..50 {
            let contracts = contracts(&mut Rng::derive(seed, 0, 0));
            assert!((5..=24).contains(&contracts.len()), "{}", contracts.len());
            let names: HashSet<String> = contracts
                .iter()
                .map(|contract| format!("{}|{}", contract.payer, contract.plan).to_lowercase())
                .collect();
            assert_eq!(names.len(), contracts.len());
        }
    }
}
