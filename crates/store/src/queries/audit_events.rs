//! The audit trail: events appended in batches by the server's audit writer, read back a page or
//! an export chunk at a time. Append-only: nothing here updates an event; [`delete_before`] is
//! retention, the only deletion.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use priceline_domain::{AuditEvent, NewAuditEvent, StatusFilter};

use super::Page;
use crate::StoreResult;
use crate::connection::{DbConnection, MultiBackend};
use crate::schema::audit_events;

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewRow<'a> {
    recorded_at: NaiveDateTime,
    caller: Option<&'a str>,
    scopes: &'a str,
    method: &'a str,
    route: Option<&'a str>,
    path: &'a str,
    status: i32,
    result_count: Option<i64>,
    request_id: Option<&'a str>,
    client_address: Option<&'a str>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
struct Row {
    id: i64,
    recorded_at: NaiveDateTime,
    caller: Option<String>,
    scopes: String,
    method: String,
    route: Option<String>,
    path: String,
    status: i32,
    result_count: Option<i64>,
    request_id: Option<String>,
    client_address: Option<String>,
}

impl Row {
    fn into_domain(self) -> AuditEvent {
        AuditEvent {
            id: self.id,
            event: NewAuditEvent {
                recorded_at: self.recorded_at.and_utc(),
                caller: self.caller,
                scopes: self.scopes,
                method: self.method,
                route: self.route,
                path: self.path,
                status: u16::try_from(self.status).unwrap_or_default(),
                result_count: self
                    .result_count
                    .and_then(|count| u64::try_from(count).ok()),
                request_id: self.request_id,
                client_address: self.client_address,
            },
        }
    }
}

/// Appends `events` in one transaction: a batch is stored whole or not at all.
pub fn insert(connection: &mut DbConnection, events: &[NewAuditEvent]) -> StoreResult<()> {
    connection.transaction(|connection| {
        // One statement per row: a multi-row insert of rows with NULLs is not portable across
        // the two backends through Diesel's multi-backend connection, and inside one transaction
        // the cost that matters (the commit) is paid once per batch.
        for event in events {
            diesel::insert_into(audit_events::table)
                .values(NewRow {
                    recorded_at: event.recorded_at.naive_utc(),
                    caller: event.caller.as_deref(),
                    scopes: &event.scopes,
                    method: &event.method,
                    route: event.route.as_deref(),
                    path: &event.path,
                    status: i32::from(event.status),
                    result_count: event
                        .result_count
                        .map(|count| i64::try_from(count).unwrap_or(i64::MAX)),
                    request_id: event.request_id.as_deref(),
                    client_address: event.client_address.as_deref(),
                })
                .execute(connection)?;
        }
        Ok(())
    })
}

/// Which events a page or an export holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Recorded at or after.
    pub since: Option<DateTime<Utc>>,
    /// Recorded before.
    pub until: Option<DateTime<Utc>>,
    /// Exactly this caller (`key:NAME` or `sub:SUBJECT`).
    pub caller: Option<String>,
    pub status: Option<StatusFilter>,
}

type Boxed<'a> = audit_events::BoxedQuery<'a, MultiBackend>;

fn filtered(filter: &AuditFilter) -> Boxed<'static> {
    let mut query = audit_events::table.into_boxed();
    if let Some(since) = filter.since {
        query = query.filter(audit_events::recorded_at.ge(since.naive_utc()));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::recorded_at.lt(until.naive_utc()));
    }
    if let Some(caller) = &filter.caller {
        query = query.filter(audit_events::caller.eq(caller.clone()));
    }
    if let Some(status) = filter.status {
        let (low, high) = status.range();
        query = query.filter(audit_events::status.between(i32::from(low), i32::from(high)));
    }
    query
}

/// Events matching `filter`, the most recent first, after the event `after` (an id).
pub fn list(
    connection: &mut DbConnection,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: usize,
) -> StoreResult<Page<AuditEvent, i64>> {
    let mut query = filtered(filter)
        .select(Row::as_select())
        .order(audit_events::id.desc())
        .limit(limit as i64 + 1);
    if let Some(after) = after {
        query = query.filter(audit_events::id.lt(after));
    }
    let events = query
        .load::<Row>(connection)?
        .into_iter()
        .map(Row::into_domain)
        .collect();
    Ok(Page::from_overfetch(events, limit, |event| event.id, None))
}

/// Up to `limit` events matching `filter`, oldest first, after the event `after`: an export reads
/// the trail chunk by chunk, so it never holds more than one chunk.
pub fn chunk(
    connection: &mut DbConnection,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<AuditEvent>> {
    let mut query = filtered(filter)
        .select(Row::as_select())
        .order(audit_events::id.asc())
        .limit(limit as i64);
    if let Some(after) = after {
        query = query.filter(audit_events::id.gt(after));
    }
    Ok(query
        .load::<Row>(connection)?
        .into_iter()
        .map(Row::into_domain)
        .collect())
}

/// Retention: deletes the events recorded before `cutoff`; returns how many.
pub fn delete_before(connection: &mut DbConnection, cutoff: DateTime<Utc>) -> StoreResult<usize> {
    Ok(
        diesel::delete(
            audit_events::table.filter(audit_events::recorded_at.lt(cutoff.naive_utc())),
        )
        .execute(connection)?,
    )
}
