//! Source files (snapshots) and their validation findings.

use chrono::{DateTime, NaiveDate, Utc};
use priceline_store::queries::source_files::{
    FileStatus, FindingEntry, RejectionSummary, SourceFileSummary, ValidationStatus,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::list_view;

/// How the import judged the file.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValidationStatusView {
    /// No error and no alert.
    Valid,
    /// Alerts only.
    Alerts,
    /// At least one error of the CMS rules.
    Errors,
    /// A legacy (pre-template) chargemaster: it follows no CMS template, so it is never compliant.
    Legacy,
}

impl From<ValidationStatus> for ValidationStatusView {
    fn from(status: ValidationStatus) -> Self {
        match status {
            ValidationStatus::Valid => Self::Valid,
            ValidationStatus::Alerts => Self::Alerts,
            ValidationStatus::Errors => Self::Errors,
            ValidationStatus::Legacy => Self::Legacy,
        }
    }
}

/// Whether the file is a snapshot of its facility or a rejected submission.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceFileStatusView {
    /// Usable: a snapshot of its facility (current or history).
    Accepted,
    /// Unusable (its data rows could not be read, or it yields no standard charge): kept with its
    /// findings and raw header, never current, holding no prices.
    Rejected,
}

impl From<FileStatus> for SourceFileStatusView {
    fn from(status: FileStatus) -> Self {
        match status {
            FileStatus::Accepted => Self::Accepted,
            FileStatus::Rejected => Self::Rejected,
        }
    }
}

/// Why a submission was rejected and what to do about it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "reason": "the header row (row 3) cannot be read, so no data row was read: payer or plan \"[payer_name]\" is a template placeholder",
    "next_step": "fix the header row: replace the [payer_name] and [plan_name] placeholders with payer and plan names, then import again",
    "raw_header": "hospital_name,last_updated_on,version\nWest Mercy Hospital,2026-04-01,3.0.0\ndescription,code|1,..."
}))]
pub struct RejectionView {
    /// Why the file is unusable.
    pub reason: String,
    /// What a person should do next, in one line.
    pub next_step: String,
    /// The file's header rows as written (CSV rows 1–3; the start of a JSON document).
    pub raw_header: Option<String>,
}

impl From<RejectionSummary> for RejectionView {
    fn from(rejection: RejectionSummary) -> Self {
        Self {
            reason: rejection.reason,
            next_step: rejection.next_step,
            raw_header: rejection.raw_header,
        }
    }
}

/// What the import read, stored and found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCountsView {
    pub rows_read: i64,
    pub items: i64,
    pub standard_charges: i64,
    pub payer_rates: i64,
    pub modifiers: i64,
    pub quarantined: i64,
    pub duplicate_rows: i64,
    /// Legacy chargemasters: data rows skipped for a named reason (section headings, totals,
    /// repeated headers, items without any price); with items' rows, quarantined and duplicate rows
    /// they add up to `rows_read`. Always 0 for CMS files.
    pub skipped_rows: i64,
    pub errors: i64,
    pub alerts: i64,
}

/// One imported file: a snapshot of its facility.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "facility_id": 1, "file_name": "V3.0.0_Tall_CSV_Format_Example.csv",
    "sha256": "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c", "format": "csv-tall",
    "template_version": "3.0.0", "legacy": false, "declared_version": "3.0.0", "last_updated_on": "2026-04-01",
    "imported_at": "2026-11-22T10:30:15Z", "hospital_name": "West Mercy Hospital",
    "attestation_confirmed": true, "attester_name": "Leigh Attester", "current": true,
    "validation_status": "valid", "status": "accepted",
    "counts": {"rows_read": 45, "items": 12, "standard_charges": 14, "payer_rates": 40, "modifiers": 3,
               "quarantined": 0, "duplicate_rows": 0, "skipped_rows": 0, "errors": 0, "alerts": 0}
}))]
pub struct SourceFileView {
    pub id: i64,
    pub facility_id: i64,
    pub file_name: String,
    pub sha256: String,
    /// `csv-tall`, `csv-wide` or `json`; `legacy-csv` for a legacy chargemaster.
    pub format: String,
    /// The template version detected; null for a legacy chargemaster, which follows none.
    pub template_version: Option<String>,
    /// True for a legacy (pre-template) chargemaster, read through a mapping profile: not a CMS
    /// template file and never presented as compliant.
    pub legacy: bool,
    /// The mapping a legacy file was read through: `auto` (the layout detected from its header) or
    /// the profile's name.
    pub legacy_profile: Option<String>,
    /// The version the file declares.
    pub declared_version: Option<String>,
    /// The hospital's date of the file.
    pub last_updated_on: Option<NaiveDate>,
    pub imported_at: DateTime<Utc>,
    pub hospital_name: String,
    pub attestation_confirmed: Option<bool>,
    pub attester_name: Option<String>,
    /// True when this is the facility's current snapshot.
    pub current: bool,
    pub validation_status: ValidationStatusView,
    /// `accepted` (a snapshot) or `rejected` (an unusable file, kept with its findings).
    pub status: SourceFileStatusView,
    /// Why the file was rejected and what to do next; `null` for an accepted file.
    pub rejection: Option<RejectionView>,
    pub counts: ImportCountsView,
}

impl From<SourceFileSummary> for SourceFileView {
    fn from(file: SourceFileSummary) -> Self {
        let status = file.validation_status().into();
        let counts = file.counts;
        Self {
            id: file.id,
            facility_id: file.facility_id,
            file_name: file.file_name,
            sha256: file.sha256.to_string(),
            format: file.format.as_str().to_owned(),
            template_version: file.template_version.map(|v| v.as_str().to_owned()),
            legacy: file.legacy_profile.is_some(),
            legacy_profile: file.legacy_profile,
            declared_version: file.declared_version,
            last_updated_on: file.last_updated_on,
            imported_at: file.imported_at,
            hospital_name: file.hospital_name,
            attestation_confirmed: file.attestation_confirmed,
            attester_name: file.attester_name,
            current: file.current,
            validation_status: status,
            status: file.status.into(),
            rejection: file.rejection.map(Into::into),
            counts: ImportCountsView {
                rows_read: counts.rows_read,
                items: counts.items,
                standard_charges: counts.standard_charges,
                payer_rates: counts.payer_rates,
                modifiers: counts.modifiers,
                quarantined: counts.quarantined,
                duplicate_rows: counts.duplicate_rows,
                skipped_rows: counts.skipped_rows,
                errors: counts.errors,
                alerts: counts.alerts,
            },
        }
    }
}

/// One finding of a file's validation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"position": 0, "severity": "alert", "rule": "VersionMismatchAlert",
                          "location": "C2", "message": "the file declares 2.2.0 but has 3.0.0 columns"}))]
pub struct FindingView {
    pub position: i32,
    /// `error` or `alert`.
    pub severity: String,
    pub rule: String,
    /// A CSV cell (`B2`), `row N`, a JSON pointer, or empty for the whole file.
    pub location: String,
    pub message: String,
}

impl From<FindingEntry> for FindingView {
    fn from(finding: FindingEntry) -> Self {
        Self {
            position: finding.position,
            severity: finding.severity.as_str().to_owned(),
            rule: finding.rule,
            location: finding.location,
            message: finding.message,
        }
    }
}

list_view!(
    /// A page of source files, newest first.
    SourceFileList,
    SourceFileView
);
list_view!(
    /// A page of a file's findings, in file order.
    FindingList,
    FindingView
);
