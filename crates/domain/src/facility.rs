//! A hospital as its price file describes it: the general data elements of rows 1–2 (CSV) or the
//! root object (JSON).

use serde::{Deserialize, Serialize};

use crate::{Ccn, Ein, Npi, StateCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facility {
    /// The hospital's legal business name.
    pub hospital_name: String,
    /// Locations covered by the file, paired with their addresses in file order.
    pub locations: Vec<Location>,
    pub license: License,
    /// Type-2 NPIs (v3.0); empty for v2 files.
    pub type_2_npis: Vec<Npi>,
    /// CMS Certification Number, when known (files do not carry it; operators or file names may).
    pub ccn: Option<Ccn>,
    /// Employer Identification Number, when known (the CMS file-name rule starts with it).
    pub ein: Option<Ein>,
    pub financial_aid_policy: Option<String>,
    pub general_contract_provisions: Vec<ContractProvision>,
}

impl Facility {
    /// The identity under which snapshots of the same hospital are grouped: its state license when the
    /// file gives one (a license belongs to one hospital); else, for a file named by the CMS rule or
    /// a profile that gives the EIN (legacy chargemasters, which have neither license nor address),
    /// the EIN with the name, since one EIN may cover a health system's several hospitals while two
    /// unrelated hospitals may share a name; otherwise the name and first address.
    /// Case, spacing and punctuation do not matter, so re-published files keep their history.
    pub fn key(&self) -> String {
        let normal = |text: &str| {
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|word| !word.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
                .join("-")
        };
        match (
            &self.license.state,
            self.license.number.as_deref().map(normal),
        ) {
            (Some(state), Some(number)) if !number.is_empty() => {
                format!("license:{}:{number}", state.as_str().to_lowercase())
            }
            _ if self.ein.is_some() => format!(
                "ein:{}:{}",
                self.ein.as_ref().map(Ein::as_str).unwrap_or_default(),
                normal(&self.hospital_name)
            ),
            _ => {
                let address = self
                    .locations
                    .iter()
                    .find_map(|l| l.address.as_deref())
                    .unwrap_or("");
                format!("name:{}:{}", normal(&self.hospital_name), normal(address))
            }
        }
    }
}

/// One location of a facility. Files list names and addresses as parallel lists that may differ in
/// length, so either side can be missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub name: Option<String>,
    pub address: Option<String>,
}

/// The hospital license: the state comes from the CSV key (`license_number|CA`) or the JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct License {
    pub state: Option<StateCode>,
    pub number: Option<String>,
}

/// General contract provisions: one free text in CSV, a list scoped by payer and plan in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractProvision {
    pub payer_name: Option<String>,
    pub plan_name: Option<String>,
    pub provisions: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facility(
        name: &str,
        state: Option<&str>,
        number: Option<&str>,
        address: Option<&str>,
    ) -> Facility {
        Facility {
            hospital_name: name.into(),
            locations: vec![Location {
                name: Some(name.into()),
                address: address.map(Into::into),
            }],
            license: License {
                state: state.map(|s| StateCode::parse(s).unwrap()),
                number: number.map(Into::into),
            },
            type_2_npis: vec![],
            ccn: None,
            ein: None,
            financial_aid_policy: None,
            general_contract_provisions: vec![],
        }
    }

    #[test]
    fn the_key_prefers_the_license_and_ignores_spelling_noise() {
        let a = facility("West Mercy Hospital", Some("CA"), Some(" 50056 "), None);
        let b = facility(
            "WEST MERCY HOSPITAL, INC.",
            Some("ca"),
            Some("50056"),
            Some("elsewhere"),
        );
        assert_eq!(a.key(), "license:ca:50056");
        assert_eq!(a.key(), b.key());
        let c = facility(
            "West  Mercy Hospital",
            None,
            None,
            Some("12 Main St., Fullerton"),
        );
        let d = facility(
            "west mercy hospital",
            None,
            Some(""),
            Some("12 MAIN ST FULLERTON"),
        );
        assert_eq!(c.key(), "name:west-mercy-hospital:12-main-st-fullerton");
        assert_eq!(c.key(), d.key());
    }

    #[test]
    fn without_a_license_the_ein_and_name_group_a_hospital() {
        let mut a = facility("Stony Brook Eastern Long Island Hospital", None, None, None);
        a.ein = Some(Ein::parse("11-3243405").unwrap());
        let mut b = facility(
            "STONY BROOK EASTERN LONG ISLAND HOSPITAL",
            None,
            Some(""),
            None,
        );
        b.ein = Some(Ein::parse("113243405").unwrap());
        assert_eq!(a.key(), b.key());
        assert!(a.key().starts_with("ein:"), "{}", a.key());
        // Another hospital of the same system (one EIN) is a hospital of its own.
        let mut c = facility("Stony Brook Southampton Hospital", None, None, None);
        c.ein = a.ein.clone();
        assert_ne!(a.key(), c.key());
        // Two unrelated hospitals of one name are told apart by their EINs.
        let mut d = facility("Stony Brook Eastern Long Island Hospital", None, None, None);
        d.ein = Some(Ein::parse("221234567").unwrap());
        assert_ne!(a.key(), d.key());
        // A license still comes first.
        let mut e = facility("West Mercy Hospital", Some("CA"), Some("50056"), None);
        e.ein = a.ein.clone();
        assert_eq!(e.key(), "license:ca:50056");
    }
}
