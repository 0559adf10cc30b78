//! A facility's locations: names and addresses are given as two parallel lists (CSV: `|`-separated
//! cells of row 2; JSON: two arrays), paired here the same way for both formats.

use priceline_domain::Location;

use crate::finding::Finding;
use crate::rules;

/// Pairs location names with addresses in order, with an alert when their counts differ.
pub(crate) fn pair_locations(
    names: Vec<String>,
    addresses: Vec<String>,
    findings: &mut Vec<Finding>,
) -> Vec<Location> {
    if names.len() != addresses.len() {
        findings.push(Finding::new(
            rules::LOCATION_ADDRESS_COUNT,
            "",
            format!(
                "{} location names but {} addresses; paired in order",
                names.len(),
                addresses.len()
            ),
        ));
    }
    let count = names.len().max(addresses.len());
    let mut names = names.into_iter();
    let mut addresses = addresses.into_iter();
    (0..count)
        .map(|_| Location {
            name: names.next(),
            address: addresses.next(),
        })
        .collect()
}
