//! Which snapshot of each facility a query reads, and the facility criteria of every query.

use chrono::NaiveDate;
use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use priceline_domain::{Npi, StateCode};

use super::text::{LIKE_ESCAPE, contains_pattern, lower};
use crate::StoreResult;
use crate::connection::{DbConnection, MultiBackend};
use crate::schema::{
    facilities as facility_table, file_dates, file_locations, file_npis, source_files,
};
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

/// A condition on a source file.
type FileCondition = Box<dyn BoxableExpression<source_files::table, MultiBackend, SqlType = Bool>>;

/// Whether a source file is its facility's snapshot in `scope`.
fn is_snapshot(scope: Scope) -> FileCondition {
    match scope {
        Scope::Current => Box::new(dsl::exists(
            facility_table::table
                .filter(facility_table::id.eq(source_files::facility_id))
                .filter(facility_table::current_source_file_id.eq(source_files::id.nullable())),
        )),
        Scope::AsOf(date) => {
            // No accepted file of the facility in force on the date is later: a later effective
            // date, or the same date and a later id (a re-published file imported after). A
            // rejected submission is never a snapshot, in the past either.
            let newer = diesel::alias!(file_dates as newer);
            let later = newer
                .filter(
                    newer
                        .field(file_dates::facility_id)
                        .eq(file_dates::facility_id),
                )
                .filter(newer.field(file_dates::status).eq(ACCEPTED))
                .filter(newer.field(file_dates::effective_on).le(date))
                .filter(
                    newer
                        .field(file_dates::effective_on)
                        .gt(file_dates::effective_on)
                        .or(newer
                            .field(file_dates::effective_on)
                            .eq(file_dates::effective_on)
                            .and(newer.field(file_dates::id).gt(file_dates::id))),
                );
            let in_force = file_dates::table
                .filter(file_dates::status.eq(ACCEPTED))
                .filter(file_dates::effective_on.le(date))
                .filter(dsl::not(dsl::exists(later)))
                .select(file_dates::id);
            Box::new(source_files::id.eq_any(in_force))
        }
    }
}

/// The snapshots in `scope` of the facilities that match `filter`, as a query of their source files
/// that callers order, page and select from. Every criterion is an index lookup (migration 000601
/// stores the parts of location addresses), so nothing is matched after loading.
pub(crate) fn snapshot_files(
    scope: Scope,
    filter: &FacilityFilter,
) -> source_files::BoxedQuery<'static, MultiBackend> {
    let mut files = source_files::table.filter(is_snapshot(scope)).into_boxed();
    if let Some(id) = filter.facility_id {
        files = files.filter(source_files::facility_id.eq(id));
    }
    if let Some(name) = &filter.name {
        let pattern = contains_pattern(name);
        let named_place = file_locations::table
            .filter(file_locations::source_file_id.eq(source_files::id))
            .filter(
                lower(file_locations::name.assume_not_null())
                    .like(pattern.clone())
                    .escape(LIKE_ESCAPE),
            );
        files = files.filter(
            lower(source_files::hospital_name)
                .like(pattern)
                .escape(LIKE_ESCAPE)
                .or(dsl::exists(named_place)),
        );
    }
    if let Some(state) = &filter.state {
        let located = file_locations::table
            .filter(file_locations::state.eq(state.as_str().to_owned()))
            .select(file_locations::source_file_id);
        files = files.filter(
            source_files::license_state
                .eq(state.as_str().to_owned())
                .or(source_files::id.eq_any(located).nullable()),
        );
    }
    if let Some(city) = &filter.city {
        let located = file_locations::table
            .filter(lower(file_locations::city.assume_not_null()).eq(lower(city.trim().to_owned())))
            .select(file_locations::source_file_id);
        files = files.filter(source_files::id.eq_any(located));
    }
    if let Some(zip) = &filter.zip {
        let located = file_locations::table
            .filter(file_locations::zip.eq(zip.clone()))
            .select(file_locations::source_file_id);
        files = files.filter(source_files::id.eq_any(located));
    }
    if let Some(npi) = &filter.npi {
        let listed = file_npis::table
            .filter(file_npis::npi.eq(npi.as_str().to_owned()))
            .select(file_npis::source_file_id);
        files = files.filter(source_files::id.eq_any(listed));
    }
    if let Some(ccn) = &filter.ccn {
        let certified = facility_table::table
            .filter(lower(facility_table::ccn.assume_not_null()).eq(lower(ccn.trim().to_owned())))
            .select(facility_table::id);
        files = files.filter(source_files::facility_id.eq_any(certified));
    }
    if let Some(number) = &filter.license_number {
        files = files.filter(
            lower(source_files::license_number.assume_not_null())
                .eq(lower(number.trim().to_owned())),
        );
    }
    files
}

/// `(facility id, source file id)` of the snapshot in `scope` of each facility that matches
/// `filter`, by facility id.
pub(crate) fn facility_snapshots(
    connection: &mut DbConnection,
    scope: Scope,
    filter: &FacilityFilter,
) -> StoreResult<Vec<(i64, i64)>> {
    if scope == Scope::Current && filter.is_empty() {
        // Every current snapshot: the facilities' own column, without a subquery per file.
        return Ok(facility_table::table
            .filter(facility_table::current_source_file_id.is_not_null())
            .order(facility_table::id)
            .select((
                facility_table::id,
                facility_table::current_source_file_id.assume_not_null(),
            ))
            .load(connection)?);
    }
    Ok(snapshot_files(scope, filter)
        .order(source_files::facility_id)
        .select((source_files::facility_id, source_files::id))
        .load(connection)?)
}

/// The snapshots a query reads, as the database is given them. On SQLite the current ones go as a
/// subquery rather than a list of ids: with 200 facilities the list makes the statement long enough
/// that SQLite spends more time parsing and planning it than running it. PostgreSQL takes a list as
/// one array parameter (`= ANY($1)`) and plans it in half the time of the subquery (2 ms against
/// 5 ms, measured at 200 facilities), so it gets the list, except for a code lookup's current
/// snapshots without facility criteria ([`Snapshots::read_planned_once`]).
pub(crate) enum Snapshots {
    Current,
    /// `(facility id, source file id)` of each snapshot, by facility id.
    Ids(Vec<(i64, i64)>),
}

impl Snapshots {
    /// The snapshots in `scope` of the facilities that match `filter`.
    pub(crate) fn read(
        connection: &mut DbConnection,
        scope: Scope,
        filter: &FacilityFilter,
    ) -> StoreResult<Self> {
        let sqlite = matches!(connection, DbConnection::Sqlite(_));
        Self::read_as(connection, scope, filter, sqlite)
    }

    /// [`Snapshots::read`] for statements planned once per connection (`queries::plan_once`): the
    /// current snapshots of every facility (no facility criteria) go as the subquery on PostgreSQL
    /// too, as its planning is then paid once. That saves reading the list first, a round trip of
    /// a code lookup's seven, and a parameter that grows with the facilities (6,000 ids nationally,
    /// each line compared with them); the statements' generic plans ran as fast either way at 200
    /// facilities (0.4 ms at 10M rates).
    pub(crate) fn read_planned_once(
        connection: &mut DbConnection,
        scope: Scope,
        filter: &FacilityFilter,
    ) -> StoreResult<Self> {
        Self::read_as(connection, scope, filter, true)
    }

    /// The subquery when `subquery` allows it (every current snapshot), the list otherwise.
    fn read_as(
        connection: &mut DbConnection,
        scope: Scope,
        filter: &FacilityFilter,
        subquery: bool,
    ) -> StoreResult<Self> {
        if subquery && scope == Scope::Current && filter.is_empty() {
            return Ok(Self::Current);
        }
        Ok(Self::Ids(facility_snapshots(connection, scope, filter)?))
    }
}

/// `$body` with `$set` bound to `$snapshots` (a [`Snapshots`]) as something `eq_any` takes: the
/// subquery of current snapshots, or the list of ids. Each arm has its own type, so callers build
/// their filter inside.
macro_rules! with_snapshots {
    ($snapshots:expr, |$set:ident| $body:expr) => {
        match $snapshots {
            $crate::queries::scope::Snapshots::Current => {
                use $crate::schema::facilities as current;
                let $set = current::table
                    .filter(current::current_source_file_id.is_not_null())
                    .select(current::current_source_file_id.assume_not_null());
                $body
            }
            $crate::queries::scope::Snapshots::Ids(snapshots) => {
                let $set: Vec<i64> = snapshots.iter().map(|(_, file)| *file).collect();
                $body
            }
        }
    };
}
pub(crate) use with_snapshots;
