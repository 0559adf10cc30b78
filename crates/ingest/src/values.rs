//! Cell and property values: the CMS plain-number grammar, enumerations and counts, with the
//! repairs the importer allows itself. A repair never guesses: `$1,200.50` is unambiguous, `N/A` or
//! `100% Medicare` is not and stays an error that quarantines its record.

use std::fmt;

use priceline_domain::{AllowedCount, Amount, Npi, ParseError, Percentage, Quantity, RawValue};
use rust_decimal::Decimal;

use crate::finding::Finding;
use crate::labels::{self, Label, LabelRead};
use crate::rules;

/// The placeholder CMS asks hospitals to stop writing for unknown amounts.
const NINE_NINES: Decimal = Decimal::from_parts(999_999_999, 0, 0, false, 0);

/// An exact decimal domain type.
pub(crate) trait Exact: Sized + Copy {
    fn parse(text: &str) -> Result<Self, ParseError>;
    fn from_decimal(value: Decimal) -> Result<Self, ParseError>;
    fn decimal(self) -> Decimal;
}

macro_rules! exact {
    ($($name:ty),*) => {$(
        impl Exact for $name {
            fn parse(text: &str) -> Result<Self, ParseError> {
                <$name>::parse(text)
            }
            fn from_decimal(value: Decimal) -> Result<Self, ParseError> {
                <$name>::try_from(value)
            }
            fn decimal(self) -> Decimal {
                self.value()
            }
        }
    )*};
}
exact!(Amount, Percentage, Quantity);

/// Collects what checking one record finds.
pub(crate) struct Check {
    pub findings: Vec<Finding>,
}

impl Check {
    pub fn new() -> Self {
        Self {
            findings: Vec::new(),
        }
    }

    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn blocked(&self) -> bool {
        crate::finding::any_blocking(&self.findings)
    }

    /// A positive number written as text (a CSV cell, or a JSON string where a number belongs).
    /// Blank gives `None` without a finding.
    pub fn positive_text<T: Exact>(
        &mut self,
        text: &str,
        field: &str,
        location: &dyn fmt::Display,
        raw: &mut Vec<RawValue>,
    ) -> Option<T> {
        // A repaired value keeps the file's text exactly, spaces included; it is read trimmed.
        let written = text;
        let text = trim(text);
        if text.is_empty() {
            return None;
        }
        // `T::parse` accepts exactly the plain numbers (within range), so the usual cell is read
        // once; a failure is told apart below.
        let parsed = T::parse(text);
        if parsed.is_ok() || plain_number(text) {
            return self.positive_value(parsed, text, field, location);
        }
        let invalid = || {
            format!(
                "{field} {written:?} is not a positive plain number (no $, comma, sign or words)"
            )
        };
        match loosened(text) {
            Some(clean) => {
                let value = self.positive_value(T::parse(&clean), text, field, location)?;
                self.push(
                    Finding::new(
                        rules::INVALID_POSITIVE_NUMBER,
                        location.to_string(),
                        format!("{}; read as {clean}", invalid()),
                    )
                    .normalised(),
                );
                raw.push(RawValue {
                    field: field.to_owned(),
                    raw: written.to_owned(),
                });
                Some(value)
            }
            None => {
                self.push(Finding::new(
                    rules::INVALID_POSITIVE_NUMBER,
                    location.to_string(),
                    invalid(),
                ));
                None
            }
        }
    }

    /// A JSON number's text (`20000`, `0.75`, `1e3`, `-5`).
    pub fn positive_json<T: Exact>(
        &mut self,
        text: &str,
        field: &str,
        location: &dyn fmt::Display,
    ) -> Option<T> {
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
                .map_err(|_| ())
                .and_then(|value| T::from_decimal(value).map_err(|_| ()))
        } else if text.starts_with('-') {
            Err(())
        } else {
            T::parse(text).map_err(|_| ())
        };
        match parsed {
            Ok(value) => self.positive_value(Ok(value), text, field, location),
            Err(()) if text.starts_with('-') => {
                self.push(Finding::new(
                    rules::INVALID_POSITIVE_NUMBER,
                    location.to_string(),
                    format!("{field} {text} must be greater than 0"),
                ));
                None
            }
            Err(()) => {
                self.push(Finding::new(
                    rules::UNREPRESENTABLE_NUMBER,
                    location.to_string(),
                    format!(
                        "{field} {text} cannot be held exactly (more than 6 decimals or 12 digits)"
                    ),
                ));
                None
            }
        }
    }

    fn positive_value<T: Exact>(
        &mut self,
        parsed: Result<T, ParseError>,
        text: &str,
        field: &str,
        location: &dyn fmt::Display,
    ) -> Option<T> {
        match parsed {
            Ok(value) if value.decimal().is_zero() => {
                self.push(Finding::new(
                    rules::INVALID_POSITIVE_NUMBER,
                    location.to_string(),
                    format!("{field} {text:?} must be greater than 0"),
                ));
                None
            }
            Ok(value) => {
                // Integer comparison: cheaper than Decimal equality on every amount of a file.
                let mantissa = value.decimal().mantissa();
                if mantissa >= NINE_NINES.mantissa()
                    && mantissa == NINE_NINES.mantissa() * 10i128.pow(value.decimal().scale())
                {
                    self.push(Finding::new(
                        rules::NINE_NINES,
                        location.to_string(),
                        format!("{field} is 999999999, a placeholder rather than an amount"),
                    ));
                }
                Some(value)
            }
            Err(error) => {
                self.push(Finding::new(
                    rules::UNREPRESENTABLE_NUMBER,
                    location.to_string(),
                    error.to_string(),
                ));
                None
            }
        }
    }

    /// A percentage as CMS writes it (70.5 = 70.5 %); below 1 it is probably a fraction meant as a
    /// percentage (0.2 for 20 %). It is kept as written, with an alert.
    pub fn percentage_alert(&mut self, value: Option<Percentage>, location: &dyn fmt::Display) {
        if let Some(value) = value
            && value.value() < Decimal::ONE
        {
            self.push(Finding::new(
                rules::PROBABLE_FRACTION,
                location.to_string(),
                format!(
                    "percentage {value} is below 1 %: probably a fraction meant as {}%",
                    value.value() * Decimal::ONE_HUNDRED
                ),
            ));
        }
    }

    /// An enumeration label, read as `labels` says; blank gives `None` without a finding. A label
    /// read by folding, a synonym or as unknown keeps the file's text in `raw` (as `field`) and is
    /// reported as a repaired `AllowedValuesError`; one matching nothing else is an error that
    /// blocks its record. `exact` is JSON's rule: a CMS value in another case is reported too.
    pub fn label<T: Label>(
        &mut self,
        text: &str,
        field: &dyn fmt::Display,
        location: &dyn fmt::Display,
        raw: &mut Vec<RawValue>,
        exact: bool,
    ) -> Option<T> {
        let written = text;
        let text = trim(text);
        if text.is_empty() {
            return None;
        }
        let (value, message) = match labels::read::<T>(text) {
            LabelRead::Listed(value) if !exact || value.text() == written => return Some(value),
            LabelRead::Listed(value) => (
                value,
                format!("{written:?} must be written {:?}", value.text()),
            ),
            LabelRead::Folded(value) => (
                value,
                format!(
                    "{} {written:?} is not one of {}; read as {:?}",
                    T::WHAT,
                    labels::expected::<T>(),
                    value.text()
                ),
            ),
            LabelRead::Unknown(value) => (
                value,
                format!(
                    "{} {written:?} is not one of {}; kept as {:?} with the text written",
                    T::WHAT,
                    labels::expected::<T>(),
                    value.text()
                ),
            ),
            LabelRead::Unmatched => {
                self.push(Finding::new(
                    rules::ALLOWED_VALUES,
                    location.to_string(),
                    format!(
                        "{} {written:?} is not one of {}",
                        T::WHAT,
                        labels::expected::<T>()
                    ),
                ));
                return None;
            }
        };
        self.push(Finding::new(rules::ALLOWED_VALUES, location.to_string(), message).normalised());
        raw.push(RawValue {
            field: field.to_string(),
            raw: written.to_owned(),
        });
        Some(value)
    }

    /// A v3 count of allowed amounts; blank gives `None`.
    pub fn count(&mut self, text: &str, location: &dyn fmt::Display) -> Option<AllowedCount> {
        let text = trim(text);
        if text.is_empty() {
            return None;
        }
        match AllowedCount::parse(text) {
            Ok(count) => {
                if count == AllowedCount::Exactly(999_999_999) {
                    self.push(Finding::new(
                        rules::NINE_NINES,
                        location.to_string(),
                        "count is 999999999, a placeholder",
                    ));
                }
                Some(count)
            }
            Err(error) => {
                self.push(Finding::new(
                    rules::INVALID_COUNT_NUMBER,
                    location.to_string(),
                    error.to_string(),
                ));
                None
            }
        }
    }

    pub fn required(&mut self, present: bool, location: &dyn fmt::Display, what: &str) {
        if !present {
            self.push(Finding::new(
                rules::REQUIRED_VALUE,
                location.to_string(),
                format!("a value is required for {what}"),
            ));
        }
    }
}

/// Type-2 NPIs as written, each with where it was written (a CSV cell, or a JSON pointer). The CMS
/// validator only requires the list to be non-blank (CSV) or its strings non-empty (JSON schema:
/// `minLength: 1`, no pattern), so a malformed NPI is the importer's own alert, not a CMS error; the
/// raw text is quoted in the finding, since it cannot be kept as an `Npi`.
pub(crate) fn npis<'a>(
    written: impl IntoIterator<Item = (String, &'a str)>,
    check: &mut Check,
) -> Vec<Npi> {
    written
        .into_iter()
        .filter_map(|(location, text)| match Npi::parse(text) {
            Ok(npi) => Some(npi),
            Err(_) => {
                check.push(Finding::new(rules::INVALID_NPI, location.to_string(),
                    format!(
                        "type-2 NPI {text:?} is not 10 digits; it is left out of the facility's NPIs"
                    ),
                ));
                None
            }
        })
        .collect()
}

/// `str::trim`, with a shortcut for the usual text that starts and ends with a visible ASCII
/// character (or is empty): no Unicode whitespace test then, which is most of what trimming costs.
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [] => text,
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// The CSV validator's number grammar `^(?:\d+|\d+\.\d+|\d+\.|\.\d+)$`.
pub(crate) fn plain_number(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty())
}

/// `$800`, `$ 1,200.50`, `1,200` → the plain number; anything else (signs, words, misplaced commas)
/// → `None`.
fn loosened(text: &str) -> Option<String> {
    let text = text.strip_prefix('$').unwrap_or(text).trim();
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let whole = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let well_grouped =
            (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|group| group.len() == 3);
        if !well_grouped {
            return None;
        }
        groups.concat()
    } else {
        whole.to_owned()
    };
    let clean = match fraction {
        Some(fraction) => format!("{whole}.{fraction}"),
        None => whole,
    };
    plain_number(&clean).then_some(clean)
}

/// Dates CMS accepts: `YYYY-MM-DD`, and in CSV also `M/D/YYYY`.
pub(crate) fn date(text: &str, allow_us_form: bool) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    if let Some((year, rest)) = text.split_once('-')
        && year.len() == 4
        && rest.len() == 5
    {
        return chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    }
    let parts: Vec<&str> = text.split('/').collect();
    if allow_us_form
        && parts.len() == 3
        && parts[0].len() <= 2
        && parts[1].len() <= 2
        && parts[2].len() == 4
    {
        return chrono::NaiveDate::parse_from_str(text, "%m/%d/%Y").ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<Amount>, Vec<Finding>, Vec<RawValue>) {
        let mut check = Check::new();
        let mut raw = Vec::new();
        let value = check.positive_text::<Amount>(text, "gross", &"J4", &mut raw);
        (value, check.findings, raw)
    }

    #[test]
    fn plain_numbers_pass_untouched() {
        for text in ["800", "800.50", ".5", "7."] {
            let (value, findings, raw) = read(text);
            assert!(
                value.is_some() && findings.is_empty() && raw.is_empty(),
                "{text}"
            );
        }
        assert_eq!(read("").0, None);
    }

    #[test]
    fn dollar_signs_and_thousands_are_repaired_and_kept_raw() {
        let (value, findings, raw) = read("$1,200.50");
        assert_eq!(value.unwrap().to_string(), "1200.5");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].normalised && findings[0].rule == "InvalidPositiveNumberError");
        assert_eq!(raw[0].raw, "$1,200.50");

        // The raw text and the message are the file's own, surrounding spaces included.
        let (value, findings, raw) = read(" $800 ");
        assert_eq!(value.unwrap().to_string(), "800");
        assert_eq!(raw[0].raw, " $800 ");
        assert!(findings[0].message.contains(r#"" $800 ""#), "{findings:?}");
    }

    #[test]
    fn words_zero_and_bad_grouping_block() {
        for text in ["N/A", "0", "0.00", "-5", "12,00", "100% Medicare", "1e3"] {
            let (value, findings, _) = read(text);
            assert!(value.is_none(), "{text}");
            assert!(crate::finding::any_blocking(&findings), "{text}");
        }
    }

    #[test]
    fn nine_nines_and_fractions_alert() {
        let (value, findings, _) = read("999999999");
        assert!(value.is_some());
        assert_eq!(findings[0].rule, "NineNinesAlert");
        let mut check = Check::new();
        check.percentage_alert(Some(Percentage::parse("0.2").unwrap()), &"Q4");
        check.percentage_alert(Some(Percentage::parse("220").unwrap()), &"Q5");
        assert_eq!(check.findings.len(), 1);
        assert!(check.findings[0].message.contains("20"));
    }

    #[test]
    fn json_numbers_keep_their_exact_value() {
        let mut check = Check::new();
        let value: Amount = check
            .positive_json("22243.34", "estimated_amount", &"/x")
            .unwrap();
        assert_eq!(value.to_micros(), 22_243_340_000);
        let value: Amount = check.positive_json("1.5e3", "gross_charge", &"/x").unwrap();
        assert_eq!(value.to_string(), "1500");
        assert!(
            check
                .positive_json::<Amount>("-1", "gross_charge", &"/x")
                .is_none()
        );
        assert!(check.blocked());
    }

    #[test]
    fn dates_in_both_cms_forms() {
        assert!(date("2024-07-01", false).is_some());
        assert!(date("8/1/2024", true).is_some());
        assert!(date("8/1/2024", false).is_none());
        assert!(date("July 1 2024", true).is_none());
        assert!(date("2024-02-30", true).is_none());
    }
}
