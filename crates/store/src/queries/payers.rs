//! Payers and plans as the files name them, with how many facilities and rates each has in scope.

use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};

use super::facilities::source_file_ids;
use super::text::{LIKE_ESCAPE, contains_pattern, lower};
use super::{FacilityFilter, Page, Scope};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::{facilities, file_payer_plans, payer_plans};

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
/// Counts come from `file_payer_plans` (written at import): one row per file and plan, so a plan's
/// rows in scope count the facilities that use it. Matched, counted and paged by the database.
pub fn search(
    connection: &mut DbConnection,
    scope: Scope,
    name: Option<&str>,
    after: Option<&PayerPlanKey>,
    limit: usize,
) -> StoreResult<Page<PayerPlan, PayerPlanKey>> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back, which SQLite takes as is.
    let rates = dsl::sql::<BigInt>("CAST(SUM(file_payer_plans.rates) AS BIGINT)");
    let mut plans = payer_plans::table
        .inner_join(file_payer_plans::table)
        .group_by(payer_plans::id)
        .select((
            payer_plans::id,
            payer_plans::payer_name,
            payer_plans::plan_name,
            dsl::count_star(),
            rates,
        ))
        .order((payer_plans::payer_name, payer_plans::plan_name))
        .limit(limit as i64 + 1)
        .into_boxed();
    plans = match scope {
        // The facilities' current files as a subquery: no list of ids to send and parse.
        Scope::Current => plans.filter(
            file_payer_plans::source_file_id
                .nullable()
                .eq_any(facilities::table.select(facilities::current_source_file_id)),
        ),
        Scope::AsOf(_) => {
            let files = source_file_ids(connection, scope, &FacilityFilter::default())?;
            plans.filter(file_payer_plans::source_file_id.eq_any(files))
        }
    };
    if let Some(name) = name {
        let pattern = contains_pattern(name);
        plans = plans.filter(
            lower(payer_plans::payer_name)
                .like(pattern.clone())
                .escape(LIKE_ESCAPE)
                .or(lower(payer_plans::plan_name)
                    .like(pattern)
                    .escape(LIKE_ESCAPE)),
        );
    }
    if let Some(after) = after {
        plans = plans.filter(
            payer_plans::payer_name
                .gt(after.payer_name.clone())
                .or(payer_plans::payer_name
                    .eq(after.payer_name.clone())
                    .and(payer_plans::plan_name.gt(after.plan_name.clone()))),
        );
    }
    let plans: Vec<PayerPlan> = plans
        .load::<(i64, String, String, i64, i64)>(connection)?
        .into_iter()
        .map(|(id, payer_name, plan_name, facilities, rates)| PayerPlan {
            id,
            payer_name,
            plan_name: (!plan_name.is_empty()).then_some(plan_name),
            facilities: facilities.max(0) as u64,
            rates: rates.max(0) as u64,
        })
        .collect();
    Ok(Page::from_overfetch(plans, limit, PayerPlan::key, None))
}

impl PayerPlan {
    fn key(&self) -> PayerPlanKey {
        PayerPlanKey {
            payer_name: self.payer_name.clone(),
            plan_name: self.plan_name.clone().unwrap_or_default(),
        }
    }
}
