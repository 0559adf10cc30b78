//! Rows 1 and 2: the general data elements, keys in row 1 and values below them, in any order.

use priceline_domain::{
    Attestation, ContractProvision, Facility, License, Location, Npi, StateCode, TemplateVersion,
};

use crate::detect::{AFFIRMATION, ATTESTATION, STATEMENT_PREFIX, normalise_key};
use crate::finding::{Finding, cell};
use crate::location::pair_locations;
use crate::{rules, values};

/// The general data elements of a CSV file and what is wrong with them.
pub(crate) struct GeneralElements {
    pub facility: Facility,
    pub declared_version: Option<String>,
    /// The cell holding the version value (row 2), where a version alert points.
    pub version_cell: Option<String>,
    pub last_updated_on: Option<chrono::NaiveDate>,
    pub attestation: Option<Attestation>,
    pub findings: Vec<Finding>,
}

/// The CSV validator's state list (the JSON schema also admits FM, MH and PW).
const CSV_EXCLUDED_STATES: [&str; 3] = ["FM", "MH", "PW"];

/// Whether row 1 looks like CMS general-element keys at all; a file without any of them is a
/// legacy chargemaster or not a price file.
pub(crate) fn has_cms_keys(row1: &[String]) -> bool {
    row1.iter().map(|key| normalise_key(key)).any(|key| {
        matches!(
            key.as_str(),
            "hospital_name"
                | "last_updated_on"
                | "version"
                | "hospital_location"
                | "location_name"
                | "hospital_address"
        ) || key.starts_with("license_number|")
            || key.starts_with(STATEMENT_PREFIX)
    })
}

/// Reads the general data elements: which keys row 1 has, whether the required ones are there
/// with values, and what the values below them say.
pub(crate) fn read_rows_1_2(
    row1: &[String],
    row2: &[String],
    version: TemplateVersion,
) -> GeneralElements {
    let mut findings = Vec::new();
    let v3 = version >= TemplateVersion::V3_0;
    let keys = read_keys(row1, row2, &mut findings);
    report_missing_keys(&keys, v3, &mut findings);
    report_blank_values(&keys, &mut findings);

    let last_updated_on = last_updated_on(&keys, &mut findings);
    let attestation = keys
        .statement
        .map(|(index, key)| attestation(&keys, index, key, v3, &mut findings));
    let names = keys
        .text("location_name")
        .or_else(|| keys.text("hospital_location"));
    let locations = locations(
        names.as_deref(),
        keys.text("hospital_address").as_deref(),
        &mut findings,
    );
    let type_2_npis = type_2_npis(&keys, &mut findings);
    let facility = Facility {
        hospital_name: keys.text("hospital_name").unwrap_or_default(),
        locations,
        license: keys.license.clone(),
        type_2_npis,
        ccn: None,
        ein: None,
        financial_aid_policy: keys.text("financial_aid_policy"),
        general_contract_provisions: keys
            .text("general_contract_provisions")
            .map(|provisions| {
                vec![ContractProvision {
                    payer_name: None,
                    plan_name: None,
                    provisions,
                }]
            })
            .unwrap_or_default(),
    };
    GeneralElements {
        facility,
        declared_version: keys.text("version"),
        version_cell: keys.index_of("version").map(|index| cell(index, 2)),
        last_updated_on,
        attestation,
        findings,
    }
}

/// The keys of row 1 (by their normalised name, with their column) and the values of row 2.
struct Keys<'r> {
    row2: &'r [String],
    /// Each general element found, with its column; the first of duplicates wins.
    found: Vec<(&'static str, usize)>,
    /// From the `license_number | <state>` key and its value.
    license: License,
    license_found: bool,
    /// The column and exact text of the affirmation (v2) or attestation (v3) key.
    statement: Option<(usize, &'r str)>,
}

impl<'r> Keys<'r> {
    fn index_of(&self, name: &str) -> Option<usize> {
        self.found
            .iter()
            .find(|(seen, _)| *seen == name)
            .map(|(_, index)| *index)
    }

    /// The row 2 value in column `index`, blank when the row is shorter.
    fn value(&self, index: usize) -> &'r str {
        self.row2.get(index).map(String::as_str).unwrap_or_default()
    }

    /// The value of the element `name`, when its key is present and its value not blank.
    fn text(&self, name: &str) -> Option<String> {
        self.index_of(name)
            .map(|index| self.value(index))
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    }
}

/// Finds the general-element keys of row 1, in any order and case; the license key also gives its
/// state (from the key) and number (from row 2). Bad state codes and duplicate keys are reported.
fn read_keys<'r>(row1: &'r [String], row2: &'r [String], findings: &mut Vec<Finding>) -> Keys<'r> {
    let mut keys = Keys {
        row2,
        found: Vec::new(),
        license: License::default(),
        license_found: false,
        statement: None,
    };
    for (index, key) in row1.iter().enumerate() {
        let normalised = normalise_key(key);
        let name: Option<&'static str> = match normalised.as_str() {
            "hospital_name" => Some("hospital_name"),
            "last_updated_on" => Some("last_updated_on"),
            "version" => Some("version"),
            "hospital_location" => Some("hospital_location"),
            "location_name" => Some("location_name"),
            "hospital_address" => Some("hospital_address"),
            "type_2_npi" => Some("type_2_npi"),
            "attester_name" => Some("attester_name"),
            "financial_aid_policy" => Some("financial_aid_policy"),
            "general_contract_provisions" => Some("general_contract_provisions"),
            text if text.starts_with(STATEMENT_PREFIX) => {
                keys.statement = Some((index, key.as_str()));
                Some("statement")
            }
            text if text.starts_with("license_number|") => {
                let state = text.trim_start_matches("license_number|").to_uppercase();
                keys.license_found = true;
                match StateCode::parse(&state) {
                    Ok(code) if !CSV_EXCLUDED_STATES.contains(&code.as_str()) => {
                        keys.license.state = Some(code)
                    }
                    _ => findings.push(Finding::new(
                        rules::INVALID_STATE_CODE,
                        cell(index, 1),
                        format!("{state:?} in {key:?} is not a state code"),
                    )),
                }
                keys.license.number =
                    Some(keys.value(index).to_owned()).filter(|number| !number.is_empty());
                None
            }
            _ => None,
        };
        if let Some(name) = name {
            if keys.found.iter().any(|(seen, _)| *seen == name) {
                findings.push(Finding::new(
                    rules::DUPLICATE_HEADER_COLUMN,
                    cell(index, 1),
                    format!("{key:?} appears more than once"),
                ));
            } else {
                keys.found.push((name, index));
            }
        }
    }
    keys
}

/// Reports the keys the template version requires that row 1 lacks, the license key included.
fn report_missing_keys(keys: &Keys, v3: bool, findings: &mut Vec<Finding>) {
    let required: &[&str] = if v3 {
        &[
            "hospital_name",
            "last_updated_on",
            "version",
            "hospital_address",
            "location_name",
            "type_2_npi",
            "statement",
            "attester_name",
        ]
    } else {
        &[
            "hospital_name",
            "last_updated_on",
            "version",
            "hospital_address",
            "hospital_location",
            "statement",
        ]
    };
    for name in required {
        if keys.index_of(name).is_none() {
            let what = if *name == "statement" {
                if v3 {
                    "the v3 attestation"
                } else {
                    "the v2 affirmation"
                }
            } else {
                name
            };
            findings.push(Finding::new(
                rules::HEADER_COLUMN_MISSING,
                "row 1",
                format!("row 1 has no {what} key"),
            ));
        }
    }
    if !keys.license_found || keys.license.state.is_none() {
        findings.push(Finding::new(
            rules::HEADER_COLUMN_MISSING,
            "row 1",
            "row 1 has no license_number | <state> key",
        ));
    }
}

/// Every key found needs a value (the license number may be blank).
fn report_blank_values(keys: &Keys, findings: &mut Vec<Finding>) {
    for (name, index) in &keys.found {
        let written = keys.value(*index);
        let optional = matches!(
            *name,
            "financial_aid_policy" | "general_contract_provisions"
        );
        if written.is_empty() && !optional {
            findings.push(Finding::new(
                rules::REQUIRED_VALUE,
                cell(*index, 2),
                format!("a value is required for {name}"),
            ));
        }
    }
}

fn last_updated_on(keys: &Keys, findings: &mut Vec<Finding>) -> Option<chrono::NaiveDate> {
    let written = keys.text("last_updated_on")?;
    let date = values::date(&written, true);
    if date.is_none() {
        let index = keys.index_of("last_updated_on").unwrap_or_default();
        findings.push(Finding::new(
            rules::INVALID_DATE,
            cell(index, 2),
            format!("{written:?} is not a date as YYYY-MM-DD or M/D/YYYY"),
        ));
    }
    date
}

/// The affirmation (v2) or attestation (v3) whose key is in column `index`: the key must be the
/// exact statement of the version, and its value `true` or `false`.
fn attestation(
    keys: &Keys,
    index: usize,
    key: &str,
    v3: bool,
    findings: &mut Vec<Finding>,
) -> Attestation {
    let required_text = if v3 { ATTESTATION } else { AFFIRMATION };
    if !key.trim().eq_ignore_ascii_case(required_text) {
        // CMS reports the required key as missing from row 1 (it matches keys exactly).
        findings.push(Finding::new(
            rules::HEADER_COLUMN_MISSING,
            "row 1",
            format!(
                "the statement key in {} is not the exact {} text",
                cell(index, 1),
                if v3 {
                    "v3 attestation"
                } else {
                    "v2 affirmation"
                }
            ),
        ));
    }
    let written = keys.value(index);
    let confirmed = match written.to_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    if confirmed.is_none() && !written.is_empty() {
        findings.push(Finding::new(
            rules::ALLOWED_VALUES,
            cell(index, 2),
            format!("{written:?} must be true or false"),
        ));
    }
    if confirmed == Some(false) {
        findings.push(Finding::new(
            rules::FALSE_STATEMENT,
            cell(index, 2),
            "the hospital does not confirm its attestation",
        ));
    }
    Attestation {
        text: key.to_owned(),
        confirmed,
        attester_name: keys.text("attester_name"),
    }
}

/// The `|`-separated type 2 NPIs, each checked (a bad one is left out with an alert).
fn type_2_npis(keys: &Keys, findings: &mut Vec<Finding>) -> Vec<Npi> {
    let (Some(list), Some(index)) = (keys.text("type_2_npi"), keys.index_of("type_2_npi")) else {
        return Vec::new();
    };
    let at = cell(index, 2);
    let written = list
        .split('|')
        .map(str::trim)
        .filter(|npi| !npi.is_empty())
        .map(|npi| (at.clone(), npi))
        .collect::<Vec<_>>();
    let mut check = values::Check::new();
    let npis = values::npis(written, &mut check);
    findings.extend(check.findings);
    npis
}

/// Location names and addresses are parallel `|` lists; they are paired in order, and an alert says
/// when their lengths differ (a trailing `|` leaves an empty entry, which is dropped).
pub(crate) fn locations(
    names: Option<&str>,
    addresses: Option<&str>,
    findings: &mut Vec<Finding>,
) -> Vec<Location> {
    let split = |list: Option<&str>| -> Vec<String> {
        list.map(|list| {
            list.split('|')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
    };
    pair_locations(split(names), split(addresses), findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn reads_keys_in_any_order_and_case() {
        let row1 = strings(&[
            "Version",
            "Hospital_Name",
            "license_number | de",
            "hospital_location",
            "hospital_address",
            "last_updated_on",
            AFFIRMATION,
        ]);
        let row2 = strings(&[
            "2.0.0",
            "Rockford",
            "08-4002",
            "A|B|",
            "1 Main St|2 Side St",
            "1/9/2025",
            "TRUE",
        ]);
        let general = read_rows_1_2(&row1, &row2, TemplateVersion::V2_2);
        assert!(general.findings.is_empty(), "{:?}", general.findings);
        assert_eq!(general.facility.hospital_name, "Rockford");
        assert_eq!(
            general
                .facility
                .license
                .state
                .as_ref()
                .map(StateCode::as_str),
            Some("DE")
        );
        assert_eq!(general.facility.locations.len(), 2);
        assert_eq!(
            general.last_updated_on.map(|d| d.to_string()).as_deref(),
            Some("2025-01-09")
        );
        assert_eq!(general.attestation.and_then(|a| a.confirmed), Some(true));
    }

    #[test]
    fn reports_missing_keys_blank_values_bad_dates_and_false_statements() {
        let row1 = strings(&[
            "hospital_name",
            "last_updated_on",
            "version",
            "license_number|[state]",
            AFFIRMATION,
        ]);
        let row2 = strings(&["", "July 1 2024", "2.0.0", "", "false"]);
        let general = read_rows_1_2(&row1, &row2, TemplateVersion::V2_2);
        let found: Vec<(&str, &str)> = general
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.location.as_str()))
            .collect();
        for expected in [
            ("RequiredValueError", "A2"),
            ("InvalidDateError", "B2"),
            ("InvalidStateCodeError", "D1"),
            ("FalseStatementAlert", "E2"),
            ("HeaderColumnMissingError", "row 1"),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn a_malformed_npi_is_an_importer_alert_quoting_the_raw_value() {
        let row1 = strings(&["hospital_name", "type_2_npi"]);
        let row2 = strings(&["X", "12345 | 0000000002|"]);
        let general = read_rows_1_2(&row1, &row2, TemplateVersion::V3_0);
        let npis: Vec<&str> = general
            .facility
            .type_2_npis
            .iter()
            .map(|npi| npi.as_str())
            .collect();
        assert_eq!(npis, ["0000000002"]);
        let finding = general
            .findings
            .iter()
            .find(|f| f.rule == "invalid-npi")
            .expect("invalid-npi");
        assert!(!finding.cms && finding.location == "B2" && finding.message.contains("\"12345\""));
    }

    #[test]
    fn the_v3_attestation_is_required_in_v3() {
        let row1 = strings(&["hospital_name", AFFIRMATION]);
        let general = read_rows_1_2(&row1, &strings(&["X", "true"]), TemplateVersion::V3_0);
        assert!(
            general
                .findings
                .iter()
                .any(|f| f.rule == "HeaderColumnMissingError"
                    && f.location == "row 1"
                    && f.message.contains("B1"))
        );
    }
}
