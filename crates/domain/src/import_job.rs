//! An import job: a price file sent to the server (uploaded, or named by URL) to be imported in the
//! background, and what became of it.

use chrono::{DateTime, Utc};

use crate::enumeration::text_enum;

text_enum! {
    /// Where a job stands. A job only moves forward: queued, running, then succeeded or failed.
    JobState, "import job state" {
        /// Accepted, waiting for the runner.
        Queued => "queued",
        /// Being downloaded or imported now.
        Running => "running",
        /// Every document of the file was imported (or was already, byte for byte).
        Succeeded => "succeeded",
        /// Refused, failed midway or interrupted: nothing of the failed document was stored.
        Failed => "failed",
    }
}

text_enum! {
    /// How the file reached the server.
    JobSource, "import job source" {
        /// Sent as the request body.
        Upload => "upload",
        /// Downloaded from an allowed URL.
        Url => "url",
    }
}

impl JobState {
    /// Succeeded or failed: nothing more will happen to the job.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// One import job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportJob {
    /// An opaque identifier (32 hexadecimal digits), chosen when the job is accepted.
    pub id: String,
    pub state: JobState,
    pub source: JobSource,
    /// The file's name: the importer reads a hospital's EIN from the CMS naming convention
    /// (`<ein>_<name>_standardcharges.csv`).
    pub file_name: String,
    /// The URL of a [`JobSource::Url`] job.
    pub url: Option<String>,
    /// Where the received file waits for the runner (a server-local path, never shown to clients).
    pub upload_path: Option<String>,
    /// The file's size when known (uploads: always; downloads: once downloaded).
    pub bytes_total: Option<i64>,
    /// Bytes the importer has read so far (of the document being read).
    pub bytes_read: i64,
    /// Items and payer rates written so far, then in all.
    pub items: i64,
    pub payer_rates: i64,
    /// The import's report (one entry per document, as `priceline import --report` writes them),
    /// as JSON text, once the import has run.
    pub report_json: Option<String>,
    /// Why the job failed.
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The server process that accepted the job (its random instance id): the one that runs an
    /// upload, whose file waits on its disk. Never shown to clients.
    pub instance: Option<String>,
}

impl ImportJob {
    /// A job just accepted.
    pub fn queued(
        id: String,
        source: JobSource,
        file_name: String,
        url: Option<String>,
        upload_path: Option<String>,
        bytes_total: Option<i64>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            state: JobState::Queued,
            source,
            file_name,
            url,
            upload_path,
            bytes_total,
            bytes_read: 0,
            items: 0,
            payer_rates: 0,
            report_json: None,
            failure: None,
            created_at,
            started_at: None,
            finished_at: None,
            instance: None,
        }
    }
}
