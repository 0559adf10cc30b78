//! The directory the FHIR interface serves beside prices: hospitals (with their locations) and payer
//! plans, each with the snapshot file its current description comes from, which versions it.
//!
//! Both are small (facilities number in the thousands at most, payer plans in the thousands), so
//! they are read whole and paged here by id (keyset), which is also how an export walks them.

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
    // The newest current file of each plan: its version.
    let mut newest: HashMap<i64, (i64, NaiveDateTime)> = HashMap::new();
    for (plan, file, imported_at) in file_payer_plans::table
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
        .load::<(i64, i64, NaiveDateTime)>(connection)?
    {
        let entry = newest.entry(plan).or_insert((file, imported_at));
        if file > entry.0 {
            *entry = (file, imported_at);
        }
    }
    let all: Vec<(i64, String, String)> = payer_plans::table
        .order(payer_plans::id)
        .select((
            payer_plans::id,
            payer_plans::payer_name,
            payer_plans::plan_name,
        ))
        .load(connection)?;
    let mut payer_ids: HashMap<&str, i64> = HashMap::new();
    for (id, payer, _) in &all {
        payer_ids.entry(payer.as_str()).or_insert(*id);
    }
    Ok(all
        .iter()
        .filter_map(|(id, payer_name, plan_name)| {
            let (source_file_id, imported_at) = *newest.get(id)?;
            Some(PlanEntry {
                id: *id,
                payer_name: payer_name.clone(),
                plan_name: (!plan_name.is_empty()).then(|| plan_name.clone()),
                payer_id: payer_ids.get(payer_name.as_str()).copied().unwrap_or(*id),
                source_file_id,
                imported_at,
            })
        })
        .collect())
}
