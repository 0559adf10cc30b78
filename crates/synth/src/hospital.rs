//! Synthetic hospitals: a name, locations with US addresses, an EIN, a state license, type-2 NPIs,
//! the attester, the price level and the payer contracts. Everything derives from (seed, index), so
//! hospital 3 of seed 42 is the same hospital whatever file size or format is asked for.

use crate::Format;
use crate::payer::{Contract, contracts};
use crate::rng::Rng;

/// Streams of randomness of one hospital (see `Rng::derive`).
pub(crate) const IDENTITY_STREAM: u64 = 1;
pub(crate) const ITEM_STREAM: u64 = 2;
pub(crate) const MODIFIER_STREAM: u64 = 3;

static CITIES: &[(&str, &str, &str)] = &[
    ("Springfield", "IL", "62701"),
    ("Columbus", "OH", "43215"),
    ("Madison", "WI", "53703"),
    ("Austin", "TX", "78701"),
    ("Sacramento", "CA", "95814"),
    ("Albany", "NY", "12207"),
    ("Boise", "ID", "83702"),
    ("Denver", "CO", "80202"),
    ("Raleigh", "NC", "27601"),
    ("Richmond", "VA", "23219"),
    ("Nashville", "TN", "37203"),
    ("Phoenix", "AZ", "85004"),
    ("Salem", "OR", "97301"),
    ("Olympia", "WA", "98501"),
    ("Lansing", "MI", "48933"),
    ("Harrisburg", "PA", "17101"),
    ("Trenton", "NJ", "08608"),
    ("Hartford", "CT", "06103"),
    ("Providence", "RI", "02903"),
    ("Concord", "NH", "03301"),
    ("Montpelier", "VT", "05602"),
    ("Augusta", "ME", "04330"),
    ("Worcester", "MA", "01608"),
    ("Baltimore", "MD", "21201"),
    ("Dover", "DE", "19901"),
    ("Charleston", "WV", "25301"),
    ("Columbia", "SC", "29201"),
    ("Macon", "GA", "31201"),
    ("Tallahassee", "FL", "32301"),
    ("Montgomery", "AL", "36104"),
    ("Jackson", "MS", "39201"),
    ("Baton Rouge", "LA", "70802"),
    ("Little Rock", "AR", "72201"),
    ("Tulsa", "OK", "74103"),
    ("Topeka", "KS", "66603"),
    ("Lincoln", "NE", "68508"),
    ("Des Moines", "IA", "50309"),
    ("Rochester", "MN", "55902"),
    ("Bismarck", "ND", "58501"),
    ("Sioux Falls", "SD", "57104"),
    ("Billings", "MT", "59101"),
    ("Cheyenne", "WY", "82001"),
    ("Provo", "UT", "84601"),
    ("Reno", "NV", "89501"),
    ("Santa Fe", "NM", "87501"),
    ("Lexington", "KY", "40507"),
    ("Fort Wayne", "IN", "46802"),
    ("Joplin", "MO", "64801"),
    ("Anchorage", "AK", "99501"),
    ("Honolulu", "HI", "96813"),
    ("Washington", "DC", "20001"),
    ("San Juan", "PR", "00901"),
];

static KINDS: &[&str] = &[
    "General Hospital",
    "Regional Medical Center",
    "Community Hospital",
    "Memorial Hospital",
    "University Hospital",
    "Medical Center",
    "Baptist Hospital",
    "Methodist Hospital",
];

static STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Hospital Dr",
    "Medical Center Blvd",
    "Elm St",
    "Washington Ave",
    "Lincoln Way",
    "Park Rd",
    "University Ave",
    "Riverside Dr",
];

static FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Robert", "Mei", "David", "Sofia", "Michael", "Priya", "John",
    "Elena", "Thomas",
];

static LAST_NAMES: &[&str] = &[
    "Garcia", "Johnson", "Nguyen", "Smith", "Patel", "Brown", "Kim", "Williams", "Okafor",
    "Miller", "Rossi", "Davis",
];

/// IRS campus prefixes; an EIN never starts with 00, 07–09, 17–19, 28, 29, 49, 69, 70, 78, 79, 89 or 96+.
static EIN_PREFIXES: &[u64] = &[
    10, 12, 20, 23, 26, 36, 38, 41, 46, 52, 56, 61, 62, 63, 71, 74, 81, 84, 87, 94,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub name: String,
    /// `123 Main St, Springfield, IL 62701`.
    pub address: String,
}

/// One synthetic hospital, as its files describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hospital {
    pub name: String,
    /// Nine digits, written `NN-NNNNNNN`.
    pub ein: String,
    pub locations: Vec<Location>,
    pub license_state: &'static str,
    pub license_number: String,
    /// Ten-digit type-2 NPIs with a valid check digit.
    pub npis: Vec<String>,
    /// `YYYY-MM-DD`.
    pub last_updated_on: String,
    pub attester_name: String,
    /// Payer/plan contracts, in file (Wide column) order.
    pub contracts: Vec<Contract>,
    /// The hospital's price level, in basis points of the catalogue's reference prices.
    pub(crate) price_bp: u64,
    /// Gross charge as a multiple of the reference price (chargemaster markup), in basis points.
    pub(crate) markup_bp: u64,
    /// Discounted cash price as a share of the gross charge, in basis points.
    pub(crate) cash_bp: u64,
    /// First number of the hospital's chargemaster (CDM) codes.
    pub(crate) cdm_base: u64,
}

impl Hospital {
    /// Hospital `index` of `seed`. Names, EINs and NPIs are distinct across indexes of one seed.
    pub fn new(seed: u64, index: usize) -> Self {
        let mut rng = Rng::derive(seed, index as u64, IDENTITY_STREAM);
        // The city cycles fastest, then the kind: names repeat only after CITIES × KINDS hospitals,
        // and then carry a round number.
        let slot = index + (seed % CITIES.len() as u64) as usize;
        let (city, state, zip) = CITIES[slot % CITIES.len()];
        let kind = KINDS[(slot / CITIES.len()) % KINDS.len()];
        let round = slot / (CITIES.len() * KINDS.len());
        let name = if round == 0 {
            format!("{city} {kind}")
        } else {
            format!("{city} {kind} {}", round + 1)
        };
        let address = |rng: &mut Rng| {
            format!(
                "{} {}, {city}, {state} {zip}",
                rng.range(1, 9_899),
                rng.pick(STREETS)
            )
        };
        let mut locations = vec![Location {
            name: name.clone(),
            address: address(&mut rng),
        }];
        if rng.percent(50) {
            locations.push(Location {
                name: format!("{name} Outpatient Pavilion"),
                address: address(&mut rng),
            });
        }
        // Multiplying by a number coprime with 10 is a bijection modulo a power of 10: EIN serials and
        // NPIs are distinct per index.
        let offset = spread(seed);
        let serial = (index as u64 * 7_654_321 + offset) % 10_000_000;
        let ein = format!("{:02}-{serial:07}", rng.pick(EIN_PREFIXES));
        let npis = (0..rng.range(1, 3))
            .map(|n| npi(100_000_000 + ((index as u64 * 3 + n) * 7_919_113 + offset) % 100_000_000))
            .collect();
        let attester_name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
        Self {
            ein,
            license_state: state,
            // Distinct per index too: the importer keys a facility by its license.
            license_number: format!("{:07}", (index as u64 * 3_141_593 + offset) % 10_000_000),
            npis,
            last_updated_on: format!("2026-{:02}-{:02}", rng.range(1, 6), rng.range(1, 28)),
            attester_name,
            price_bp: rng.range(7_500, 19_000),
            markup_bp: rng.range(20_000, 38_000),
            cash_bp: rng.range(4_000, 8_000),
            cdm_base: rng.range(10, 89) * 1_000_000,
            contracts: contracts(&mut rng),
            name,
            locations,
        }
    }

    /// The name as it appears in file names: lower case, words joined with `-`.
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for word in self
            .name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
        {
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.push_str(&word.to_ascii_lowercase());
        }
        slug
    }

    /// The CMS file name rule, `<EIN>_<hospital-name>_standardcharges.<csv|json>`.
    pub fn file_name(&self, format: Format) -> String {
        let ein: String = self.ein.chars().filter(char::is_ascii_digit).collect();
        format!(
            "{ein}_{}_standardcharges.{}",
            self.slug(),
            format.extension()
        )
    }
}

/// An offset from the seed, so that identifiers do not start at 0000001 for hospital 0.
fn spread(seed: u64) -> u64 {
    Rng::derive(seed, 0, IDENTITY_STREAM).next_u64() % 1_000_000_000
}

/// A 10-digit NPI from its first 9 digits (`first9` must start with 1 or 2): the check digit is the
/// Luhn digit of `80840` followed by the 9 digits, as the NPI standard defines it.
fn npi(first9: u64) -> String {
    let digits = format!("80840{first9:09}");
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            // Counting from the right of the number *with* its check digit, these are the even places.
            if position % 2 == 0 {
                let doubled = digit * 2;
                doubled / 10 + doubled % 10
            } else {
                digit
            }
        })
        .sum();
    format!("{first9:09}{}", (10 - sum % 10) % 10)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn npi_check_digit_follows_the_standard() {
        // The example of the NPI standard: 123456789 has check digit 3.
        assert_eq!(npi(123_456_789), "1234567893");
    }

    #[test]
    fn hospitals_are_stable_and_distinct() {
        assert_eq!(Hospital::new(42, 3), Hospital::new(42, 3));
        let hospitals: Vec<Hospital> = (0..500).map(|index| Hospital::new(42, index)).collect();
        let distinct = |field: fn(&Hospital) -> String| {
            hospitals.iter().map(field).collect::<HashSet<_>>().len()
        };
        assert_eq!(distinct(|h| h.name.clone()), 500);
        assert_eq!(distinct(|h| h.ein[3..].to_owned()), 500);
        assert_eq!(distinct(Hospital::slug), 500);
        assert_eq!(distinct(|h| h.license_number.clone()), 500);
        for hospital in &hospitals {
            assert!(
                hospital
                    .npis
                    .iter()
                    .all(|npi| npi.len() == 10 && npi.starts_with('1'))
            );
            assert_eq!(hospital.ein.len(), 10);
        }
        let hospital = Hospital::new(1, 0);
        let name = hospital.file_name(Format::Json);
        assert!(name.ends_with("_standardcharges.json"), "{name}");
        assert_eq!(name.split('_').next().map(str::len), Some(9), "{name}");
    }
}
