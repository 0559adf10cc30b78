//! The resources of each type as the store holds them: read by id, listed as search candidates
//! (the directory types, filtered in memory), or paged from the store (ChargeItemDefinition).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use priceline_store::DbConnection;
use priceline_store::queries::FacilityFilter;
use priceline_store::queries::charge_items::{self, ChargeItemFilter, ChargeItemKey};
use priceline_store::queries::directory::{self, Hospital, PlanEntry};
use serde_json::Value;

use super::bundle::Resource;
use super::codes;
use super::ids::{self, OrganizationId};
use super::outcome::FhirError;
use super::registry::{Kind, ResourceType};
use super::resources::{charge_item, insurance_plan, location, organization};
use super::search::{Candidate, Cursor, DirectoryPage, Facts, SearchRequest, reference_of};

/// More than any directory holds: "all of them" for the store's keyset pages.
const ALL: usize = 10_000_000;

type Found<T> = Result<T, FhirError>;

fn hospitals(connection: &mut DbConnection, filter: &FacilityFilter) -> Found<Vec<Hospital>> {
    Ok(directory::hospitals(connection, filter, None, ALL)?.items)
}

/// One hospital by its facility id, if it has a current snapshot.
fn hospital(connection: &mut DbConnection, facility_id: i64) -> Found<Option<Hospital>> {
    let filter = FacilityFilter {
        facility_id: Some(facility_id),
        ..FacilityFilter::default()
    };
    Ok(hospitals(connection, &filter)?.pop())
}

/// One Organization by its id: a hospital, or a payer with its plans.
fn organization_by_id(connection: &mut DbConnection, id: OrganizationId) -> Found<Option<Value>> {
    Ok(match id {
        OrganizationId::Hospital(facility_id) => {
            hospital(connection, facility_id)?.map(|hospital| organization::hospital(&hospital))
        }
        OrganizationId::Payer(payer_id) => {
            let plans = directory::payer(connection, payer_id)?;
            organization::payer(&plans.iter().collect::<Vec<&PlanEntry>>())
        }
    })
}

fn hospital_candidate(hospital: &Hospital) -> Candidate {
    let facility = &hospital.facility;
    let mut states: Vec<String> = facility
        .places
        .iter()
        .filter_map(|place| place.state.as_ref().map(|s| s.as_str().to_owned()))
        .collect();
    states.extend(
        facility
            .license_state
            .as_ref()
            .map(|s| s.as_str().to_owned()),
    );
    Candidate {
        resource: organization::hospital(hospital),
        group: 0,
        numbers: (facility.id, 0),
        facts: Facts {
            identifiers: organization::hospital_identifiers(hospital),
            names: vec![facility.name.clone()],
            states,
            zips: facility
                .places
                .iter()
                .filter_map(|p| p.zip.clone())
                .collect(),
            references: Vec::new(),
            types: vec!["prov".to_owned()],
        },
    }
}

/// The plans of each payer, by payer id.
fn payers(plans: &[PlanEntry]) -> BTreeMap<i64, Vec<&PlanEntry>> {
    let mut payers: BTreeMap<i64, Vec<&PlanEntry>> = BTreeMap::new();
    for plan in plans {
        payers.entry(plan.payer_id).or_default().push(plan);
    }
    payers
}

fn payer_candidate(payer_id: i64, plans: &[&PlanEntry]) -> Option<Candidate> {
    Some(Candidate {
        resource: organization::payer(plans)?,
        group: 1,
        numbers: (payer_id, 0),
        facts: Facts {
            names: plans
                .first()
                .map(|p| p.payer_name.clone())
                .into_iter()
                .collect(),
            types: vec!["pay".to_owned()],
            ..Facts::default()
        },
    })
}

fn organizations(connection: &mut DbConnection) -> Found<Vec<Candidate>> {
    let mut candidates: Vec<Candidate> = hospitals(connection, &FacilityFilter::default())?
        .iter()
        .map(hospital_candidate)
        .collect();
    let plans = directory::plans(connection)?;
    candidates.extend(
        payers(&plans)
            .into_iter()
            .filter_map(|(payer_id, plans)| payer_candidate(payer_id, &plans)),
    );
    Ok(candidates)
}

fn locations(connection: &mut DbConnection) -> Found<Vec<Candidate>> {
    let mut candidates = Vec::new();
    for hospital in hospitals(connection, &FacilityFilter::default())? {
        let facility = &hospital.facility;
        for ((index, place), resource) in facility
            .places
            .iter()
            .enumerate()
            .zip(location::locations(&hospital))
        {
            let position = index + 1;
            candidates.push(Candidate {
                group: 0,
                numbers: (facility.id, position as i64),
                facts: Facts {
                    identifiers: vec![(codes::locations(), format!("{}-{position}", facility.id))],
                    names: resource["name"]
                        .as_str()
                        .map(str::to_owned)
                        .into_iter()
                        .collect(),
                    states: place.state.iter().map(|s| s.as_str().to_owned()).collect(),
                    zips: place.zip.iter().cloned().collect(),
                    references: vec![format!("Organization/{}", ids::hospital(facility.id))],
                    types: Vec::new(),
                },
                resource,
            });
        }
    }
    Ok(candidates)
}

fn insurance_plans(connection: &mut DbConnection) -> Found<Vec<Candidate>> {
    Ok(directory::plans(connection)?
        .iter()
        .map(|plan| Candidate {
            resource: insurance_plan::plan(plan),
            group: 0,
            numbers: (plan.id, 0),
            facts: Facts {
                names: vec![insurance_plan::plan_name(plan)],
                references: vec![format!("Organization/{}", ids::payer(plan.payer_id))],
                ..Facts::default()
            },
        })
        .collect())
}

fn not_found(resource: &ResourceType, id: &str) -> FhirError {
    FhirError::not_found(format!("{}/{id} is not known", resource.name))
}

/// One resource by id, in its current version.
pub fn read(connection: &mut DbConnection, resource: &ResourceType, id: &str) -> Found<Value> {
    let missing = || not_found(resource, id);
    match resource.kind {
        Kind::Organization => {
            let id = OrganizationId::parse(id).ok_or_else(missing)?;
            organization_by_id(connection, id)?.ok_or_else(missing)
        }
        Kind::Location => {
            let (facility_id, position) = ids::parse_location(id).ok_or_else(missing)?;
            let hospital = hospital(connection, facility_id)?.ok_or_else(missing)?;
            location::locations(&hospital)
                .into_iter()
                .nth(position - 1)
                .ok_or_else(missing)
        }
        Kind::InsurancePlan => {
            let plan_id = ids::parse_plan(id).ok_or_else(missing)?;
            directory::plan(connection, plan_id)?
                .as_ref()
                .map(insurance_plan::plan)
                .ok_or_else(missing)
        }
        Kind::ChargeItemDefinition => {
            let key = ids::parse_charge_item(id).ok_or_else(missing)?;
            let item = match charge_items::get(connection, &key) {
                Err(priceline_store::StoreError::NotFound) => return Err(missing()),
                other => other?,
            };
            if !item.current {
                return Err(FhirError::gone(format!(
                    "ChargeItemDefinition/{id} is an item of source file {}, which {} has since \
                     replaced with a newer file: search ChargeItemDefinition by its code for the \
                     current definition",
                    item.provenance.source_file_id, item.facility_name
                )));
            }
            Ok(charge_item::charge_item_definition(&item))
        }
    }
}

/// The Organizations `references` (`Organization/{id}`) name, for `_include`: each read by its id.
pub fn referenced_organizations(
    connection: &mut DbConnection,
    references: &[String],
) -> Found<Vec<Value>> {
    let mut organizations = Vec::new();
    for reference in references {
        let id = reference.trim_start_matches("Organization/");
        if let Some(id) = OrganizationId::parse(id) {
            organizations.extend(organization_by_id(connection, id)?);
        }
    }
    Ok(organizations)
}

/// The store filter of a ChargeItemDefinition search.
fn charge_item_filter(request: &SearchRequest) -> Found<ChargeItemFilter> {
    let mut filter = ChargeItemFilter::default();
    let mut code_criteria = request.of("code");
    if let Some(criterion) = code_criteria.next() {
        if code_criteria.next().is_some() || criterion.value.contains(',') {
            return Err(FhirError::invalid("code", "give one code per search"));
        }
        let (system, code) = match criterion.value.split_once('|') {
            Some((system, code)) => (system, code),
            None => ("", criterion.value.as_str()),
        };
        if !system.is_empty() {
            let code_type = codes::code_type(system).ok_or_else(|| {
                FhirError::invalid(
                    "code",
                    format!(
                        "{system} is not the system of a code type this server holds (README, FHIR)"
                    ),
                )
            })?;
            filter.code_type = Some(code_type);
        }
        filter.code = Some(code.to_owned());
    }
    let mut organizations = request.of("organization");
    if let Some(criterion) = organizations.next() {
        if organizations.next().is_some() || criterion.value.contains(',') {
            return Err(FhirError::invalid(
                "organization",
                "give one organization per search",
            ));
        }
        let reference = reference_of(&criterion.value, "Organization");
        let id = reference.trim_start_matches("Organization/");
        // Only hospitals publish charges: any other organization has none (facility 0 is none).
        filter.facility_id = match OrganizationId::parse(id) {
            Some(OrganizationId::Hospital(facility_id)) => Some(facility_id),
            _ => Some(0),
        };
    }
    Ok(filter)
}

/// One page of a search of `resource`.
pub fn search(
    connection: &mut DbConnection,
    resource: &ResourceType,
    request: &SearchRequest,
) -> Found<DirectoryPage> {
    let candidates = match resource.kind {
        Kind::Organization => organizations(connection)?,
        Kind::Location => locations(connection)?,
        Kind::InsurancePlan => insurance_plans(connection)?,
        Kind::ChargeItemDefinition => return charge_items_page(connection, request),
    };
    super::search::page(candidates, request)
}

fn charge_items_page(
    connection: &mut DbConnection,
    request: &SearchRequest,
) -> Found<DirectoryPage> {
    let filter = charge_item_filter(request)?;
    let after: Option<ChargeItemKey> = match &request.cursor {
        Some(cursor) => Some(serde_json::from_value(cursor.after.clone()).map_err(|_| {
            FhirError::invalid(
                "_cursor",
                "is not a cursor of this search; follow the next link unchanged",
            )
        })?),
        None => None,
    };
    if request.count == 0 || request.summary_count {
        let total = match &request.cursor {
            Some(cursor) => cursor.total,
            None => charge_items::count(connection, &filter)?,
        };
        return Ok(DirectoryPage {
            matches: Vec::new(),
            total,
            next: None,
        });
    }
    let page = charge_items::page(connection, &filter, after.as_ref(), request.count)?;
    // Counted once, on the first page, and only when it is not the last (a first page that holds
    // every match is its own count); later pages carry the total in their cursor.
    let total = match (&request.cursor, &page.next) {
        (Some(cursor), _) => cursor.total,
        (None, None) => page.items.len() as u64,
        (None, Some(_)) => charge_items::count(connection, &filter)?,
    };
    Ok(DirectoryPage {
        matches: page
            .items
            .iter()
            .map(|item| {
                let systems = charge_item::Systems::of(item);
                Resource::typed(
                    "ChargeItemDefinition",
                    ids::charge_item(&item.key),
                    &charge_item::typed(item, &systems),
                )
            })
            .collect(),
        total,
        next: page.next.map(|key| Cursor {
            after: serde_json::to_value(key).unwrap_or(Value::Null),
            total,
        }),
    })
}

/// The status of a version read: the current version is served; an earlier one of the same
/// resource has been superseded by a newer source file (410); anything else is unknown (404).
pub fn version_status(current: i64, asked: &str) -> StatusCode {
    match asked.parse::<i64>() {
        Ok(version) if version == current => StatusCode::OK,
        Ok(version) if version > 0 && version < current && !asked.starts_with('0') => {
            StatusCode::GONE
        }
        _ => StatusCode::NOT_FOUND,
    }
}
