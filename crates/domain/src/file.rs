//! A source file: which bytes a snapshot came from, in which format and template version.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ParseError;
use crate::enumeration::text_enum;

text_enum! {
    /// The layout of a price file, detected from its structure.
    FileFormat, "file format" {
        CsvTall => "csv-tall",
        CsvWide => "csv-wide",
        Json => "json",
        /// A pre-template chargemaster (CSV), read through a mapping profile.
        LegacyCsv => "legacy-csv",
        /// A pre-template chargemaster workbook (`.xlsx`), read through a mapping profile.
        LegacyXlsx => "legacy-xlsx",
    }
}

text_enum! {
    /// A CMS template version (data dictionary), detected from the keys and columns present.
    TemplateVersion, "template version" {
        V2_0 => "2.0.0",
        V2_1 => "2.1.0",
        V2_2 => "2.2.0",
        V3_0 => "3.0.0",
    }
}

/// The SHA-256 of a file's bytes, shown as 64 lower-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    /// Stands in for a hash still being computed (an import hashes a file beside reading it); never
    /// stored (see `SnapshotWriter::confirm_sha256`).
    pub const PENDING: Sha256 = Sha256([0; 32]);

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let reason = "expected 64 hexadecimal digits";
        if text.len() != 64 || !text.is_ascii() {
            return Err(ParseError::invalid("SHA-256", text, reason));
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16)
                .map_err(|_| ParseError::invalid("SHA-256", text, reason))?;
        }
        Ok(Self(bytes))
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl Serialize for Sha256 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The affirmation (v2) or attestation (v3) a hospital makes about its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// The statement as the file wrote it (the CSV key or the JSON text).
    pub text: String,
    /// `true`/`false` from the file; `None` when the value was neither.
    pub confirmed: Option<bool>,
    /// Who attested (v3.0).
    pub attester_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub file_name: String,
    pub sha256: Sha256,
    pub format: FileFormat,
    /// The template version the structure matches; `None` for a legacy (pre-template) file, which
    /// matches none and is never presented as CMS-compliant.
    pub template_version: Option<TemplateVersion>,
    /// The `version` the file declares, as written (real files say `2`, `csv_wide`, `3.0.1`, …).
    pub declared_version: Option<String>,
    /// `None` when the file's date could not be read; the validation report says why.
    pub last_updated_on: Option<NaiveDate>,
    pub attestation: Option<Attestation>,
    pub imported_at: DateTime<Utc>,
    /// Set for a legacy (pre-template) chargemaster: the mapping it was read through (`auto` for the
    /// detected layout, or the profile's name). `None` for a CMS-template file.
    #[serde(default)]
    pub legacy: Option<String>,
}

impl SourceFile {
    pub fn is_legacy(&self) -> bool {
        self.legacy.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_round_trips_through_hex() {
        let text = "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c";
        assert_eq!(Sha256::parse(text).unwrap().to_string(), text);
        assert!(Sha256::parse("xyz").is_err());
    }

    #[test]
    fn versions_and_formats_parse() {
        assert_eq!(
            TemplateVersion::parse("3.0.0").unwrap(),
            TemplateVersion::V3_0
        );
        assert_eq!(FileFormat::parse("CSV-Wide").unwrap(), FileFormat::CsvWide);
    }
}
