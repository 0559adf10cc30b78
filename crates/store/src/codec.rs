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

/// A `DATE` column read the fast way on SQLite, which stores dates as `YYYY-MM-DD` text: diesel
/// reads them through chrono's format-string parser, which was 1% of a code lookup's CPU (a page of
/// 50 lines reads its file's date 51 times). Other text goes to diesel's reading, as does
/// PostgreSQL's binary date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredDate(pub(crate) chrono::NaiveDate);

impl StoredDate {
    /// `YYYY-MM-DD` exactly (ASCII digits), a valid date; `None` for anything else.
    fn from_iso(text: &[u8]) -> Option<chrono::NaiveDate> {
        let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *text else {
            return None;
        };
        let number = |digits: &[u8]| {
            digits.iter().try_fold(0u32, |value, &digit| {
                digit
                    .is_ascii_digit()
                    .then(|| value * 10 + u32::from(digit - b'0'))
            })
        };
        let year = i32::try_from(number(&[y0, y1, y2, y3])?).ok()?;
        chrono::NaiveDate::from_ymd_opt(year, number(&[m0, m1])?, number(&[d0, d1])?)
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Date, diesel::sqlite::Sqlite> for StoredDate {
    fn from_sql(
        mut value: diesel::sqlite::SqliteValue<'_, '_, '_>,
    ) -> diesel::deserialize::Result<Self> {
        if let Some(date) = Self::from_iso(value.read_text().as_bytes()) {
            return Ok(Self(date));
        }
        <chrono::NaiveDate as diesel::deserialize::FromSql<_, diesel::sqlite::Sqlite>>::from_sql(
            value,
        )
        .map(Self)
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Date, diesel::pg::Pg> for StoredDate {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        <chrono::NaiveDate as diesel::deserialize::FromSql<_, diesel::pg::Pg>>::from_sql(value)
            .map(Self)
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Date, crate::connection::MultiBackend>
    for StoredDate
{
    fn from_sql(value: crate::connection::MultiRawValue<'_>) -> diesel::deserialize::Result<Self> {
        value.from_sql::<Self, diesel::sql_types::Date>()
    }
}

#[cfg(test)]
mod tests {
    use super::StoredDate;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn iso_dates_are_read_as_chrono_reads_them_and_other_text_is_left_to_it() {
        let mut day = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        while day.year_ce().1 < 2031 {
            let text = day.format("%F").to_string();
            assert_eq!(StoredDate::from_iso(text.as_bytes()), Some(day), "{text}");
            day = day.succ_opt().unwrap();
        }
        for text in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "2026-01-0x",
            "+2026-01-01",
            "",
        ] {
            assert_eq!(StoredDate::from_iso(text.as_bytes()), None, "{text}");
        }
    }
}
