//! What every reader shares while reading one document: the caller's options, the report being
//! built, and the header record. `read` (the entry point) dispatches to the CSV and JSON readers,
//! which build on this module; it sits below both so that neither imports `read`.

use chrono::{NaiveDate, Utc};
use priceline_domain::{Attestation, Facility, FileFormat, SourceFile, TemplateVersion};

use crate::finding::Finding;
use crate::record::{FileHeader, Record};
use crate::sniff::Sniffed;
use crate::summary::{FindingLog, ReadSummary};

/// How to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Apply the rules of this template version instead of the one detected from the structure,
    /// as the CMS validator does with the version its caller chooses.
    pub version: Option<TemplateVersion>,
    /// How many findings a report keeps in full (all are counted).
    pub max_findings: usize,
    pub json_passes: JsonPasses,
    /// Legacy (pre-template) chargemasters: refused unless the caller asks to import them.
    pub legacy: LegacyImport,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            version: None,
            max_findings: 10_000,
            json_passes: JsonPasses::Two,
            legacy: LegacyImport::Refuse,
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

/// Whether, and how, a read takes legacy chargemasters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LegacyImport {
    /// Refused as legacy (`priceline validate`: there is no CMS rule to check them against).
    #[default]
    Refuse,
    /// A CSV without the CMS header rows is read through the layout detected from its header.
    Auto,
    /// Every file is read as a legacy chargemaster through this profile.
    Profile(std::sync::Arc<crate::profile::Profile>),
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
    pub fn report_data_findings(&mut self, findings: Vec<Finding>) {
        if self.summary.data_checked {
            self.log.extend(findings);
        } else {
            self.log.not_evaluated += findings.len() as u64;
        }
    }
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
        template_version: Some(template_version),
        declared_version,
        last_updated_on,
        attestation,
        imported_at: Utc::now(),
        legacy: None,
    };
    reading.file = Some(file.clone());
    Record::Header(Box::new(FileHeader { facility, file }))
}
