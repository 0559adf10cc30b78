//! The directory the FHIR interface serves beside prices: hospitals (with their locations) and payer
//! plans, each with the snapshot file its current description comes from, which versions it.
//!
//! Hospitals are matched and paged by the database by id (keyset), which is also how an export
//! walks them; a plan or a payer is read by its ids, the whole list only for a search.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use super::facilities::{FacilitySummary, summaries};
use super::scope::snapshot_files;
use super::{FacilityFilter, Page, Scope};
use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::{facilities, file_payer_plans, payer_plans, source_files};

/// A hospital as its current snapshot describes it, and when that snapshot was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hospital {
    pub facility: FacilitySummary,
    pub imported_at: NaiveDateTime,
}

/// One payer plan as the current snapshots name it, with the newest current file that has rates
/// for it (its version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    pub id: i64,
    pub payer_name: String,
    /// `None` when the files named no plan.
    pub plan_name: Option<String>,
    /// The id of the payer: the smallest plan id among the plans of the same payer name.
    pub payer_id: i64,
    pub source_file_id: i64,
    pub imported_at: NaiveDateTime,
}

/// The hospitals `filter` selects, by facility id, after the id `after`, at most `limit`; with the
/// total that match.
pub fn hospitals(
    connection: &mut DbConnection,
    filter: &FacilityFilter,
    after: Option<i64>,
    limit: usize,
) -> StoreResult<Page<Hospital, i64>> {
    let total: i64 = snapshot_files(Scope::Current, filter)
        .select(dsl::count_star())
        .get_result(connection)?;
    let mut in_page = snapshot_files(Scope::Current, filter);
    if let Some(after) = after {
        in_page = in_page.filter(source_files::facility_id.gt(after));
    }
    let in_page: Vec<(i64, i64)> = in_page
        .order(source_files::facility_id)
        .limit(limit as i64 + 1)
        .select((source_files::facility_id, source_files::id))
        .load(connection)?;
    let page = summaries(connection, &in_page)?;
    let files: Vec<i64> = page
        .iter()
        .map(|facility| facility.source_file_id)
        .collect();
    let imported: HashMap<i64, NaiveDateTime> = source_files::table
        .filter(source_files::id.eq_any(&files))
        .select((source_files::id, source_files::imported_at))
        .load::<(i64, NaiveDateTime)>(connection)?
        .into_iter()
        .collect();
    let hospitals = page
        .into_iter()
        .filter_map(|facility| {
            let imported_at = *imported.get(&facility.source_file_id)?;
            Some(Hospital {
                facility,
                imported_at,
            })
        })
        .collect();
    Ok(Page::from_overfetch(
        hospitals,
        limit,
        |hospital| hospital.facility.id,
        Some(total.max(0) as u64),
    ))
}

/// Every payer plan with rates in a current snapshot, by plan id.
pub fn plans(connection: &mut DbConnection) -> StoreResult<Vec<PlanEntry>> {
    entries(connection, None)
}

/// One payer plan, if it has rates in a current snapshot.
pub fn plan(connection: &mut DbConnection, id: i64) -> StoreResult<Option<PlanEntry>> {
    Ok(entries(connection, Some(&[id]))?.pop())
}

/// The plans with rates in a current snapshot of the payer `payer_id` (the smallest id among the
/// plans of its name), by plan id; none when no payer has that id.
pub fn payer(connection: &mut DbConnection, payer_id: i64) -> StoreResult<Vec<PlanEntry>> {
    let Some(name) = payer_plans::table
        .find(payer_id)
        .select(payer_plans::payer_name)
        .first::<String>(connection)
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = payer_plans::table
        .filter(payer_plans::payer_name.eq(name))
        .order(payer_plans::id)
        .select(payer_plans::id)
        .load(connection)?;
    if ids.first() != Some(&payer_id) {
        return Ok(Vec::new());
    }
    entries(connection, Some(&ids))
}

/// The plans `ids` (all without), by plan id, each with rates in a current snapshot.
fn entries(connection: &mut DbConnection, ids: Option<&[i64]>) -> StoreResult<Vec<PlanEntry>> {
    // The newest current file of each plan: its version.
    let mut files = file_payer_plans::table
        .inner_join(source_files::table.on(source_files::id.eq(file_payer_plans::source_file_id)))
        .inner_join(
            facilities::table
                .on(facilities::current_source_file_id.eq(source_files::id.nullable())),
        )
        .select((
            file_payer_plans::payer_plan_id,
            source_files::id,
            source_files::imported_at,
        ))
        .into_boxed();
    let mut plans = payer_plans::table
        .order(payer_plans::id)
        .select((
            payer_plans::id,
            payer_plans::payer_name,
            payer_plans::plan_name,
        ))
        .into_boxed();
    if let Some(ids) = ids {
        files = files.filter(file_payer_plans::payer_plan_id.eq_any(ids.to_vec()));
        plans = plans.filter(payer_plans::id.eq_any(ids.to_vec()));
    }
    let mut newest: HashMap<i64, (i64, NaiveDateTime)> = HashMap::new();
    for (plan, file, imported_at) in files.load::<(i64, i64, NaiveDateTime)>(connection)? {
        let entry = newest.entry(plan).or_insert((file, imported_at));
        if file > entry.0 {
            *entry = (file, imported_at);
        }
    }
    let plans: Vec<(i64, String, String)> = plans.load(connection)?;
    // Each payer's id: the smallest id among all the plans of its name (of these plans' payers
    // only when some plans are asked for; all payers' in one pass, not a list of every name).
    let mut payers = payer_plans::table
        .group_by(payer_plans::payer_name)
        .select((payer_plans::payer_name, dsl::min(payer_plans::id)))
        .into_boxed();
    if ids.is_some() {
        let mut names: Vec<&str> = plans.iter().map(|(_, payer, _)| payer.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        payers = payers.filter(payer_plans::payer_name.eq_any(names));
    }
    let payer_ids: HashMap<String, i64> = payers
        .load::<(String, Option<i64>)>(connection)?
        .into_iter()
        .filter_map(|(name, id)| Some((name, id?)))
        .collect();
    Ok(plans
        .into_iter()
        .filter_map(|(id, payer_name, plan_name)| {
            let (source_file_id, imported_at) = *newest.get(&id)?;
            Some(PlanEntry {
                id,
                payer_id: payer_ids.get(&payer_name).copied().unwrap_or(id),
                payer_name,
                plan_name: (!plan_name.is_empty()).then_some(plan_name),
                source_file_id,
                imported_at,
            })
        })
        .collect())
}
