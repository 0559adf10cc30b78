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

    /// What a person should do next, in one line: the action the reason calls for.
    pub fn next_step(&self) -> &'static str {
        match self {
            Self::Empty => {
                "download the file again (it arrived empty) or ask the hospital for its price file, then import again"
            }
            Self::Html(_) => {
                "this is a web page, not the price file: follow the page's link to the machine-readable file (CSV or JSON) and import that"
            }
            Self::BrokenJson(_) => {
                "the JSON is broken or cut short: download the file again; if it stays broken, ask the hospital for a corrected file"
            }
            Self::ConcatenatedJson(_) => {
                "split the file into its separate JSON documents and import each, or ask the hospital for one document per file"
            }
            Self::Legacy(_) => {
                "this is not a CMS template file but a legacy chargemaster: import it with a mapping profile (priceline profile suggest FILE, then priceline import FILE --profile P)"
            }
            Self::NotAPriceFile(_) => {
                "this is not a CMS template file: check that this is the hospital's standard charges file, or ask the hospital for it"
            }
            Self::HeaderRows { .. } => {
                "fix the file's first three rows so they are the CMS header rows (check the quoting of the named row), or ask the hospital for a corrected file, then import again"
            }
            Self::Archive(_) => {
                "the archive cannot be opened: download it again, or unpack it and import its files"
            }
            Self::Io(_) => {
                "check that the file can be read (path, permissions, disk), then import again"
            }
            Self::ReadAgain => "import the file again",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_says_what_to_do_next_in_one_line() {
        let all = [
            IngestError::Empty,
            IngestError::Html("x".into()),
            IngestError::BrokenJson("x".into()),
            IngestError::ConcatenatedJson(1),
            IngestError::Legacy("x".into()),
            IngestError::NotAPriceFile("x".into()),
            IngestError::HeaderRows {
                row: 2,
                reason: "x".into(),
            },
            IngestError::Archive("x".into()),
            IngestError::Io(io::Error::other("x")),
            IngestError::ReadAgain,
        ];
        for error in &all {
            let step = error.next_step();
            assert!(
                step.len() > 10 && !step.contains('\n'),
                "{}: {step}",
                error.kind()
            );
        }
    }
}
