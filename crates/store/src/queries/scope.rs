//! Which snapshot of each facility a query reads, and the facility criteria of every query.

use chrono::NaiveDate;
use diesel::prelude::*;
use priceline_domain::{Npi, StateCode, effective_date};

use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::{facilities as facility_table, source_files};
use crate::snapshot::ACCEPTED;

/// The snapshot of each facility a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The facility's current snapshot: its file with the latest `last_updated_on`.
    #[default]
    Current,
    /// The snapshot in force on this date: the file with the latest `last_updated_on` not after it
    /// (the import date stands in for a file that gave none). Facilities with no such file are left out.
    AsOf(NaiveDate),
}

/// Facility criteria shared by facility search and every price query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityFilter {
    pub facility_id: Option<i64>,
    /// Case-insensitive substring of the hospital name or a location name.
    pub name: Option<String>,
    /// The license state or the state of a location's address.
    pub state: Option<StateCode>,
    /// Case-insensitive city of a location's address.
    pub city: Option<String>,
    /// Five-digit ZIP of a location's address.
    pub zip: Option<String>,
    pub npi: Option<Npi>,
    /// Case-insensitive CMS Certification Number.
    pub ccn: Option<String>,
    /// State license number as the file gives it.
    pub license_number: Option<String>,
}

impl FacilityFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `(facility id, source file id)` of every facility's snapshot in scope, by facility id.
pub(crate) fn snapshots(
    connection: &mut DbConnection,
    scope: Scope,
) -> StoreResult<Vec<(i64, i64)>> {
    match scope {
        Scope::Current => Ok(facility_table::table
            .filter(facility_table::current_source_file_id.is_not_null())
            .order(facility_table::id)
            .select((
                facility_table::id,
                facility_table::current_source_file_id.assume_not_null(),
            ))
            .load(connection)?),
        Scope::AsOf(date) => {
            // A rejected submission is never a snapshot, in the past either.
            let files: Vec<(i64, i64, Option<NaiveDate>, chrono::NaiveDateTime)> =
                source_files::table
                    .filter(source_files::status.eq(ACCEPTED))
                    .order((source_files::facility_id, source_files::id))
                    .select((
                        source_files::facility_id,
                        source_files::id,
                        source_files::last_updated_on,
                        source_files::imported_at,
                    ))
                    .load(connection)?;
            // Files come by facility then id, so a later file with the same date wins the tie, as an
            // import of a re-published file does for the current snapshot.
            let mut chosen: Vec<(i64, i64, NaiveDate)> = Vec::new();
            for (facility_id, file_id, last_updated_on, imported_at) in files {
                let effective = effective_date(last_updated_on, imported_at);
                if effective > date {
                    continue;
                }
                match chosen.last_mut() {
                    Some(last) if last.0 == facility_id => {
                        if effective >= last.2 {
                            *last = (facility_id, file_id, effective);
                        }
                    }
                    _ => chosen.push((facility_id, file_id, effective)),
                }
            }
            Ok(chosen.into_iter().map(|(f, s, _)| (f, s)).collect())
        }
    }
}
