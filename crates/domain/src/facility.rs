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
