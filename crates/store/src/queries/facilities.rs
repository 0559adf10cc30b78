//! Facilities as of their snapshot in scope: search and one facility with its files.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use priceline_domain::StateCode;
use serde::{Deserialize, Serialize};

use super::scope::{FacilityFilter, Scope, snapshots};
use super::source_files::{self, FileStatus, SourceFileSummary};
use super::text::contains;
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
    fn matches(&self, filter: &FacilityFilter) -> bool {
        let text_eq = |a: &Option<String>, b: &Option<String>| match b {
            None => true,
            Some(b) => a
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(b.trim())),
        };
        filter.facility_id.is_none_or(|id| id == self.id)
            && filter.name.as_deref().is_none_or(|name| {
                contains(&self.name, name)
                    || self
                        .places
                        .iter()
                        .any(|p| p.name.as_deref().is_some_and(|n| contains(n, name)))
            })
            && filter.state.as_ref().is_none_or(|state| {
                self.license_state.as_ref() == Some(state)
                    || self.places.iter().any(|p| p.state.as_ref() == Some(state))
            })
            && filter.city.as_deref().is_none_or(|city| {
                self.places.iter().any(|p| {
                    p.city
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(city.trim()))
                })
            })
            && filter
                .zip
                .as_deref()
                .is_none_or(|zip| self.places.iter().any(|p| p.zip.as_deref() == Some(zip)))
            && filter
                .npi
                .as_ref()
                .is_none_or(|npi| self.npis.iter().any(|n| n == npi.as_str()))
            && text_eq(&self.ccn, &filter.ccn)
            && text_eq(&self.license_number, &filter.license_number)
    }

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
    let all = matching(connection, scope, filter)?;
    let total = all.len() as u64;
    let rest: Vec<FacilitySummary> = all
        .into_iter()
        .filter(|facility| after.is_none_or(|after| facility.key() > *after))
        .take(limit + 1)
        .collect();
    Ok(Page::from_overfetch(
        rest,
        limit,
        FacilitySummary::key,
        Some(total),
    ))
}

/// One facility; `StoreError::NotFound` when it does not exist or has no snapshot in scope.
pub fn get(connection: &mut DbConnection, id: i64, scope: Scope) -> StoreResult<FacilityDetail> {
    let filter = FacilityFilter {
        facility_id: Some(id),
        ..FacilityFilter::default()
    };
    let facility = matching(connection, scope, &filter)?
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

type HeaderRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
);

/// Every facility in scope that matches `filter`, by name then id. Address parts are read from free
/// text, so the location criteria are applied here rather than in SQL; facilities number in the
/// thousands at most, and each brings only its header.
pub(crate) fn matching(
    connection: &mut DbConnection,
    scope: Scope,
    filter: &FacilityFilter,
) -> StoreResult<Vec<FacilitySummary>> {
    let mut in_scope = snapshots(connection, scope)?;
    if let Some(id) = filter.facility_id {
        in_scope.retain(|(facility_id, _)| *facility_id == id);
    }
    let mut found: Vec<FacilitySummary> = summaries(connection, &in_scope)?
        .into_iter()
        .filter(|facility| facility.matches(filter))
        .collect();
    found.sort_by_key(FacilitySummary::key);
    Ok(found)
}

/// The facilities `(facility id, source file id)` as those snapshots describe them, in that order.
pub(crate) fn summaries(
    connection: &mut DbConnection,
    in_scope: &[(i64, i64)],
) -> StoreResult<Vec<FacilitySummary>> {
    let file_ids: Vec<i64> = in_scope.iter().map(|(_, file)| *file).collect();
    let facility_ids: Vec<i64> = in_scope.iter().map(|(facility, _)| *facility).collect();
    let mut headers: HashMap<i64, HeaderRow> = files::table
        .filter(files::id.eq_any(&file_ids))
        .select((
            files::id,
            files::hospital_name,
            files::license_state,
            files::license_number,
            files::last_updated_on,
        ))
        .load::<HeaderRow>(connection)?
        .into_iter()
        .map(|row| (row.0, row))
        .collect();
    let mut identifiers: HashMap<i64, (Option<String>, Option<String>)> = facilities::table
        .filter(facilities::id.eq_any(&facility_ids))
        .select((facilities::id, facilities::ccn, facilities::ein))
        .load::<(i64, Option<String>, Option<String>)>(connection)?
        .into_iter()
        .map(|(id, ccn, ein)| (id, (ccn, ein)))
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
        let Some((_, name, license_state, license_number, last_updated_on)) =
            headers.remove(&file_id)
        else {
            continue;
        };
        let (ccn, ein) = identifiers.remove(&facility_id).unwrap_or_default();
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

/// `(facility id, source file id)` of each facility in scope that matches the filter, by facility id.
pub(crate) fn facility_snapshots(
    connection: &mut DbConnection,
    scope: Scope,
    filter: &FacilityFilter,
) -> StoreResult<Vec<(i64, i64)>> {
    if filter.is_empty() {
        return snapshots(connection, scope);
    }
    let mut pairs: Vec<(i64, i64)> = matching(connection, scope, filter)?
        .into_iter()
        .map(|facility| (facility.id, facility.source_file_id))
        .collect();
    pairs.sort_unstable();
    Ok(pairs)
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
