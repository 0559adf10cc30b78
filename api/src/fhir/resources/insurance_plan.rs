//! InsurancePlan: a payer's plan, owned by the payer's Organization.

use priceline_store::queries::directory::PlanEntry;
use serde_json::{Value, json};

use super::{meta, reference};
use crate::fhir::ids;

/// What a plan is called: its name, or its payer's when the files named no plan.
pub fn plan_name(plan: &PlanEntry) -> String {
    match &plan.plan_name {
        Some(name) => name.clone(),
        None => format!("{} (no plan named)", plan.payer_name),
    }
}

pub fn plan(plan: &PlanEntry) -> Value {
    let mut owner = reference("Organization", &ids::payer(plan.payer_id));
    owner["display"] = json!(plan.payer_name);
    json!({
        "resourceType": "InsurancePlan",
        "id": ids::plan(plan.id),
        "meta": meta(plan.source_file_id, plan.imported_at),
        "status": "active",
        "name": plan_name(plan),
        "ownedBy": owner,
    })
}
