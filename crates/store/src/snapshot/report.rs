//! What the importer hands the writer besides domain records: the reader's counts, and the
//! validation findings and quarantined records of the file, in the store's own terms.

use priceline_domain::Severity;

/// What the reader counted that the writer cannot see: rows read, duplicates, findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileReport {
    pub rows_read: u64,
    pub duplicate_rows: u64,
    /// Legacy files: data rows skipped for a named reason (section headings, totals, …).
    pub skipped_rows: u64,
    pub error_count: u64,
    pub alert_count: u64,
}

/// A validation finding as stored (the store does not know the importer's types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    pub severity: Severity,
    pub rule: String,
    pub location: String,
    pub message: String,
}

/// A record the importer could not store, kept verbatim with its findings (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredQuarantine {
    pub location: String,
    pub raw: String,
    pub findings_json: String,
}

/// Why a file was not made a snapshot (see `SnapshotWriter::reject`): kept on its source file, with
/// its findings, as a rejected submission that never holds rates and never becomes current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why the file is unusable, in one sentence.
    pub reason: String,
    /// What a person should do next, in one line.
    pub next_step: String,
    /// The file's header rows as written (CSV rows 1–3; the start of a JSON document).
    pub raw_header: Option<String>,
}
