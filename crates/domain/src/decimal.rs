//! Exact decimals: dollar amounts, percentages and drug quantities.
//!
//! Files write numbers as plain decimal text (`575.75`, `12.3456`, `.5`). We keep their exact value in a
//! base-10 decimal and never pass through `f64`. Storage uses whole micro-units (10⁻⁶), so every value
//! parsed here survives a database round trip unchanged; a value needing more than six fractional digits
//! is refused by `parse` rather than rounded.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ParseError;

/// Fractional digits an exact decimal may carry.
pub const MAX_FRACTION_DIGITS: u32 = 6;
/// Micro-units in one unit: the integer scale used for storage.
pub const MICROS_PER_UNIT: i64 = 1_000_000;

macro_rules! exact_decimal {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Decimal);

        impl $name {
            /// Parses the CMS plain-number grammar: digits with at most one `.` (`12`, `12.5`, `12.`,
            /// `.5`); no sign, currency symbol, thousands separator or exponent.
            pub fn parse(text: &str) -> Result<Self, ParseError> {
                parse_plain(text, $what).map(Self)
            }

            /// The value from whole micro-units (10⁻⁶), as stored in the database.
            pub fn from_micros(micros: i64) -> Result<Self, ParseError> {
                from_micros(micros, $what).map(Self)
            }

            /// The value in whole micro-units (10⁻⁶); exact because `parse` admits at most six digits.
            pub fn to_micros(self) -> i64 {
                to_micros(self.0)
            }

            /// The exact decimal value.
            pub fn value(self) -> Decimal {
                self.0
            }

            /// True when the value is zero, which CMS forbids for charges but files still write.
            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl TryFrom<Decimal> for $name {
            type Error = ParseError;
            fn try_from(value: Decimal) -> Result<Self, Self::Error> {
                checked(value, $what).map(Self)
            }
        }

        /// Shortest exact form: `575.75`, `12.3456`, `50` (trailing zeros dropped).
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match (f.precision(), Shortest::of(self.0)) {
                    // As a number: right-aligned, with `+` and `0` flags, as rust_decimal does.
                    (None, Some(shortest)) => f.pad_integral(true, "", shortest.as_str()),
                    _ => fmt::Display::fmt(&self.0.normalize(), f),
                }
            }
        }

        /// Serialized as a decimal string so no reader has to go through binary floating point.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match Shortest::of(self.0) {
                    Some(shortest) => serializer.serialize_str(shortest.as_str()),
                    None => serializer.collect_str(self),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

exact_decimal! {
    /// A dollar amount: gross, discounted cash, minimum, maximum, negotiated, allowed or estimated.
    Amount, "amount"
}

exact_decimal! {
    /// A percentage as CMS writes it: `70.5` means 70.5 %, not 0.705. May exceed 100
    /// (220 % of a fee schedule is a real contract).
    Percentage, "percentage"
}

exact_decimal! {
    /// A drug quantity (`drug_unit_of_measurement`), e.g. `50.0000`.
    Quantity, "quantity"
}

fn parse_plain(text: &str, what: &'static str) -> Result<Decimal, ParseError> {
    match parse_short(text.as_bytes()) {
        Some(value) => Ok(value),
        None => parse_general(text, what),
    }
}

fn parse_general(text: &str, what: &'static str) -> Result<Decimal, ParseError> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let fraction_text = fraction.unwrap_or("");
    if !all_digits(whole)
        || !all_digits(fraction_text)
        || (whole.is_empty() && fraction_text.is_empty())
    {
        return Err(ParseError::invalid(
            what,
            text,
            "expected a plain number such as 1200 or 575.75 (no sign, $, comma or exponent)",
        ));
    }
    // Trailing zeros add no value: `1.0000000` is exactly 1.
    let fraction_text = fraction_text.trim_end_matches('0');
    if fraction_text.len() > MAX_FRACTION_DIGITS as usize {
        return Err(ParseError::invalid(
            what,
            text,
            "more than 6 decimal places",
        ));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 12 {
        return Err(ParseError::invalid(
            what,
            text,
            "larger than 999,999,999,999",
        ));
    }
    // No allocation on this per-cell path: the digits are all ASCII and at most 12 + 6 of them.
    let mantissa = whole
        .bytes()
        .chain(fraction_text.bytes())
        .fold(0i64, |acc, digit| acc * 10 + i64::from(digit - b'0'));
    // Fraction digits ≤ 6 and whole digits ≤ 12 keep the mantissa well inside i64 and the scale legal.
    Ok(Decimal::new(mantissa, fraction_text.len() as u32))
}

/// `parse_plain` of the usual cell in one pass over its bytes: digits with at most one `.`, at most
/// 12 of them before it and 6 after it as written, not both parts empty. Such text is always valid
/// and its mantissa fits an i64 unchecked. Anything else (`None`) takes the general path, which
/// also words the errors. Why: this runs on every amount of a file, and the general path's several
/// passes were most of the cost of reading one.
fn parse_short(bytes: &[u8]) -> Option<Decimal> {
    if bytes.len() > 12 + 1 + MAX_FRACTION_DIGITS as usize {
        return None;
    }
    let mut mantissa = 0i64;
    let mut dot = None;
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(byte - b'0'),
            b'.' if dot.is_none() => dot = Some(index),
            _ => return None,
        }
    }
    let (whole, fraction) = match dot {
        Some(dot) => (dot, bytes.len() - dot - 1),
        None => (bytes.len(), 0),
    };
    if whole > 12 || fraction > MAX_FRACTION_DIGITS as usize || whole + fraction == 0 {
        return None;
    }
    // Trailing zeros add no value, as on the general path: `1.50` is 1.5 with scale 1.
    let mut scale = fraction as u32;
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    Some(Decimal::new(mantissa, scale))
}

fn checked(value: Decimal, what: &'static str) -> Result<Decimal, ParseError> {
    // The value's text only names it in an error: formatting it for every value read was the
    // largest cost of turning stored amounts into decimals.
    let refuse = |reason: &'static str| Err(ParseError::invalid(what, &value.to_string(), reason));
    if value.is_sign_negative() && !value.is_zero() {
        return refuse("negative");
    }
    let value = value.normalize();
    if value.scale() > MAX_FRACTION_DIGITS {
        return refuse("more than 6 decimal places");
    }
    if value.trunc() > Decimal::new(999_999_999_999, 0) {
        return refuse("larger than 999,999,999,999");
    }
    Ok(value)
}

/// The shortest exact text of a value within the types' bounds (not negative, at most 12 whole and
/// 6 fraction digits), written on the stack from its integer mantissa. Why: `rust_decimal`'s general
/// formatter (normalize, then text through a heap buffer) was the largest cost of turning a page of
/// price lines into their views.
struct Shortest {
    bytes: [u8; 20],
    len: usize,
}

impl Shortest {
    /// `None` outside the bounds, which only a `Decimal` built elsewhere could be.
    fn of(value: Decimal) -> Option<Self> {
        let scale = value.scale();
        let mantissa = i64::try_from(value.mantissa()).ok()?;
        if scale > MAX_FRACTION_DIGITS || !(0..=MAX_MICROS).contains(&mantissa) {
            return None;
        }
        let unit = 10i64.pow(scale);
        let (whole, mut fraction, mut digits) = (mantissa / unit, mantissa % unit, scale);
        if whole > 999_999_999_999 {
            return None;
        }
        while digits > 0 && fraction % 10 == 0 {
            fraction /= 10;
            digits -= 1;
        }
        let mut text = Self {
            bytes: [0; 20],
            len: 0,
        };
        text.push_digits(whole as u64, 1);
        if digits > 0 {
            text.bytes[text.len] = b'.';
            text.len += 1;
            text.push_digits(fraction as u64, digits as usize);
        }
        Some(text)
    }

    /// `number` in decimal, zero-padded on the left to `width` digits.
    fn push_digits(&mut self, mut number: u64, width: usize) {
        let mut digits = [0u8; 12];
        let mut count = 0;
        while number > 0 || count < width {
            digits[count] = b'0' + (number % 10) as u8;
            number /= 10;
            count += 1;
        }
        for &digit in digits[..count].iter().rev() {
            self.bytes[self.len] = digit;
            self.len += 1;
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and a dot were written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// The largest value in micro-units: 999,999,999,999.999999.
const MAX_MICROS: i64 = 999_999_999_999_999_999;

fn from_micros(micros: i64, what: &'static str) -> Result<Decimal, ParseError> {
    let value = Decimal::new(micros, MAX_FRACTION_DIGITS);
    if (0..=MAX_MICROS).contains(&micros) {
        // Six digits at most and within bounds by construction: nothing to check.
        return Ok(value.normalize());
    }
    checked(value, what)
}

fn to_micros(value: Decimal) -> i64 {
    let mut scaled = value;
    scaled.rescale(MAX_FRACTION_DIGITS);
    // Invariant of the types: at most 6 fraction digits and at most 12 whole digits, so this fits.
    i64::try_from(scaled.mantissa()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_written_value_exactly() {
        for text in [
            "575.75",
            "12.3456",
            "0.000001",
            "999999999",
            "1200",
            "0.2",
            "220",
        ] {
            let amount = Amount::parse(text).unwrap();
            assert_eq!(amount.to_string(), text);
            assert_eq!(Amount::from_micros(amount.to_micros()).unwrap(), amount);
        }
        assert_eq!(Quantity::parse("50.0000").unwrap().to_string(), "50");
        assert_eq!(Amount::parse(".5").unwrap().to_string(), "0.5");
        assert_eq!(Amount::parse("7.").unwrap().to_string(), "7");
        assert_eq!(Amount::parse("575.75").unwrap().to_micros(), 575_750_000);
        assert_eq!(Amount::parse("1.0000000").unwrap().to_string(), "1");
    }

    #[test]
    fn the_one_pass_reading_agrees_with_the_general_one() {
        // Every text of up to 8 characters over digits, `.` and one other character (the n-th of
        // a length spells n in base 5), then long ones.
        let alphabet = ['0', '1', '9', '.', 'x'];
        let mut texts: Vec<String> = (0..=8u32)
            .flat_map(|length| {
                (0..alphabet.len().pow(length)).map(move |mut n| {
                    (0..length)
                        .map(|_| {
                            let character = alphabet[n % alphabet.len()];
                            n /= alphabet.len();
                            character
                        })
                        .collect()
                })
            })
            .collect();
        texts.extend(
            [
                "123456789012.123456",
                "1234567890123.5",
                "000000000000001",
                "1.1234560",
                "1.0000000",
                "999999999999.999999",
            ]
            .map(String::from),
        );
        let mut fast = 0;
        for text in texts {
            if let Some(value) = parse_short(text.as_bytes()) {
                fast += 1;
                let general = parse_general(&text, "amount").unwrap();
                assert_eq!(
                    (value, value.scale()),
                    (general, general.scale()),
                    "{text:?}"
                );
            }
        }
        assert!(fast > 10_000, "{fast}");
    }

    #[test]
    fn refuses_what_is_not_a_plain_number() {
        for text in [
            "",
            ".",
            "$800",
            "1,200",
            "-5",
            "1e3",
            "N/A",
            " 12",
            "12.1234567",
            "1.2.3",
        ] {
            assert!(Amount::parse(text).is_err(), "{text:?} should be refused");
        }
        assert!(Percentage::parse("1000000000000").is_err());
        assert!(Percentage::parse("999999999999.999999").is_ok());
    }

    #[test]
    fn the_shortest_text_is_rust_decimals_normalized_text() {
        // Every scale, trailing zeros or not, over values spread across the range (a sparse
        // multiplicative walk, about twenty mantissas).
        let mut mantissa: i64 = 0;
        while mantissa <= MAX_MICROS {
            for scale in 0..=MAX_FRACTION_DIGITS {
                let value = Decimal::new(mantissa, scale);
                let expected = value.normalize().to_string();
                match Shortest::of(value) {
                    Some(text) => assert_eq!(text.as_str(), expected, "{mantissa} scale {scale}"),
                    // Only past 12 whole digits.
                    None => assert!(value.trunc() > Decimal::new(999_999_999_999, 0), "{value}"),
                }
            }
            mantissa = mantissa * 7 + 13;
        }
        let amount = Amount::from_micros(1_500_000).unwrap();
        assert_eq!(amount.to_string(), "1.5");
        assert_eq!(format!("[{amount:6}]"), "[   1.5]");
        assert_eq!(format!("[{amount:06}] [{amount:+}]"), "[0001.5] [+1.5]");
        assert_eq!(
            format!("{amount:.3}"),
            "1.500",
            "a precision still rounds as rust_decimal does"
        );
        assert_eq!(Amount::from_micros(0).unwrap().to_string(), "0");
        assert_eq!(
            Amount::from_micros(MAX_MICROS).unwrap().to_string(),
            "999999999999.999999"
        );
    }

    #[test]
    fn serializes_as_an_exact_string() {
        let value = Percentage::parse("12.3456").unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), "\"12.3456\"");
        let back: Percentage = serde_json::from_str("\"12.3456\"").unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn micros_round_trip_and_refuse_negatives() {
        assert_eq!(
            Amount::from_micros(12_345_600).unwrap().to_string(),
            "12.3456"
        );
        assert!(Amount::from_micros(-1).is_err());
        // The unchecked path's bounds are the checked path's.
        assert_eq!(
            Amount::from_micros(MAX_MICROS).unwrap().to_string(),
            "999999999999.999999"
        );
        assert!(Amount::from_micros(MAX_MICROS + 1).is_err());
        assert_eq!(Amount::from_micros(0).unwrap().to_string(), "0");
        assert_eq!(
            Amount::from_micros(2_889_700_000).unwrap().to_string(),
            "2889.7"
        );
    }
}
