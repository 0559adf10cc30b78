//! Payers and plans as the files name them, with how many facilities and rates each has in scope.

use std::collections::HashMap;

use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable};
use serde::{Deserialize, Serialize};

use super::facilities::source_file_ids;
use super::text::{LIKE_ESCAPE, contains_pattern, lower};
use super::{FacilityFilter, Page, Scope};
use crate::StoreResult;
use crate::connection::{DbConnection, MultiBackend};
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
///
/// The page is walked in name order through the plans' `(payer_name, plan_name)` key, each plan
/// kept when a file in scope has rates for it, and only the page's plans are then counted: what a
/// page reads grows with the page, not with the directory. Grouping every plan in scope and sorting
/// the groups read the whole directory for each page (1.2 s a page on PostgreSQL with 300,000 plans,
/// which a national deployment's hospitals name between them). Both statements must see one
/// state of the data: callers run it in one read transaction (`consistent_read`).
pub fn search(
    connection: &mut DbConnection,
    scope: Scope,
    name: Option<&str>,
    after: Option<&PayerPlanKey>,
    limit: usize,
) -> StoreResult<Page<PayerPlan, PayerPlanKey>> {
    let files = match scope {
        Scope::Current => None,
        Scope::AsOf(_) => Some(source_file_ids(
            connection,
            scope,
            &FacilityFilter::default(),
        )?),
    };
    let mut plans = payer_plans::table
        .filter(has_rates_in(files.as_deref()))
        .select((
            payer_plans::id,
            payer_plans::payer_name,
            payer_plans::plan_name,
        ))
        .order((payer_plans::payer_name, payer_plans::plan_name))
        .limit(limit as i64 + 1)
        .into_boxed();
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
        // `payer_name >= …` beside the OR makes the cursor a range of the key: the OR alone was a
        // filter, and a late page walked every plan before it.
        plans = plans.filter(payer_plans::payer_name.ge(after.payer_name.clone()));
        plans = plans.filter(
            payer_plans::payer_name
                .gt(after.payer_name.clone())
                .or(payer_plans::payer_name
                    .eq(after.payer_name.clone())
                    .and(payer_plans::plan_name.gt(after.plan_name.clone()))),
        );
    }
    let plans: Vec<(i64, String, String)> = plans.load(connection)?;
    // The one past the page only tells that another page follows: not counted.
    let ids: Vec<i64> = plans.iter().take(limit).map(|(id, ..)| *id).collect();
    let reach = reach(connection, &ids, files.as_deref())?;
    let plans: Vec<PayerPlan> = plans
        .into_iter()
        .map(|(id, payer_name, plan_name)| {
            let (facilities, rates) = reach.get(&id).copied().unwrap_or_default();
            PayerPlan {
                id,
                payer_name,
                plan_name: (!plan_name.is_empty()).then_some(plan_name),
                facilities: facilities.max(0) as u64,
                rates: rates.max(0) as u64,
            }
        })
        .collect();
    Ok(Page::from_overfetch(plans, limit, PayerPlan::key, None))
}

/// Whether a file's rates of a plan are in scope: a current file's (`files` `None`), or one of
/// `files`'.
fn in_scope(
    files: Option<&[i64]>,
) -> Box<dyn BoxableExpression<file_payer_plans::table, MultiBackend, SqlType = Nullable<Bool>>> {
    match files {
        // The facilities' current files as a subquery: no list of ids to send and parse.
        None => Box::new(
            file_payer_plans::source_file_id
                .nullable()
                .eq_any(facilities::table.select(facilities::current_source_file_id)),
        ),
        Some(files) => Box::new(
            file_payer_plans::source_file_id
                .eq_any(files.to_vec())
                .nullable(),
        ),
    }
}

/// Whether a file in scope (as [`in_scope`]) has rates for the plan: a probe of
/// `file_payer_plans (payer_plan_id, source_file_id)`. Spelled out for each scope, since a
/// subquery that names the outer table takes no boxed condition.
fn has_rates_in(
    files: Option<&[i64]>,
) -> Box<dyn BoxableExpression<payer_plans::table, MultiBackend, SqlType = Bool>> {
    let of_plan =
        file_payer_plans::table.filter(file_payer_plans::payer_plan_id.eq(payer_plans::id));
    match files {
        None => Box::new(dsl::exists(
            of_plan.filter(
                file_payer_plans::source_file_id
                    .nullable()
                    .eq_any(facilities::table.select(facilities::current_source_file_id)),
            ),
        )),
        Some(files) => Box::new(dsl::exists(
            of_plan.filter(file_payer_plans::source_file_id.eq_any(files.to_vec())),
        )),
    }
}

/// How many files in scope have rates for each of the plans `ids`, and how many rates they hold.
fn reach(
    connection: &mut DbConnection,
    ids: &[i64],
    files: Option<&[i64]>,
) -> StoreResult<HashMap<i64, (i64, i64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back, which SQLite takes as is.
    let rates = dsl::sql::<BigInt>("CAST(SUM(file_payer_plans.rates) AS BIGINT)");
    Ok(file_payer_plans::table
        .filter(file_payer_plans::payer_plan_id.eq_any(ids.to_vec()))
        .filter(in_scope(files))
        .group_by(file_payer_plans::payer_plan_id)
        .select((file_payer_plans::payer_plan_id, dsl::count_star(), rates))
        .load::<(i64, i64, i64)>(connection)?
        .into_iter()
        .map(|(id, facilities, rates)| (id, (facilities, rates)))
        .collect())
}

impl PayerPlan {
    fn key(&self) -> PayerPlanKey {
        PayerPlanKey {
            payer_name: self.payer_name.clone(),
            plan_name: self.plan_name.clone().unwrap_or_default(),
        }
    }
}
