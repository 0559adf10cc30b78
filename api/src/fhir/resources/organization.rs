//! Organization: a hospital (from its current snapshot) or a payer (from its plans).

use priceline_store::queries::directory::{Hospital, PlanEntry};
use serde_json::{Value, json};

use super::meta;
use crate::fhir::{codes, ids};

const ORGANIZATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/organization-type";

/// The identifiers of a hospital: its NPIs, CCN, EIN and state license, where known.
pub fn hospital_identifiers(hospital: &Hospital) -> Vec<(String, String)> {
    let facility = &hospital.facility;
    let mut identifiers: Vec<(String, String)> = facility
        .npis
        .iter()
        .map(|npi| (codes::NPI.to_owned(), npi.clone()))
        .collect();
    if let Some(ccn) = &facility.ccn {
        identifiers.push((codes::CCN.to_owned(), ccn.clone()));
    }
    if let Some(ein) = &facility.ein {
        identifiers.push((codes::EIN.to_owned(), ein.clone()));
    }
    if let Some(number) = &facility.license_number {
        let system = match &facility.license_state {
            Some(state) => codes::state_license(state.as_str()),
            None => codes::license(),
        };
        identifiers.push((system, number.clone()));
    }
    identifiers
}

/// A hospital's addresses: one per location with an address, else its license state alone.
pub fn hospital_addresses(hospital: &Hospital) -> Vec<Value> {
    let mut addresses: Vec<Value> = hospital
        .facility
        .places
        .iter()
        .filter(|place| place.address.is_some())
        .map(super::location::address)
        .collect();
    if addresses.is_empty()
        && let Some(state) = &hospital.facility.license_state
    {
        addresses.push(json!({ "state": state.as_str() }));
    }
    addresses
}

pub fn hospital(hospital: &Hospital) -> Value {
    let facility = &hospital.facility;
    let mut resource = json!({
        "resourceType": "Organization",
        "id": ids::hospital(facility.id),
        "meta": meta(facility.source_file_id, hospital.imported_at),
        "active": true,
        "type": [{ "coding": [{
            "system": ORGANIZATION_TYPE, "code": "prov", "display": "Healthcare Provider"
        }] }],
        "name": facility.name,
    });
    let identifiers: Vec<Value> = hospital_identifiers(hospital)
        .into_iter()
        .map(|(system, value)| json!({ "system": system, "value": value }))
        .collect();
    if !identifiers.is_empty() {
        resource["identifier"] = Value::Array(identifiers);
    }
    let addresses = hospital_addresses(hospital);
    if !addresses.is_empty() {
        resource["address"] = Value::Array(addresses);
    }
    resource
}

/// A payer, from its plans (at least one, all of the same payer). Its version is the newest file
/// among its plans'.
pub fn payer(plans: &[&PlanEntry]) -> Option<Value> {
    let newest = plans.iter().max_by_key(|plan| plan.source_file_id)?;
    Some(json!({
        "resourceType": "Organization",
        "id": ids::payer(newest.payer_id),
        "meta": meta(newest.source_file_id, newest.imported_at),
        "active": true,
        "type": [{ "coding": [{ "system": ORGANIZATION_TYPE, "code": "pay", "display": "Payer" }] }],
        "name": newest.payer_name,
    }))
}
