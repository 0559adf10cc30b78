//! Import jobs (`/v1/imports`) and the per-document report of their import.

use chrono::{DateTime, Utc};
use priceline_domain::{ImportJob, JobSource, JobState};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::list_view;

/// Where a job stands: `queued`, then `running`, then `succeeded` or `failed`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStateView {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl From<JobState> for JobStateView {
    fn from(state: JobState) -> Self {
        match state {
            JobState::Queued => Self::Queued,
            JobState::Running => Self::Running,
            JobState::Succeeded => Self::Succeeded,
            JobState::Failed => Self::Failed,
        }
    }
}

/// How the file reached the server: sent as the request body, or downloaded from a URL.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobSourceView {
    Upload,
    Url,
}

impl From<JobSource> for JobSourceView {
    fn from(source: JobSource) -> Self {
        match source {
            JobSource::Upload => Self::Upload,
            JobSource::Url => Self::Url,
        }
    }
}

/// How far the job has got.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobProgressView {
    /// Bytes of the file read so far (downloaded, while a URL job downloads; then imported).
    pub bytes_read: i64,
    /// The file's size, when known.
    pub bytes_total: Option<i64>,
    /// Items written so far (of the document being imported), then in all.
    pub items: i64,
    /// Payer rates written so far (of the document being imported), then in all.
    pub payer_rates: i64,
}

/// An import job.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "6f1c0d2e9a8b47c3b5d4e3f2a1b0c9d8",
    "state": "succeeded", "source": "upload",
    "file_name": "12-3456789_west_mercy_standardcharges.csv", "url": null,
    "progress": {"bytes_read": 482113, "bytes_total": 482113, "items": 120, "payer_rates": 1630},
    "created_at": "2026-12-05T14:00:00Z", "started_at": "2026-12-05T14:00:01Z",
    "finished_at": "2026-12-05T14:00:03Z", "failure": null,
    "report": [{"file": "12-3456789_west_mercy_standardcharges.csv", "status": "imported",
                "reason": null, "sha256": "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c",
                "format": "csv-tall", "template_version": "3.0.0", "declared_version": "3.0.0",
                "facility_id": 1, "source_file_id": 3,
                "summary": {"data_rows": 1700, "blank_rows": 0, "item_rows": 1700, "modifier_rows": 0,
                            "quarantined_rows": 0, "partially_quarantined_rows": 0,
                            "quarantined_payer_rates": 0, "quarantined_records": 0, "duplicate_rows": 0,
                            "items": 120, "standard_charges": 140, "payer_rates": 1630, "modifiers": 0,
                            "data_checked": true},
                "errors": 0, "alerts": 0, "findings": [], "seconds": 1.92, "bytes": 482113}]
}))]
pub struct ImportJobView {
    /// The job's id: `GET /v1/imports/{id}`.
    pub id: String,
    pub state: JobStateView,
    pub source: JobSourceView,
    /// The file's name (the importer reads a hospital's EIN from the CMS naming convention).
    pub file_name: String,
    /// The URL of a URL job.
    pub url: Option<String>,
    pub progress: JobProgressView,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the job failed (a refused or failed document, a download that failed, an interruption).
    pub failure: Option<String>,
    /// The import's report, one entry per document (one, or one per ZIP member), as
    /// `priceline import --report` writes it; absent until the import has run.
    pub report: Option<Vec<DocumentReportView>>,
}

impl From<ImportJob> for ImportJobView {
    fn from(job: ImportJob) -> Self {
        let report = job.report_json.as_deref().and_then(|json| {
            serde_json::from_str(json)
                .map_err(|error| tracing::error!(job = %job.id, %error, "stored import report is unreadable"))
                .ok()
        });
        Self {
            id: job.id,
            state: job.state.into(),
            source: job.source.into(),
            file_name: job.file_name,
            url: job.url,
            progress: JobProgressView {
                bytes_read: job.bytes_read,
                bytes_total: job.bytes_total,
                items: job.items,
                payer_rates: job.payer_rates,
            },
            created_at: job.created_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
            failure: job.failure,
            report,
        }
    }
}

list_view!(
    /// A page of import jobs, the most recent first.
    ImportJobList,
    ImportJobView
);

/// What became of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatusView {
    /// Stored as a new snapshot.
    Imported,
    /// The same bytes (SHA-256) were imported before: nothing was written.
    Unchanged,
    /// (`priceline validate` only.)
    Valid,
    /// (`priceline validate` only.)
    Invalid,
    /// Not a price file the importer can read: nothing written.
    Refused,
    /// Read, but unusable (no data row could be read, or no standard charge): kept as a rejected
    /// submission with its findings; the facility's current snapshot is unchanged.
    Rejected,
    /// Reading or writing failed midway: nothing written, earlier snapshots untouched.
    Failed,
}

/// One document's import, as `priceline import --report` writes it (read back from the stored
/// report, so the two cannot differ: a field this view lacks fails the test comparing them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentReportView {
    /// The file's name (and the ZIP member, after `!`).
    pub file: String,
    pub status: DocumentStatusView,
    /// Why the document was refused, rejected or failed, or which snapshot it already is.
    pub reason: Option<String>,
    /// What a person should do next, in one line (for a refused or rejected document).
    pub next_step: Option<String>,
    pub sha256: Option<String>,
    /// `csv-tall`, `csv-wide` or `json`.
    pub format: Option<String>,
    pub template_version: Option<String>,
    pub declared_version: Option<String>,
    /// For a legacy (pre-template) chargemaster: the mapping it was read through (`auto` or the
    /// profile's name); such a file claims no template version.
    pub legacy: Option<String>,
    pub facility_id: Option<i64>,
    pub source_file_id: Option<i64>,
    pub summary: ReportSummaryView,
    pub errors: u64,
    pub alerts: u64,
    /// Findings kept in full (all are counted in `errors` and `alerts`).
    pub findings: Vec<ReportFindingView>,
    pub seconds: f64,
    pub bytes: u64,
}

/// What the reader counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSummaryView {
    pub data_rows: u64,
    pub blank_rows: u64,
    pub item_rows: u64,
    pub modifier_rows: u64,
    pub quarantined_rows: u64,
    pub partially_quarantined_rows: u64,
    pub quarantined_payer_rates: u64,
    pub quarantined_records: u64,
    pub duplicate_rows: u64,
    pub items: u64,
    pub standard_charges: u64,
    pub payer_rates: u64,
    pub modifiers: u64,
    /// Rows of a legacy chargemaster skipped by name (`section-heading`, `no-amount`, `total`,
    /// `repeated-header`) with their counts; absent when none was.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub skipped: std::collections::BTreeMap<String, u64>,
    pub data_checked: bool,
}

/// One finding of the CMS rules or of the data-quality checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportFindingView {
    /// `error` or `alert`.
    pub severity: String,
    pub rule: String,
    /// True when the CMS validator reports the same problem.
    pub cms: bool,
    /// A CSV cell (`B2`), `row N`, or a JSON pointer.
    pub location: String,
    pub message: String,
    /// True when the importer repaired the value without guessing.
    pub normalised: bool,
}
