//! Turning stored column values back into domain values. A value that does not parse means the database
//! was changed behind our back; it becomes `StoreError::Corrupt` naming the column, never a panic.

use std::fmt::Display;

use priceline_domain::{Code, RawValue};

use crate::{StoreError, StoreResult};

/// Parses a stored value with the domain's own parser.
pub(crate) fn decode<T, E: Display>(
    what: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> StoreResult<T> {
    parse(value).map_err(|error| StoreError::Corrupt {
        what,
        value: value.to_owned(),
        reason: error.to_string(),
    })
}

/// The stored `template_version`: a legacy file (marked by its `legacy_profile`) claims none and
/// stores `''`, as the column is NOT NULL (see the legacy_source_files migration).
pub(crate) fn template_version_text(file: &priceline_domain::SourceFile) -> String {
    file.template_version
        .map_or_else(String::new, |version| version.as_str().to_owned())
}

/// The template version back from its column: `None` for a legacy file.
pub(crate) fn template_version(
    text: &str,
    legacy_profile: Option<&str>,
) -> StoreResult<Option<priceline_domain::TemplateVersion>> {
    if legacy_profile.is_some() {
        return Ok(None);
    }
    decode(
        "template version",
        text,
        priceline_domain::TemplateVersion::parse,
    )
    .map(Some)
}

/// Like [`decode`] for a nullable column.
pub(crate) fn decode_opt<T, E: Display>(
    what: &'static str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> StoreResult<Option<T>> {
    value.map(|value| decode(what, value, parse)).transpose()
}

/// An exact decimal from its micro-unit column.
pub(crate) fn decode_amount<T, E: Display>(
    what: &'static str,
    micros: i64,
    from_micros: impl Fn(i64) -> Result<T, E>,
) -> StoreResult<T> {
    from_micros(micros).map_err(|error| StoreError::Corrupt {
        what,
        value: micros.to_string(),
        reason: error.to_string(),
    })
}

/// Like [`decode_amount`] for a nullable column.
pub(crate) fn decode_micros<T, E: Display>(
    what: &'static str,
    value: Option<i64>,
    from_micros: impl Fn(i64) -> Result<T, E>,
) -> StoreResult<Option<T>> {
    value
        .map(|micros| decode_amount(what, micros, &from_micros))
        .transpose()
}

/// Raw texts of normalised values, stored as a JSON array (`NULL` when there are none).
pub(crate) fn encode_raw_values(raw: &[RawValue]) -> Option<String> {
    // Serializing plain strings cannot fail.
    (!raw.is_empty()).then(|| serde_json::to_string(raw).unwrap_or_default())
}

pub(crate) fn decode_raw_values(text: Option<&str>) -> StoreResult<Vec<RawValue>> {
    Ok(decode_opt("raw values", text, |text| {
        serde_json::from_str::<Vec<RawValue>>(text)
    })?
    .unwrap_or_default())
}

/// An item's codes as a JSON array of `{"type", "code"}`, in file order.
pub(crate) fn encode_codes(codes: &[Code]) -> String {
    // Serializing codes (an enumeration and a string each) cannot fail.
    serde_json::to_string(codes).unwrap_or_default()
}

pub(crate) fn decode_codes(text: &str) -> StoreResult<Vec<Code>> {
    decode("item codes", text, |text| {
        serde_json::from_str::<Vec<Code>>(text)
    })
}

/// Modifier codes of a charge, joined with `|` as CSV files write them (`NULL` when there are none).
pub(crate) fn encode_list(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join("|"))
}

pub(crate) fn decode_list(text: Option<&str>) -> Vec<String> {
    text.map(|text| text.split('|').map(str::to_owned).collect())
        .unwrap_or_default()
}
