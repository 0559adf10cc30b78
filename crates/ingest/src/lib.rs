//! Bytes to records: sniffing, format and version detection, readers and CMS validation.
//!
//! ```text
//! source::open(path) ─► Document(s) ─► read(document, options, sink) ─► Record::Header
//!   (gzip, ZIP)          (re-openable)    sniff: SHA-256, encoding,        Record::Item / Modifier
//!                                         CSV|JSON, refusals               Record::Quarantined
//!                                                                        + ReadReport (findings, counts)
//! ```
//!
//! Legacy (pre-template) chargemasters, CSV or `.xlsx`, are refused unless the caller asks for them
//! (`ReadOptions::legacy`): then `legacy` reads them through a mapping `profile` into the same
//! records, the header marking the file legacy. The CMS readers are untouched by this: a CSV is read
//! as legacy only after the CMS reader refused its first row, before any record.
//!
//! Nothing here knows about databases or HTTP. A reader never drops a data row: a row is an item row,
//! a modifier row, a quarantined row (an error the importer cannot repair) or an exact duplicate;
//! an item row may also have single payer rates quarantined (the rest of the row is imported).
//! `ReadSummary::balanced` checks that those add up. Findings use the CMS validator's rule names
//! and severities, plus the importer's own data-quality alerts (see `rules`).

mod csv;
mod decode;
mod detect;
mod error;
mod group;
mod json;
mod labels;
mod legacy;
mod location;
mod profile;
mod raw_header;
mod read;
mod reading;
mod repeats;
mod sniff;
mod summary;
mod swar;
mod validate;
mod values;

pub mod finding;
pub mod record;
pub mod rules;
pub mod source;

pub use decode::TextEncoding;
pub use error::IngestError;
pub use finding::{Finding, Rule, Severity};
pub use legacy::suggest_profile;
pub use profile::{CodeColumn, Columns, Hospital, Layout as ProfileLayout, Payers, Profile};
pub use raw_header::raw_header;
pub use read::{ReadReport, read, read_sniffed};
pub use reading::{JsonPasses, LegacyImport, ReadOptions};
pub use record::{
    FileHeader, ModifierRecord, QuarantinedPart, QuarantinedRecord, RawRecord, Record,
};
pub use sniff::{
    Scan, Sniffed, SniffedText, Syntax, beside_sha256, scan, sha256, sniff, sniff_start, sniff_text,
};
pub use source::{Document, from_bytes, open};
pub use summary::{FindingLog, ReadSummary};
pub use validate::{ValidationReport, validate, validate_path};
