//! What an import or a validation says about each document: a line for people, JSON for machines.

use priceline_domain::SourceFile;
use priceline_ingest::{Finding, FindingLog, ReadSummary, ValidationReport};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored as a new snapshot.
    Imported,
    /// The same bytes (SHA-256) were imported before: nothing was written.
    Unchanged,
    /// Read without storing (`priceline validate`): no error findings.
    Valid,
    /// Read without storing: error findings.
    Invalid,
    /// Not a price file we can read (HTML, empty, broken JSON, legacy chargemaster…): nothing written.
    Refused,
    /// Read, but unusable (its data rows could not be read, or it yields no standard charge): kept
    /// as a rejected submission with its findings and raw header; the facility's current snapshot
    /// is unchanged.
    Rejected,
    /// Reading or writing failed midway: nothing written, earlier snapshots untouched.
    Failed,
}

impl Status {
    /// The name in reports and metrics (`imported`, `unchanged`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Imported => "imported",
            Self::Unchanged => "unchanged",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Refused => "refused",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    /// Statuses that make the command exit non-zero.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Self::Invalid | Self::Refused | Self::Rejected | Self::Failed
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    /// The file as given on the command line, or found in a folder given there (and the ZIP
    /// member, after `!`).
    pub file: String,
    pub status: Status,
    /// Why the file was refused, rejected or failed, or which snapshot it already is.
    pub reason: Option<String>,
    /// What a person should do next, in one line (set for a refused, rejected or legacy file).
    pub next_step: Option<String>,
    pub sha256: Option<String>,
    pub format: Option<String>,
    pub template_version: Option<String>,
    pub declared_version: Option<String>,
    /// For a legacy (pre-template) chargemaster: the mapping it was read through (`auto` or the
    /// profile); it claims no template version and is not CMS-compliant.
    pub legacy: Option<String>,
    pub facility_id: Option<i64>,
    pub source_file_id: Option<i64>,
    pub summary: ReadSummary,
    pub errors: u64,
    pub alerts: u64,
    /// Findings kept in full (all are counted in `errors` and `alerts`).
    pub findings: Vec<Finding>,
    pub seconds: f64,
    pub bytes: u64,
}

impl DocumentReport {
    pub(crate) fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            status: Status::Failed,
            reason: None,
            next_step: None,
            sha256: None,
            format: None,
            template_version: None,
            declared_version: None,
            legacy: None,
            facility_id: None,
            source_file_id: None,
            summary: ReadSummary::default(),
            errors: 0,
            alerts: 0,
            findings: Vec::new(),
            seconds: 0.0,
            bytes: 0,
        }
    }

    /// What a read found, imported or only validated: the file's layout and versions (when the
    /// reader got as far as its header), the counts and the findings.
    pub(crate) fn fill_read(
        &mut self,
        file: Option<&SourceFile>,
        summary: ReadSummary,
        findings: FindingLog,
    ) {
        if let Some(file) = file {
            self.format = Some(file.format.as_str().to_owned());
            self.template_version = file.template_version.map(|v| v.as_str().to_owned());
            self.declared_version = file.declared_version.clone();
            self.legacy = file.legacy.clone();
            if let Some(mapping) = &self.legacy
                && self.next_step.is_none()
            {
                self.next_step = Some(crate::acceptance::legacy_next_step(&self.file, mapping));
            }
        }
        self.summary = summary;
        self.errors = findings.errors;
        self.alerts = findings.alerts;
        self.findings = findings.findings;
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let status = format!("{:?}", self.status).to_lowercase();
        let mut line = format!("{status:9} {}", self.file);
        if let (Some(format), Some(version)) = (&self.format, &self.template_version) {
            line.push_str(&format!(" [{format} v{version}]"));
        }
        if let (Some(format), Some(mapping)) = (&self.format, &self.legacy) {
            line.push_str(&format!(
                " [{format}, legacy: not a CMS template file, read through the {mapping} mapping]"
            ));
        }
        let s = &self.summary;
        if matches!(
            self.status,
            Status::Imported | Status::Valid | Status::Invalid | Status::Rejected
        ) {
            line.push_str(&format!(
                ": {} rows, {} items, {} standard charges, {} payer rates, {} modifiers, {} quarantined, {} duplicates; {} errors, {} alerts",
                s.data_rows, s.items, s.standard_charges, s.payer_rates, s.modifiers, s.quarantined_records, s.duplicate_rows,
                self.errors, self.alerts
            ));
            if s.skipped_rows() > 0 {
                let named: Vec<String> = s
                    .skipped
                    .iter()
                    .map(|(reason, count)| format!("{count} {reason}"))
                    .collect();
                line.push_str(&format!("; rows skipped: {}", named.join(", ")));
            }
            if self.seconds > 0.0 && self.status == Status::Imported {
                line.push_str(&format!(
                    " in {:.2} s ({:.0} payer rates/s)",
                    self.seconds,
                    s.payer_rates as f64 / self.seconds
                ));
            }
        }
        if let Some(reason) = &self.reason {
            line.push_str(&format!(": {reason}"));
        }
        if let Some(next_step) = &self.next_step {
            line.push_str(&format!("\n          next step: {next_step}"));
        }
        line
    }

    /// Marks the report refused, with the reason and what to do about it.
    pub(crate) fn refuse(&mut self, error: &priceline_ingest::IngestError) {
        self.status = Status::Refused;
        self.reason = Some(error.to_string());
        self.next_step = Some(error.next_step().to_owned());
    }
}

impl From<ValidationReport> for DocumentReport {
    fn from(validation: ValidationReport) -> Self {
        let mut report = Self::new(&validation.location);
        report.status = match (&validation.refused, validation.valid) {
            (Some(_), _) => Status::Refused,
            (None, true) => Status::Valid,
            (None, false) => Status::Invalid,
        };
        report.reason = validation.refused;
        report.next_step = validation.next_step;
        // A file an import would reject is not valid, whatever its findings, and says why.
        if report.status != Status::Refused
            && let Some(verdict) = crate::acceptance::judge(
                &validation.summary,
                &validation.findings,
                validation.summary.standard_charges,
            )
        {
            report.status = Status::Invalid;
            report.reason = Some(format!("an import would reject it: {}", verdict.reason));
            report.next_step = Some(verdict.next_step);
        }
        if let Some(sniffed) = &validation.sniffed {
            report.sha256 = Some(sniffed.sha256.to_string());
            report.bytes = sniffed.bytes;
        }
        report.fill_read(
            validation.file.as_ref(),
            validation.summary,
            validation.findings,
        );
        report
    }
}
