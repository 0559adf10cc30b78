//! Location: each location a hospital's current file lists.

use priceline_store::queries::Place;
use priceline_store::queries::directory::Hospital;
use serde_json::{Value, json};

use super::{meta, reference};
use crate::fhir::{codes, ids};

/// A location's address: the file's text, with the city, state and ZIP read from it when they
/// could be.
pub fn address(place: &Place) -> Value {
    let mut address = json!({});
    if let Some(text) = &place.address {
        address["text"] = json!(text);
    }
    if let Some(city) = &place.city {
        address["city"] = json!(city);
    }
    if let Some(state) = &place.state {
        address["state"] = json!(state.as_str());
    }
    if let Some(zip) = &place.zip {
        address["postalCode"] = json!(zip);
    }
    address
}

/// The Locations of a hospital, in file order (ids count from 1).
pub fn locations(hospital: &Hospital) -> Vec<Value> {
    let facility = &hospital.facility;
    facility
        .places
        .iter()
        .enumerate()
        .map(|(index, place)| {
            let id = ids::location(facility.id, index + 1);
            let mut resource = json!({
                "resourceType": "Location",
                "id": id,
                "meta": meta(facility.source_file_id, hospital.imported_at),
                "identifier": [{
                    "system": codes::locations(),
                    "value": format!("{}-{}", facility.id, index + 1),
                }],
                "status": "active",
                "name": place.name.clone().unwrap_or_else(|| facility.name.clone()),
                "managingOrganization": reference("Organization", &ids::hospital(facility.id)),
            });
            if place.address.is_some() {
                resource["address"] = address(place);
            }
            resource
        })
        .collect()
}
