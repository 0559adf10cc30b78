//! The v3.0 `count` of allowed amounts: a privacy-binned number of remittances.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ParseError;

/// How many allowed amounts the median and percentiles were computed from. CMS bins small counts:
/// the file says `0`, `1 through 10`, or a whole number of at least 11 (no thousands separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AllowedCount {
    Zero,
    OneThroughTen,
    Exactly(u64),
}

impl AllowedCount {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        if trimmed == "0" {
            return Ok(Self::Zero);
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        if words.len() == 3
            && words[0] == "1"
            && words[1].eq_ignore_ascii_case("through")
            && words[2] == "10"
        {
            return Ok(Self::OneThroughTen);
        }
        let reason = "expected \"0\", \"1 through 10\" or a whole number of at least 11";
        if trimmed.is_empty()
            || trimmed.starts_with('0')
            || !trimmed.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(ParseError::invalid("count", text, reason));
        }
        match trimmed.parse::<u64>() {
            Ok(number) if number >= 11 => Ok(Self::Exactly(number)),
            _ => Err(ParseError::invalid("count", text, reason)),
        }
    }

    /// The lowest number of allowed amounts this bin can stand for.
    pub fn minimum(self) -> u64 {
        match self {
            Self::Zero => 0,
            Self::OneThroughTen => 1,
            Self::Exactly(number) => number,
        }
    }
}

impl fmt::Display for AllowedCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero => f.write_str("0"),
            Self::OneThroughTen => f.write_str("1 through 10"),
            Self::Exactly(number) => write!(f, "{number}"),
        }
    }
}

impl FromStr for AllowedCount {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for AllowedCount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AllowedCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_bins() {
        assert_eq!(AllowedCount::parse("0").unwrap(), AllowedCount::Zero);
        assert_eq!(
            AllowedCount::parse("1 through 10").unwrap(),
            AllowedCount::OneThroughTen
        );
        assert_eq!(
            AllowedCount::parse("1 Through  10").unwrap(),
            AllowedCount::OneThroughTen
        );
        assert_eq!(
            AllowedCount::parse("11").unwrap(),
            AllowedCount::Exactly(11)
        );
        assert_eq!(AllowedCount::parse("2500").unwrap().to_string(), "2500");
    }

    #[test]
    fn refuses_numbers_the_bins_hide_and_malformed_text() {
        for text in ["1", "10", "011", "1,200", "", "-3", "12.5", "ten"] {
            assert!(AllowedCount::parse(text).is_err(), "{text:?}");
        }
    }
}
