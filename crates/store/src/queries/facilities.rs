//! Facilities as of their snapshot in scope: search and one facility with its files.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl;
use diesel::prelude::*;
use priceline_domain::StateCode;
use serde::{Deserialize, Serialize};

use super::scope::{FacilityFilter, Scope, facility_snapshots, snapshot_files};
use super::source_files::{self, FileStatus, SourceFileSummary};
use super::{Page, Place};
use crate::codec::decode_opt;
use crate::connection::DbConnection;
use crate::schema::{facilities, file_locations, file_npis, source_files as files};
use crate::{StoreError, StoreResult};

/// A facility as its snapshot in scope describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilitySummary {
    pub id: i64,
    /// The snapshot this description comes from.
    pub source_file_id: i64,
    pub name: String,
    pub license_state: Option<StateCode>,
    pub license_number: Option<String>,
    pub ccn: Option<String>,
    pub ein: Option<String>,
    pub places: Vec<Place>,
    pub npis: Vec<String>,
    pub last_updated_on: Option<NaiveDate>,
}

impl FacilitySummary {
    fn key(&self) -> FacilityKey {
        FacilityKey {
            name: self.name.clone(),
            id: self.id,
        }
    }
}

/// Facilities are listed by name, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FacilityKey {
    pub name: String,
    pub id: i64,
}

/// One facility with its snapshot in scope and every file it has published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityDetail {
    pub facility: FacilitySummary,
    pub snapshot: SourceFileSummary,
    /// The facility's newest rejected submission, if it has one (newer or older than `snapshot`).
    pub last_rejected: Option<SourceFileSummary>,
    pub files: Vec<SourceFileSummary>,
}

/// Facilities matching `filter`, by name then id, after `after`.
pub fn search(
    connection: &mut DbConnection,
    scope: Scope,
    filter: &FacilityFilter,
    after: Option<&FacilityKey>,
    limit: usize,
) -> StoreResult<Page<FacilitySummary, FacilityKey>> {
    let total: i64 = snapshot_files(scope, filter)
        .select(dsl::count_star())
        .get_result(connection)?;
    let mut page = snapshot_files(scope, filter);
    if let Some(after) = after {
        page = page.filter(
            files::hospital_name
                .gt(after.name.clone())
                .or(files::hospital_name
                    .eq(after.name.clone())
                    .and(files::facility_id.gt(after.id))),
        );
    }
    let page: Vec<(i64, i64)> = page
        .order((files::hospital_name, files::facility_id))
        .limit(limit as i64 + 1)
        .select((files::facility_id, files::id))
        .load(connection)?;
    Ok(Page::from_overfetch(
        summaries(connection, &page)?,
        limit,
        FacilitySummary::key,
        Some(total.max(0) as u64),
    ))
}

/// One facility; `StoreError::NotFound` when it does not exist or has no snapshot in scope.
pub fn get(connection: &mut DbConnection, id: i64, scope: Scope) -> StoreResult<FacilityDetail> {
    let filter = FacilityFilter {
        facility_id: Some(id),
        ..FacilityFilter::default()
    };
    let snapshot = facility_snapshots(connection, scope, &filter)?;
    let facility = summaries(connection, &snapshot)?
        .pop()
        .ok_or(StoreError::NotFound)?;
    let files = source_files::of_facility(connection, id)?;
    let snapshot = files
        .iter()
        .find(|file| file.id == facility.source_file_id)
        .cloned()
        .ok_or(StoreError::NotFound)?;
    // Files come newest first.
    let last_rejected = files
        .iter()
        .find(|file| file.status == FileStatus::Rejected)
        .cloned();
    Ok(FacilityDetail {
        facility,
        snapshot,
        last_rejected,
        files,
    })
}

/// A snapshot's file header and its facility's identifiers.
type HeaderRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
    (Option<String>, Option<String>),
);

/// The facilities `(facility id, source file id)` as those snapshots describe them, in that order.
pub(crate) fn summaries(
    connection: &mut DbConnection,
    in_scope: &[(i64, i64)],
) -> StoreResult<Vec<FacilitySummary>> {
    let file_ids: Vec<i64> = in_scope.iter().map(|(_, file)| *file).collect();
    // Each file with its facility's identifiers, in one query.
    let mut headers: HashMap<i64, HeaderRow> = files::table
        .inner_join(facilities::table.on(facilities::id.eq(files::facility_id)))
        .filter(files::id.eq_any(&file_ids))
        .select((
            files::id,
            files::hospital_name,
            files::license_state,
            files::license_number,
            files::last_updated_on,
            (facilities::ccn, facilities::ein),
        ))
        .load::<HeaderRow>(connection)?
        .into_iter()
        .map(|row| (row.0, row))
        .collect();
    let mut places: HashMap<i64, Vec<Place>> = HashMap::new();
    for (file_id, name, address) in file_locations::table
        .filter(file_locations::source_file_id.eq_any(&file_ids))
        .order((file_locations::source_file_id, file_locations::position))
        .select((
            file_locations::source_file_id,
            file_locations::name,
            file_locations::address,
        ))
        .load::<(i64, Option<String>, Option<String>)>(connection)?
    {
        places
            .entry(file_id)
            .or_default()
            .push(Place::new(name, address));
    }
    let mut npis: HashMap<i64, Vec<String>> = HashMap::new();
    for (file_id, npi) in file_npis::table
        .filter(file_npis::source_file_id.eq_any(&file_ids))
        .order((file_npis::source_file_id, file_npis::position))
        .select((file_npis::source_file_id, file_npis::npi))
        .load::<(i64, String)>(connection)?
    {
        npis.entry(file_id).or_default().push(npi);
    }
    let mut found = Vec::with_capacity(in_scope.len());
    for &(facility_id, file_id) in in_scope {
        let Some((_, name, license_state, license_number, last_updated_on, (ccn, ein))) =
            headers.remove(&file_id)
        else {
            continue;
        };
        let facility = FacilitySummary {
            id: facility_id,
            source_file_id: file_id,
            name,
            license_state: decode_opt("license state", license_state.as_deref(), StateCode::parse)?,
            license_number,
            ccn,
            ein,
            places: places.remove(&file_id).unwrap_or_default(),
            npis: npis.remove(&file_id).unwrap_or_default(),
            last_updated_on,
        };
        found.push(facility);
    }
    Ok(found)
}

/// The source file ids a price query reads: one per facility in scope that matches the filter.
pub(crate) fn source_file_ids(
    connection: &mut DbConnection,
    scope: Scope,
    filter: &FacilityFilter,
) -> StoreResult<Vec<i64>> {
    Ok(facility_snapshots(connection, scope, filter)?
        .into_iter()
        .map(|(_, source_file_id)| source_file_id)
        .collect())
}
