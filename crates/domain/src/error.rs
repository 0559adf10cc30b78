//! The one error type of the domain's `parse` constructors.

use thiserror::Error;

/// Why a text could not become a domain value. The message names the kind of value and the text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("{value:?} is not a valid {what}; expected one of: {expected}")]
    UnknownValue {
        what: &'static str,
        value: String,
        expected: String,
    },
    #[error("{value:?} is not a valid {what}: {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
}

impl ParseError {
    pub(crate) fn invalid(what: &'static str, value: &str, reason: &'static str) -> Self {
        Self::Invalid {
            what,
            value: value.to_owned(),
            reason,
        }
    }
}
