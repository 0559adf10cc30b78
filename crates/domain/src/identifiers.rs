//! Identifiers of a facility: state codes, type-2 NPIs, CMS certification numbers and EINs.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ParseError;

/// State, district and territory codes the CMS schema accepts for a license.
const STATE_CODES: [&str; 59] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI", "FM", "MH", "PW",
];

macro_rules! text_identifier {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
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

text_identifier! {
    /// A two-letter US state, district or territory code, upper case.
    StateCode
}

impl StateCode {
    /// Every code [`Self::parse`] accepts (in any case), upper case.
    pub const ALL: [&'static str; 59] = STATE_CODES;

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let upper = text.trim().to_ascii_uppercase();
        if STATE_CODES.contains(&upper.as_str()) {
            Ok(Self(upper))
        } else {
            Err(ParseError::invalid(
                "state code",
                text,
                "expected a two-letter US state or territory code such as CA",
            ))
        }
    }
}

text_identifier! {
    /// A type-2 (organizational) National Provider Identifier: exactly ten digits.
    Npi
}

impl Npi {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        if trimmed.len() == 10 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(ParseError::invalid(
                "NPI",
                text,
                "expected exactly 10 digits",
            ))
        }
    }
}

text_identifier! {
    /// A CMS Certification Number (Medicare provider number): six characters, digits or upper-case letters.
    Ccn
}

impl Ccn {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let upper = text.trim().to_ascii_uppercase();
        if upper.len() == 6 && upper.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(upper))
        } else {
            Err(ParseError::invalid(
                "CCN",
                text,
                "expected 6 letters or digits",
            ))
        }
    }
}

text_identifier! {
    /// An Employer Identification Number, kept in the `NN-NNNNNNN` form.
    Ein
}

impl Ein {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let digits: String = text.trim().chars().filter(|c| *c != '-').collect();
        if digits.len() == 9
            && digits.bytes().all(|b| b.is_ascii_digit())
            && text.trim().matches('-').count() <= 1
        {
            Ok(Self(format!("{}-{}", &digits[..2], &digits[2..])))
        } else {
            Err(ParseError::invalid(
                "EIN",
                text,
                "expected 9 digits, as NN-NNNNNNN",
            ))
        }
    }
}

impl Ein {
    /// The EIN a file name carries under the CMS naming rule `<EIN>[-<NPI>]_<name>_standardcharges.<ext>`.
    pub fn from_file_name(file_name: &str) -> Option<Self> {
        let base = file_name
            .rsplit(['/', '\\', '!'])
            .next()
            .unwrap_or(file_name);
        if !base.to_ascii_lowercase().contains("_standardcharges.") {
            return None;
        }
        let first = base.split('_').next()?;
        let ein = first.split_once('-').map_or(first, |(head, tail)| {
            // `NN-NNNNNNN` is an EIN; `NNNNNNNNN-NNNNNNNNNN` is an EIN followed by an NPI.
            if tail.len() == 10 { head } else { first }
        });
        Self::parse(ein).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_identifiers() {
        assert_eq!(StateCode::parse(" ca").unwrap().as_str(), "CA");
        assert!(StateCode::parse("[state]").is_err());
        assert_eq!(Npi::parse("0000000001").unwrap().as_str(), "0000000001");
        assert!(Npi::parse("12345").is_err());
        assert_eq!(Ein::parse("630436871").unwrap().as_str(), "63-0436871");
        assert_eq!(Ein::parse("63-0436871").unwrap().as_str(), "63-0436871");
        assert!(Ein::parse("6-30-436871").is_err());
        assert_eq!(Ccn::parse("01013a").unwrap().as_str(), "01013A");
    }

    #[test]
    fn reads_the_ein_from_a_cms_file_name() {
        let ein = |name| Ein::from_file_name(name).map(|e| e.to_string());
        assert_eq!(
            ein("630436871_grove-hill-memorial-hospital_standardcharges.csv").as_deref(),
            Some("63-0436871")
        );
        assert_eq!(
            ein("63-0436871_grove_standardcharges.json").as_deref(),
            Some("63-0436871")
        );
        assert_eq!(
            ein("630436871-1234567893_grove_standardcharges.json").as_deref(),
            Some("63-0436871")
        );
        assert_eq!(
            ein("data/x.zip!823462523_Bayhealth_StandardCharges.csv").as_deref(),
            Some("82-3462523")
        );
        assert_eq!(ein("CRMC-Standard-Charges1.1.csv"), None);
        assert_eq!(ein("12345_short_standardcharges.csv"), None);
    }
}
