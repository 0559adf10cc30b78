//! `validate`: read a whole file without keeping its records, and report what was found.

use std::path::Path;

use priceline_domain::{Sha256, SourceFile};
use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Rule, Severity};
use crate::read::read_sniffed;
use crate::reading::ReadOptions;
use crate::sniff::{Sniffed, beside_sha256, sniff_text};
use crate::summary::{FindingLog, ReadSummary};
use crate::{Document, IngestError};

/// The result of validating one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The file as given (its path, `!member` for a ZIP member).
    pub location: String,
    /// No error, repaired or not, and not refused. Errors are CMS errors plus the importer's own
    /// (`cms: false`, e.g. a bad value in a column CMS does not read), so this can be stricter than
    /// the CMS validator's verdict, never looser.
    pub valid: bool,
    /// Why the whole file was refused, when it was.
    pub refused: Option<String>,
    /// What a person should do about a refused file, in one line.
    #[serde(default)]
    pub next_step: Option<String>,
    pub sniffed: Option<Sniffed>,
    pub file: Option<SourceFile>,
    pub summary: ReadSummary,
    pub findings: FindingLog,
}

/// Validates one document. A refused file gives a report with a single error finding naming why.
pub fn validate(document: &Document, options: &ReadOptions) -> ValidationReport {
    // No record is kept, so a JSON document can be read in one pass where that works, and the
    // hash, which is only reported, computed beside the read.
    let (read, sha256) = beside_sha256(document, || {
        let sniffed = Sniffed::new(sniff_text(document)?, Sha256::PENDING);
        options.one_pass_then_two(
            |error| matches!(error, IngestError::ReadAgain),
            |options| read_sniffed(document, sniffed.clone(), options, &mut |_| {}),
        )
    });
    let read = read.and_then(|report| Ok(report.with_sha256(sha256?)));
    match read {
        Ok(report) => ValidationReport {
            location: document.location().to_owned(),
            valid: report.findings.errors == 0,
            refused: None,
            next_step: None,
            sniffed: Some(report.sniffed),
            file: report.file,
            summary: report.summary,
            findings: report.findings,
        },
        Err(error) => refused(document.location(), &error, options),
    }
}

/// Validates every document of a file on disk (several for a ZIP archive).
pub fn validate_path(path: impl AsRef<Path>, options: &ReadOptions) -> Vec<ValidationReport> {
    let path = path.as_ref();
    match crate::source::open(path) {
        Ok(documents) => documents
            .iter()
            .map(|document| validate(document, options))
            .collect(),
        Err(error) => vec![refused(&path.display().to_string(), &error, options)],
    }
}

fn refused(location: &str, error: &IngestError, options: &ReadOptions) -> ValidationReport {
    let mut findings = FindingLog::with_limit(options.max_findings);
    let rule = Rule {
        id: error.kind(),
        severity: Severity::Error,
        cms: error.kind() == "InvalidJsonError",
    };
    findings.add(Finding::new(rule, "", error.to_string()));
    ValidationReport {
        location: location.to_owned(),
        valid: false,
        refused: Some(error.to_string()),
        next_step: Some(error.next_step().to_owned()),
        sniffed: None,
        file: None,
        summary: ReadSummary::default(),
        findings,
    }
}
