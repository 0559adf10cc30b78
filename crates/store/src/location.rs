//! Record locations as stored: where in its file a charge or rate was read (`row N`, a JSON
//! pointer), a payer rate's relative to its charge's.

use std::fmt::Write as _;

use priceline_domain::RecordLocation;

use crate::{StoreError, StoreResult};

/// A stored location back to its domain value.
pub(crate) fn record_location(text: &str) -> StoreResult<RecordLocation> {
    RecordLocation::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "record location",
        value: text.to_owned(),
        reason: "expected `row N` or a JSON pointer".to_owned(),
    })
}

/// How a payer rate's location is stored relative to its charge's. Locations were the longest text
/// of a rate row (a JSON pointer is about 70 bytes, 40% of a JSON file's database), and the charge
/// row holds the common part already:
/// - `@3`: the charge's JSON pointer followed by `/payers_information/3`;
/// - `~2`: the row 2 rows after the charge's (`~0` in a Wide file, whose row holds every rate).
///
/// Anything else is stored as it is (`row N`, a JSON pointer), as rows written before were.
const PAYER_INDEX: char = '@';
const ROW_OFFSET: char = '~';
const PAYERS_INFORMATION: &str = "/payers_information/";

/// A rate's location as it is stored: relative to its charge's where it can be, else as it is.
pub(crate) enum StoredRateLocation<'a> {
    PayerIndex(&'a str),
    RowOffset(i128),
    Absolute(&'a RecordLocation),
}

impl<'a> StoredRateLocation<'a> {
    pub(crate) fn new(rate: &'a RecordLocation, charge: &RecordLocation) -> Self {
        match (rate, charge) {
            (RecordLocation::Row(rate), RecordLocation::Row(charge)) => {
                Self::RowOffset(i128::from(*rate) - i128::from(*charge))
            }
            (RecordLocation::Pointer(rate_pointer), RecordLocation::Pointer(charge_pointer)) => {
                match rate_pointer
                    .strip_prefix(charge_pointer.as_str())
                    .and_then(|rest| rest.strip_prefix(PAYERS_INFORMATION))
                    .filter(|index| is_digits(index))
                {
                    Some(index) => Self::PayerIndex(index),
                    None => Self::Absolute(rate),
                }
            }
            _ => Self::Absolute(rate),
        }
    }
}

impl std::fmt::Display for StoredRateLocation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PayerIndex(index) => {
                f.write_char(PAYER_INDEX)?;
                f.write_str(index)
            }
            // Written once per payer rate: the number straight to the formatter (no `format_args!`),
            // through i64 where it fits (formatting an i128 is several times slower). Stored text
            // is only ever formatted with `{}`: a width or fill would apply to the number alone.
            Self::RowOffset(offset) => {
                f.write_char(ROW_OFFSET)?;
                match i64::try_from(*offset) {
                    Ok(offset) => std::fmt::Display::fmt(&offset, f),
                    Err(_) => std::fmt::Display::fmt(offset, f),
                }
            }
            Self::Absolute(location) => location.fmt(f),
        }
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// A rate's location from its stored text and its charge's (see [`StoredRateLocation`]).
pub(crate) fn rate_location(text: &str, charge_location: &str) -> StoreResult<RecordLocation> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        what: "payer rate location",
        value: text.to_owned(),
        reason: reason.to_owned(),
    };
    if let Some(index) = text.strip_prefix(PAYER_INDEX) {
        if !is_digits(index) {
            return Err(corrupt("expected `@` and an index"));
        }
        return match record_location(charge_location)? {
            RecordLocation::Pointer(pointer) => Ok(RecordLocation::Pointer(format!(
                "{pointer}{PAYERS_INFORMATION}{index}"
            ))),
            RecordLocation::Row(_) => Err(corrupt("its charge has a row, not a JSON pointer")),
        };
    }
    if let Some(offset) = text.strip_prefix(ROW_OFFSET) {
        let offset: i128 = offset
            .parse()
            .map_err(|_| corrupt("expected `~` and a row offset"))?;
        return match record_location(charge_location)? {
            RecordLocation::Row(row) => u64::try_from(i128::from(row) + offset)
                .map(RecordLocation::Row)
                .map_err(|_| corrupt("the offset leads before the first row")),
            RecordLocation::Pointer(_) => Err(corrupt("its charge has a JSON pointer, not a row")),
        };
    }
    record_location(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointer(text: &str) -> RecordLocation {
        RecordLocation::Pointer(text.to_owned())
    }

    #[test]
    fn a_json_rate_is_stored_relative_to_its_charge_and_read_back_whole() {
        let charge = pointer("/standard_charge_information/7/standard_charges/0");
        let rate =
            pointer("/standard_charge_information/7/standard_charges/0/payers_information/12");
        let stored = StoredRateLocation::new(&rate, &charge).to_string();
        assert_eq!(stored, "@12");
        assert_eq!(rate_location(&stored, &charge.to_string()).unwrap(), rate);
    }

    #[test]
    fn other_locations_are_stored_as_they_are() {
        let charge = pointer("/standard_charge_information/7/standard_charges/0");
        for rate in [
            RecordLocation::Row(12),
            pointer("/standard_charge_information/8/standard_charges/0/payers_information/1"),
            pointer("/standard_charge_information/7/standard_charges/0/payers_information/"),
            pointer("/standard_charge_information/7/standard_charges/0/payers_information/1/x"),
            pointer("/standard_charge_information/7/standard_charges/01"),
        ] {
            let stored = StoredRateLocation::new(&rate, &charge).to_string();
            assert_eq!(stored, rate.to_string());
            assert_eq!(rate_location(&stored, &charge.to_string()).unwrap(), rate);
        }
        let (rate, row) = (RecordLocation::Row(5), pointer("/a"));
        assert_eq!(StoredRateLocation::new(&rate, &row).to_string(), "row 5");
        assert_eq!(rate_location("row 5", "/a").unwrap(), rate);
    }

    #[test]
    fn a_csv_rate_is_stored_as_rows_after_its_charge() {
        for (rate, charge, stored) in [
            (5, 4, "~1"),
            (4, 4, "~0"),
            (3, 9, "~-6"),
            (u64::MAX, 1, "~18446744073709551614"),
        ] {
            let (rate, charge) = (RecordLocation::Row(rate), RecordLocation::Row(charge));
            assert_eq!(StoredRateLocation::new(&rate, &charge).to_string(), stored);
            assert_eq!(rate_location(stored, &charge.to_string()).unwrap(), rate);
        }
    }

    #[test]
    fn a_relative_location_that_cannot_be_resolved_is_corrupt() {
        for (text, charge) in [
            ("@", "/a"),
            ("@x1", "/a"),
            ("@1", "row 4"),
            ("@1", "?"),
            ("~", "row 4"),
            ("~x", "row 4"),
            ("~-5", "row 4"),
            ("~1", "/a"),
        ] {
            assert!(
                matches!(rate_location(text, charge), Err(StoreError::Corrupt { .. })),
                "{text} with {charge}"
            );
        }
    }
}
