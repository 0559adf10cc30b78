//! Validation findings: what is wrong or suspicious in a file, where, and how sure we are.

pub use priceline_domain::Severity;
use serde::{Deserialize, Serialize};

/// A rule a finding reports against. CMS rules carry the CMS validator's class name
/// (`InvalidPositiveNumberError`, `VersionMismatchAlert`, …) and its severity; the importer's own
/// data-quality rules use kebab-case ids (`probable-fraction`, `duplicate-row`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// True when the CMS validator reports the same problem (with the same severity).
    pub cms: bool,
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: String,
    pub cms: bool,
    /// A CSV cell as the CMS validator names it (`B2`, `R10`), `row N` when no column applies, empty
    /// for the file as a whole; or a JSON pointer (`/standard_charge_information/4`, `` for the root).
    pub location: String,
    pub message: String,
    /// True when the importer could repair the value without guessing (`$800 ` read as 800, the raw
    /// text kept in `raw_values`). A repaired error does not quarantine its record, but it still counts
    /// as an error of the file, as the CMS validator would report it.
    pub normalised: bool,
}

impl Finding {
    pub fn new(rule: Rule, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: rule.severity,
            rule: rule.id.to_owned(),
            cms: rule.cms,
            location: location.into(),
            message: message.into(),
            normalised: false,
        }
    }

    /// Marks the finding as the importer's own: the CMS validator does not report it, e.g. because
    /// it does not read the column as a template column.
    pub fn not_cms(mut self) -> Self {
        self.cms = false;
        self
    }

    /// Marks the finding as repaired by the importer.
    pub fn normalised(mut self) -> Self {
        self.normalised = true;
        self
    }

    /// An error the importer could not repair: the record carrying it is quarantined.
    pub fn blocks_record(&self) -> bool {
        self.severity == Severity::Error && !self.normalised
    }
}

/// A record's findings are ready to be stored when none of them blocks it.
pub(crate) fn any_blocking(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::blocks_record)
}

/// The spreadsheet name of a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = index + 1;
    while rest > 0 {
        let digit = (rest - 1) % 26;
        letters.push(char::from(b'A' + digit as u8));
        rest = (rest - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A CSV cell as the CMS validator names it: column letters then the 1-based row.
pub fn cell(column: usize, row: u64) -> String {
    format!("{}{row}", column_letters(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cells_like_a_spreadsheet() {
        assert_eq!(cell(0, 2), "A2");
        assert_eq!(cell(17, 10), "R10");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(247), "IN");
    }
}
