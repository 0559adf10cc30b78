//! `read`: one document to a stream of records, with its findings and counts.

use chrono::{NaiveDate, Utc};
use priceline_domain::{Attestation, Facility, FileFormat, Sha256, SourceFile, TemplateVersion};
use serde::{Deserialize, Serialize};

use crate::record::{FileHeader, Record};
use crate::sniff::{Sniffed, Syntax, sniff};
use crate::summary::{FindingLog, ReadSummary};
use crate::{Document, IngestError, csv, json};

/// How to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Apply the rules of this template version instead of the one detected from the structure,
    /// as the CMS validator does with the version its caller chooses.
    pub version: Option<TemplateVersion>,
    /// How many findings a report keeps in full (all are counted).
    pub max_findings: usize,
    pub json_passes: JsonPasses,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            version: None,
            max_findings: 10_000,
            json_passes: JsonPasses::Two,
        }
    }
}

impl ReadOptions {
    /// Runs `attempt` with JSON read in one pass, and once more in two passes when that pass could
    /// not serve (`is_read_again` of its error, for `IngestError::ReadAgain`): for a caller that
    /// discards whatever a failed attempt produced.
    pub fn one_pass_then_two<T, E>(
        &self,
        is_read_again: impl Fn(&E) -> bool,
        mut attempt: impl FnMut(&ReadOptions) -> Result<T, E>,
    ) -> Result<T, E> {
        let with = |json_passes| ReadOptions {
            json_passes,
            ..self.clone()
        };
        match attempt(&with(JsonPasses::One)) {
            Err(error) if is_read_again(&error) => attempt(&with(JsonPasses::Two)),
            result => result,
        }
    }
}

/// How a JSON document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonPasses {
    /// A first pass checks the syntax and finds the root fields wherever they are, so a broken
    /// document gives no record.
    Two,
    /// For a caller that can discard the records it was given when the read fails: the records
    /// stream in the first pass when the root fields before the items decide the header (else the
    /// read falls back to two passes by itself), and a broken document is found only when its end
    /// is reached. A root field after the data fails the read with `IngestError::ReadAgain`: read
    /// it again with `Two`. A v3 file laid out as CMS lays it out is read in one pass.
    One,
}

/// What a read found besides its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadReport {
    pub sniffed: Sniffed,
    /// The file as its header record described it; `None` when the reader stopped before it.
    pub file: Option<SourceFile>,
    pub summary: ReadSummary,
    pub findings: FindingLog,
}

impl ReadReport {
    /// The report of a read given a placeholder hash (the hash was computed beside the read).
    pub fn with_sha256(mut self, sha256: Sha256) -> Self {
        self.sniffed.sha256 = sha256;
        if let Some(file) = &mut self.file {
            file.sha256 = sha256;
        }
        self
    }
}

/// The state readers share while reading one document.
pub(crate) struct Reading {
    pub file_name: String,
    pub sniffed: Sniffed,
    pub options: ReadOptions,
    pub summary: ReadSummary,
    pub log: FindingLog,
    pub file: Option<SourceFile>,
}

impl Reading {
    /// Adds the findings of one data row to the report, unless a row-3 problem means the CMS
    /// validator would not have evaluated data rows (`data_checked` false, see `csv::start_data`):
    /// then they stay with their records only and are counted in `FindingLog::not_evaluated`.
    pub fn report_data_findings(&mut self, findings: Vec<crate::finding::Finding>) {
        if self.summary.data_checked {
            self.log.extend(findings);
        } else {
            self.log.not_evaluated += findings.len() as u64;
        }
    }
}

/// Reads a document: a `Record::Header` first, then items, modifiers and quarantined records in file
/// order. Memory stays bounded by one item (CSV: the rows of one item; JSON: one array element).
/// A refused file (empty, HTML, broken or concatenated JSON, legacy chargemaster…) is refused
/// before any record reaches `sink`, unless `JsonPasses::One` was chosen.
pub fn read(
    document: &Document,
    options: &ReadOptions,
    sink: &mut dyn FnMut(Record),
) -> Result<ReadReport, IngestError> {
    read_sniffed(document, sniff(document)?, options, sink)
}

/// [`read`] for a caller that has already sniffed the document, or sniffed its text and computes
/// the hash beside the read (`Sha256::PENDING` in `sniffed`): saves a pass over the bytes.
pub fn read_sniffed(
    document: &Document,
    sniffed: Sniffed,
    options: &ReadOptions,
    sink: &mut dyn FnMut(Record),
) -> Result<ReadReport, IngestError> {
    let mut reading = Reading {
        file_name: document.name().to_owned(),
        sniffed: sniffed.clone(),
        options: options.clone(),
        summary: ReadSummary::default(),
        log: FindingLog::with_limit(options.max_findings),
        file: None,
    };
    if sniffed.nul_bytes > 0 {
        reading.log.add(crate::finding::Finding::new(
            crate::rules::NUL_REMOVED,
            "",
            format!(
                "the file holds {} NUL byte(s); they were removed from the text",
                sniffed.nul_bytes
            ),
        ));
    }
    if sniffed.encoding == crate::decode::TextEncoding::Windows1252 {
        reading.log.add(crate::finding::Finding::new(
            crate::rules::ENCODING_FALLBACK,
            "",
            "the file is not valid UTF-8; it was decoded as Windows-1252",
        ));
    }
    match sniffed.syntax {
        Syntax::Csv => csv::read(document, &mut reading, sink)?,
        Syntax::Json => json::read(document, &mut reading, sink)?,
    }
    Ok(ReadReport {
        sniffed,
        file: reading.file,
        summary: reading.summary,
        findings: reading.log,
    })
}

/// Builds the header record and remembers the file description for the report.
pub(crate) fn header_record(
    reading: &mut Reading,
    facility: Facility,
    format: FileFormat,
    template_version: TemplateVersion,
    declared_version: Option<String>,
    last_updated_on: Option<NaiveDate>,
    attestation: Option<Attestation>,
) -> Record {
    let file = SourceFile {
        file_name: reading.file_name.clone(),
        sha256: reading.sniffed.sha256,
        format,
        template_version,
        declared_version,
        last_updated_on,
        attestation,
        imported_at: Utc::now(),
    };
    reading.file = Some(file.clone());
    Record::Header(Box::new(FileHeader { facility, file }))
}
