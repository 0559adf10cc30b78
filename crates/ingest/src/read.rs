//! `read`: one document to a stream of records, with its findings and counts.

use priceline_domain::{Sha256, SourceFile};
use serde::{Deserialize, Serialize};

use crate::legacy;
use crate::reading::LegacyImport;
use crate::reading::{ReadOptions, Reading};
use crate::record::Record;
use crate::sniff::{Sniffed, Syntax, sniff};
use crate::summary::{FindingLog, ReadSummary};
use crate::{Document, IngestError, csv, json};

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
    // A workbook's bytes are not text: the text alerts do not apply.
    let text = sniffed.syntax != Syntax::Xlsx;
    if text && sniffed.nul_bytes > 0 {
        reading.log.add(crate::finding::Finding::new(
            crate::rules::NUL_REMOVED,
            "",
            format!(
                "the file holds {} NUL byte(s); they were removed from the text",
                sniffed.nul_bytes
            ),
        ));
    }
    if text && sniffed.encoding == crate::decode::TextEncoding::Windows1252 {
        reading.log.add(crate::finding::Finding::new(
            crate::rules::ENCODING_FALLBACK,
            "",
            "the file is not valid UTF-8; it was decoded as Windows-1252",
        ));
    }
    match (sniffed.syntax, &options.legacy) {
        (Syntax::Csv, LegacyImport::Profile(profile)) => {
            legacy::read_csv(document, &mut reading, sink, Some(profile))?
        }
        // The CMS reader refuses a legacy file at its first row, before any record: only then is
        // the file read again as legacy, so template files take exactly the path they always did.
        (Syntax::Csv, LegacyImport::Auto) => match csv::read(document, &mut reading, sink) {
            Err(IngestError::Legacy(_)) => legacy::read_csv(document, &mut reading, sink, None)?,
            other => other?,
        },
        (Syntax::Csv, LegacyImport::Refuse) => csv::read(document, &mut reading, sink)?,
        (Syntax::Json, _) => json::read(document, &mut reading, sink)?,
        (Syntax::Xlsx, LegacyImport::Profile(profile)) => {
            legacy::read_xlsx(document, &mut reading, sink, Some(profile))?
        }
        (Syntax::Xlsx, LegacyImport::Auto) => {
            legacy::read_xlsx(document, &mut reading, sink, None)?
        }
        (Syntax::Xlsx, LegacyImport::Refuse) => {
            return Err(IngestError::Legacy(
                "an Excel workbook (.xlsx): CMS template files are CSV or JSON".into(),
            ));
        }
    }
    Ok(ReadReport {
        sniffed,
        file: reading.file,
        summary: reading.summary,
        findings: reading.log,
    })
}
