//! City, state and ZIP read from a location's free-text address. Files give one address line per
//! location (`12 Main Street, Fullerton, CA  92832`); searching by city or ZIP needs its parts, which
//! are stored beside the address (`file_locations`) so the facility criteria are SQL.

use diesel::prelude::*;
use priceline_domain::StateCode;

use crate::StoreResult;
use crate::connection::DbConnection;
use crate::schema::file_locations;

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

/// City, state and ZIP of a location's address, as `file_locations` stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AddressParts {
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

impl AddressParts {
    pub(crate) fn of(address: Option<&str>) -> Self {
        let (city, state, zip) = address.map(split_address).unwrap_or_default();
        Self {
            city,
            state: state.map(|state| state.as_str().to_owned()),
            zip,
        }
    }
}

/// Stores the parts of every location address that has parts and none stored: locations imported
/// before the parts were columns. Run after migrations; an address without parts is read again each
/// time, which costs a scan of the locations, not a write.
pub(crate) fn fill_address_parts(connection: &mut DbConnection) -> StoreResult<usize> {
    let unread: Vec<(i64, i32, String)> = file_locations::table
        .filter(file_locations::address.is_not_null())
        .filter(file_locations::city.is_null())
        .filter(file_locations::state.is_null())
        .filter(file_locations::zip.is_null())
        .select((
            file_locations::source_file_id,
            file_locations::position,
            file_locations::address.assume_not_null(),
        ))
        .load(connection)?;
    let mut filled = 0;
    connection.transaction(|connection| {
        for (source_file_id, position, address) in unread {
            let parts = AddressParts::of(Some(&address));
            if parts == AddressParts::default() {
                continue;
            }
            filled += diesel::update(file_locations::table.find((source_file_id, position)))
                .set((
                    file_locations::city.eq(parts.city),
                    file_locations::state.eq(parts.state),
                    file_locations::zip.eq(parts.zip),
                ))
                .execute(connection)?;
        }
        StoreResult::Ok(())
    })?;
    Ok(filled)
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
