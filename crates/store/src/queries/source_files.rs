//! Source files (snapshots) with the counts and findings of their import.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use priceline_domain::{FileFormat, Severity, Sha256, TemplateVersion};

use super::Page;
use crate::StoreResult;
use crate::codec::{decode, template_version};
use crate::connection::DbConnection;
use crate::schema::{facilities, findings, source_files};
use crate::snapshot::{ACCEPTED, REJECTED};

/// How an import judged a file: by the CMS rules' errors and our alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationStatus {
    /// No error and no alert.
    Valid,
    /// Alerts only: compliant, with warnings.
    Alerts,
    /// At least one error (repaired or quarantined): not compliant as published.
    Errors,
    /// A legacy (pre-template) chargemaster: no CMS template, so never compliant.
    Legacy,
}

/// Whether a file is a snapshot of its facility or a rejected submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// Usable: a snapshot of its facility (current, or history).
    Accepted,
    /// Unusable (its data rows could not be read, or it yields no standard charge): kept with its
    /// findings, never current, never holding rates.
    Rejected,
}

impl FileStatus {
    /// The stored `source_files.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => ACCEPTED,
            Self::Rejected => REJECTED,
        }
    }
}

/// Why a rejected submission was rejected, what to do next, and its header rows as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionSummary {
    pub reason: String,
    pub next_step: String,
    pub raw_header: Option<String>,
}

/// What a file's import stored and found, in numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub rows_read: i64,
    pub items: i64,
    pub standard_charges: i64,
    pub payer_rates: i64,
    pub modifiers: i64,
    pub quarantined: i64,
    pub duplicate_rows: i64,
    /// Legacy files: data rows skipped for a named reason (section headings, totals, …).
    pub skipped_rows: i64,
    pub errors: i64,
    pub alerts: i64,
}

/// One imported file: its header, attestation and import counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFileSummary {
    pub id: i64,
    pub facility_id: i64,
    pub file_name: String,
    pub sha256: Sha256,
    pub format: FileFormat,
    /// `None` for a legacy file.
    pub template_version: Option<TemplateVersion>,
    /// The mapping a legacy (pre-template) chargemaster was read through; `None` for CMS files.
    pub legacy_profile: Option<String>,
    pub declared_version: Option<String>,
    pub last_updated_on: Option<NaiveDate>,
    pub imported_at: DateTime<Utc>,
    pub hospital_name: String,
    pub attestation_confirmed: Option<bool>,
    pub attester_name: Option<String>,
    pub counts: ImportCounts,
    /// True when this file is its facility's current snapshot.
    pub current: bool,
    pub status: FileStatus,
    /// Set for a rejected submission.
    pub rejection: Option<RejectionSummary>,
}

impl SourceFileSummary {
    pub fn validation_status(&self) -> ValidationStatus {
        if self.legacy_profile.is_some() {
            ValidationStatus::Legacy
        } else if self.counts.errors > 0 {
            ValidationStatus::Errors
        } else if self.counts.alerts > 0 {
            ValidationStatus::Alerts
        } else {
            ValidationStatus::Valid
        }
    }
}

/// One finding of a file's validation, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingEntry {
    pub position: i32,
    pub severity: Severity,
    pub rule: String,
    pub location: String,
    pub message: String,
}

type SummaryRow = (
    (
        i64,
        i64,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<NaiveDate>,
        NaiveDateTime,
        String,
        Option<bool>,
        Option<String>,
    ),
    (i64, i64, i64, i64, i64, i64, i64, i64, i64),
    Option<i64>,
    (String, Option<String>, Option<String>, Option<String>),
    (Option<String>, i64),
);

/// The columns a [`SummaryRow`] is read from.
#[diesel::dsl::auto_type]
fn summary_columns() -> _ {
    (
        (
            source_files::id,
            source_files::facility_id,
            source_files::file_name,
            source_files::sha256,
            source_files::format,
            source_files::template_version,
            source_files::declared_version,
            source_files::last_updated_on,
            source_files::imported_at,
            source_files::hospital_name,
            source_files::attestation_confirmed,
            source_files::attester_name,
        ),
        (
            source_files::rows_read,
            source_files::items_count,
            source_files::standard_charges_count,
            source_files::payer_rates_count,
            source_files::modifiers_count,
            source_files::quarantined_count,
            source_files::duplicate_rows,
            source_files::error_count,
            source_files::alert_count,
        ),
        facilities::current_source_file_id,
        (
            source_files::status,
            source_files::rejection_reason,
            source_files::next_step,
            source_files::raw_header,
        ),
        (source_files::legacy_profile, source_files::skipped_rows),
    )
}

fn summary(row: SummaryRow) -> StoreResult<SourceFileSummary> {
    let (
        header,
        counts,
        current,
        (status, reason, next_step, raw_header),
        (legacy_profile, skipped_rows),
    ) = row;
    let status = decode("file status", &status, |status| match status {
        ACCEPTED => Ok(FileStatus::Accepted),
        REJECTED => Ok(FileStatus::Rejected),
        _ => Err("neither accepted nor rejected"),
    })?;
    let rejection = (status == FileStatus::Rejected).then(|| RejectionSummary {
        reason: reason.unwrap_or_default(),
        next_step: next_step.unwrap_or_default(),
        raw_header,
    });
    Ok(SourceFileSummary {
        id: header.0,
        facility_id: header.1,
        file_name: header.2,
        sha256: decode("SHA-256", &header.3, Sha256::parse)?,
        format: decode("file format", &header.4, FileFormat::parse)?,
        template_version: template_version(&header.5, legacy_profile.as_deref())?,
        legacy_profile,
        declared_version: header.6,
        last_updated_on: header.7,
        imported_at: header.8.and_utc(),
        hospital_name: header.9,
        attestation_confirmed: header.10,
        attester_name: header.11,
        counts: ImportCounts {
            rows_read: counts.0,
            items: counts.1,
            standard_charges: counts.2,
            payer_rates: counts.3,
            modifiers: counts.4,
            quarantined: counts.5,
            duplicate_rows: counts.6,
            skipped_rows,
            errors: counts.7,
            alerts: counts.8,
        },
        current: current == Some(header.0),
        status,
        rejection,
    })
}

/// Source files, newest first (by id, descending), optionally of one facility and of one status,
/// before `before`.
pub fn list(
    connection: &mut DbConnection,
    facility_id: Option<i64>,
    status: Option<FileStatus>,
    before: Option<i64>,
    limit: usize,
) -> StoreResult<Page<SourceFileSummary, i64>> {
    let mut query = source_files::table
        .inner_join(facilities::table)
        .select(summary_columns())
        .order(source_files::id.desc())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(facility_id) = facility_id {
        query = query.filter(source_files::facility_id.eq(facility_id));
    }
    if let Some(before) = before {
        query = query.filter(source_files::id.lt(before));
    }
    if let Some(status) = status {
        query = query.filter(source_files::status.eq(status.as_str()));
    }
    let rows = query
        .load::<SummaryRow>(connection)?
        .into_iter()
        .map(summary)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(rows, limit, |file| file.id, None))
}

/// Every file of one facility, newest first.
pub(crate) fn of_facility(
    connection: &mut DbConnection,
    facility_id: i64,
) -> StoreResult<Vec<SourceFileSummary>> {
    source_files::table
        .inner_join(facilities::table)
        .filter(source_files::facility_id.eq(facility_id))
        .order(source_files::id.desc())
        .select(summary_columns())
        .load::<SummaryRow>(connection)?
        .into_iter()
        .map(summary)
        .collect()
}

/// One file; `StoreError::NotFound` when there is none with this id.
pub fn get(connection: &mut DbConnection, id: i64) -> StoreResult<SourceFileSummary> {
    summary(
        source_files::table
            .inner_join(facilities::table)
            .filter(source_files::id.eq(id))
            .select(summary_columns())
            .first::<SummaryRow>(connection)?,
    )
}

/// A file's findings in file order after position `after`, optionally of one severity, with their
/// total.
pub fn findings(
    connection: &mut DbConnection,
    source_file_id: i64,
    severity: Option<Severity>,
    after: Option<i32>,
    limit: usize,
) -> StoreResult<Page<FindingEntry, i32>> {
    let mut count = findings::table
        .filter(findings::source_file_id.eq(source_file_id))
        .count()
        .into_boxed();
    let mut query = findings::table
        .filter(findings::source_file_id.eq(source_file_id))
        .order(findings::position)
        .limit(limit as i64 + 1)
        .select((
            findings::position,
            findings::severity,
            findings::rule,
            findings::location,
            findings::message,
        ))
        .into_boxed();
    if let Some(severity) = severity {
        query = query.filter(findings::severity.eq(severity.as_str()));
        count = count.filter(findings::severity.eq(severity.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(findings::position.gt(after));
    }
    let total: i64 = count.get_result(connection)?;
    let rows = query
        .load::<(i32, String, String, String, String)>(connection)?
        .into_iter()
        .map(|(position, severity, rule, location, message)| {
            Ok(FindingEntry {
                position,
                severity: decode("severity", &severity, Severity::parse)?,
                rule,
                location,
                message,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(
        rows,
        limit,
        |finding| finding.position,
        Some(total.max(0) as u64),
    ))
}
