//! Payers and plans as the files name them, with how many facilities and rates each has in scope.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::facilities::source_file_ids;
use super::text::{LIKE_ESCAPE, contains, contains_pattern, lower};
use super::{FacilityFilter, Page, Scope};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::{file_payer_plans, payer_plans};

/// One payer's plan with its reach in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerPlan {
    pub id: i64,
    pub payer_name: String,
    /// `None` when the file named no plan.
    pub plan_name: Option<String>,
    pub facilities: u64,
    pub rates: u64,
}

/// Payer plans are listed by payer name, then plan name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PayerPlanKey {
    pub payer_name: String,
    pub plan_name: String,
}

/// Ids of the payer plans whose payer and plan names contain the given texts (any case).
pub(crate) fn plan_ids(
    connection: &mut DbConnection,
    payer: Option<&str>,
    plan: Option<&str>,
) -> StoreResult<Vec<i64>> {
    let mut query = payer_plans::table.select(payer_plans::id).into_boxed();
    if let Some(payer) = payer {
        query = query.filter(
            lower(payer_plans::payer_name)
                .like(contains_pattern(payer))
                .escape(LIKE_ESCAPE),
        );
    }
    if let Some(plan) = plan {
        query = query.filter(
            lower(payer_plans::plan_name)
                .like(contains_pattern(plan))
                .escape(LIKE_ESCAPE),
        );
    }
    Ok(query.load(connection)?)
}

/// Payer plans with at least one rate in scope whose payer or plan name contains `name`, after `after`.
/// Counts come from `file_payer_plans` (written at import): one row per file and plan in scope.
pub fn search(
    connection: &mut DbConnection,
    scope: Scope,
    name: Option<&str>,
    after: Option<&PayerPlanKey>,
    limit: usize,
) -> StoreResult<Page<PayerPlan, PayerPlanKey>> {
    let files = source_file_ids(connection, scope, &FacilityFilter::default())?;
    // Summed here rather than by SQL: SUM of a BIGINT is NUMERIC on PostgreSQL and BIGINT on SQLite.
    // One row per (file, plan), so the rows of a plan count the files (facilities) that use it.
    let mut reach: HashMap<i64, (i64, i64)> = HashMap::new();
    for (plan, rates) in file_payer_plans::table
        .filter(file_payer_plans::source_file_id.eq_any(&files))
        .select((file_payer_plans::payer_plan_id, file_payer_plans::rates))
        .load::<(i64, i64)>(connection)?
    {
        let entry = reach.entry(plan).or_default();
        entry.0 += rates;
        entry.1 += 1;
    }
    let mut plans: Vec<(PayerPlanKey, PayerPlan)> = payer_plans::table
        .select((
            payer_plans::id,
            payer_plans::payer_name,
            payer_plans::plan_name,
        ))
        .load::<(i64, String, String)>(connection)?
        .into_iter()
        .filter_map(|(id, payer_name, plan_name)| {
            let (rates, facilities) = *reach.get(&id)?;
            let wanted =
                name.is_none_or(|name| contains(&payer_name, name) || contains(&plan_name, name));
            let key = PayerPlanKey {
                payer_name: payer_name.clone(),
                plan_name: plan_name.clone(),
            };
            (wanted && after.is_none_or(|after| key > *after)).then(|| {
                let plan = PayerPlan {
                    id,
                    payer_name,
                    plan_name: (!plan_name.is_empty()).then_some(plan_name),
                    facilities: facilities.max(0) as u64,
                    rates: rates.max(0) as u64,
                };
                (key, plan)
            })
        })
        .collect();
    plans.sort_by(|a, b| a.0.cmp(&b.0));
    plans.truncate(limit + 1);
    let page = Page::from_overfetch(plans, limit, |(key, _)| key.clone(), None);
    Ok(Page {
        items: page.items.into_iter().map(|(_, plan)| plan).collect(),
        next: page.next,
        total: page.total,
    })
}
