//! City, state and ZIP read from a location's free-text address. Files give one address line per
//! location (`12 Main Street, Fullerton, CA  92832`); searching by city or ZIP needs its parts.

use priceline_domain::StateCode;

/// A location of a facility with the parts of its address that searches use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<StateCode>,
    pub zip: Option<String>,
}

impl Place {
    pub(crate) fn new(name: Option<String>, address: Option<String>) -> Self {
        let (city, state, zip) = address.as_deref().map(split_address).unwrap_or_default();
        Self {
            name,
            address,
            city,
            state,
            zip,
        }
    }
}

fn is_zip(token: &str) -> bool {
    let (five, plus_four) = token.split_once('-').unwrap_or((token, "0000"));
    five.len() == 5
        && plus_four.len() == 4
        && five
            .bytes()
            .chain(plus_four.bytes())
            .all(|b| b.is_ascii_digit())
}

/// `…, City, ST 12345[-6789]` or `… City ST 12345`: the last comma-separated part holds the state and
/// ZIP (and the city when there is no comma before them); anything else yields no parts.
fn split_address(address: &str) -> (Option<String>, Option<StateCode>, Option<String>) {
    let parts: Vec<&str> = address
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    let Some(last) = parts.last() else {
        return (None, None, None);
    };
    let mut tokens: Vec<&str> = last.split_whitespace().collect();
    let zip = match tokens.last() {
        Some(token) if is_zip(token) => tokens.pop().map(|zip| zip[..5].to_owned()),
        _ => None,
    };
    let state = match tokens.last().map(|token| StateCode::parse(token)) {
        Some(Ok(state)) if tokens.last().is_some_and(|t| t.len() == 2) => {
            tokens.pop();
            Some(state)
        }
        _ => None,
    };
    let city = if state.is_none() && zip.is_none() {
        None
    } else if !tokens.is_empty() {
        Some(tokens.join(" "))
    } else if parts.len() >= 2 {
        Some(parts[parts.len() - 2].to_owned())
    } else {
        None
    };
    (city, state, zip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(address: &str) -> (Option<String>, Option<String>, Option<String>) {
        let (city, state, zip) = split_address(address);
        (city, state.map(|s| s.to_string()), zip)
    }

    #[test]
    fn reads_city_state_and_zip() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            parts("12 Main Street, Fullerton, CA  92832"),
            (some("Fullerton"), some("CA"), some("92832"))
        );
        assert_eq!(
            parts("23 Ocean Ave, San Jose CA 94088-1234"),
            (some("San Jose"), some("CA"), some("94088"))
        );
        assert_eq!(parts("somewhere"), (None, None, None));
    }
}
