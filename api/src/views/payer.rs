//! Payers and plans.

use priceline_store::queries::payers::PayerPlan;
use serde::Serialize;
use utoipa::ToSchema;

use super::list_view;

/// A payer's plan, with its reach among current snapshots (or those of `as_of`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "payer_name": "Platform Health Insurance", "plan_name": "PPO",
                          "facilities": 1, "rates": 12}))]
pub struct PayerPlanView {
    pub id: i64,
    pub payer_name: String,
    pub plan_name: Option<String>,
    pub facilities: u64,
    pub rates: u64,
}

impl From<PayerPlan> for PayerPlanView {
    fn from(plan: PayerPlan) -> Self {
        Self {
            id: plan.id,
            payer_name: plan.payer_name,
            plan_name: plan.plan_name,
            facilities: plan.facilities,
            rates: plan.rates,
        }
    }
}

list_view!(
    /// A page of payer plans, by payer then plan name.
    PayerPlanList,
    PayerPlanView
);
