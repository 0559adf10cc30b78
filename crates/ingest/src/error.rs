//! Why a file is refused as a whole. A refused file yields no records at all.

use std::io;

use thiserror::Error;

/// The reason a document is not read. Each variant names the reason so an operator can act on it
/// (re-download, ask the hospital, map a legacy file) without opening the file.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("empty file: no bytes (or only whitespace) to read")]
    Empty,
    #[error("not a price file: an HTML page ({0})")]
    Html(String),
    #[error("broken JSON: {0}")]
    BrokenJson(String),
    #[error("concatenated JSON documents: a second document starts at byte {0}")]
    ConcatenatedJson(u64),
    /// A legacy chargemaster when legacy files are not asked for (`LegacyImport::Refuse`), or one
    /// whose header no layout or the given profile maps, or whose hospital nothing names.
    #[error("legacy (pre-CMS-template) chargemaster: {0}")]
    Legacy(String),
    #[error("not a price file: {0}")]
    NotAPriceFile(String),
    /// A CSV whose rows 2–3 do not have the shape of the CMS header rows (column names in row 2,
    /// values in row 3): broken quoting has shifted them, or a header row is missing.
    #[error("not the CMS header rows: row {row} {reason}")]
    HeaderRows { row: u64, reason: String },
    #[error("cannot read the archive: {0}")]
    Archive(String),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// Not a reason to refuse: a JSON document read in one pass (`JsonPasses::One`) has root
    /// fields after its data, which the header passed on at the start lacked.
    #[error("the JSON document has root fields after its data: it must be read in two passes")]
    ReadAgain,
}

impl IngestError {
    /// A short stable identifier of the reason, used as the rule of the single finding a refused file
    /// gets in a validation report.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty-file",
            Self::Html(_) => "html-page",
            // The CMS validator's name for the same problem.
            Self::BrokenJson(_) => "InvalidJsonError",
            Self::ConcatenatedJson(_) => "concatenated-json",
            Self::Legacy(_) => "legacy-chargemaster",
            Self::NotAPriceFile(_) => "not-a-price-file",
            Self::HeaderRows { .. } => "misplaced-header-rows",
            Self::Archive(_) => "unreadable-archive",
            Self::Io(_) => "io-error",
            Self::ReadAgain => "read-again",
        }
    }
}
