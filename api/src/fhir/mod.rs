//! The FHIR R4 (4.0.1) interface under `/fhir`: the same store as `/v1`, served as Organization
//! (hospitals and payers), Location, InsurancePlan and ChargeItemDefinition resources, with search
//! Bundles, OperationOutcome errors and a CapabilityStatement.
//!
//! One table ([`registry::RESOURCES`]) lists each resource type with its interactions and search
//! parameters: [`configure`] mounts a route for each interaction it lists, and the
//! CapabilityStatement is written from the same table, so the two cannot drift apart.
//!
//! The resource builders ([`resources`]) are plain functions from store values to JSON, so that a
//! bulk export can stream them from the store's keyset pages as well.

pub mod bundle;
pub mod capability;
pub mod catalogue;
pub mod codes;
pub mod export;
pub mod format;
pub mod handlers;
pub mod ids;
pub mod outcome;
pub mod registry;
pub mod resources;
pub mod search;

use actix_web::{HttpRequest, web};

/// The media type of every /fhir body, errors included.
pub const FHIR_JSON: &str = "application/fhir+json";

/// The FHIR version served.
pub const FHIR_VERSION: &str = "4.0.1";

/// The path every FHIR route is under.
pub const BASE_PATH: &str = "/fhir";

/// The canonical base of the project's own FHIR definitions: extension URLs, code systems and
/// identifier systems are `{DEFINITIONS}/StructureDefinition/…`, `{DEFINITIONS}/CodeSystem/…` and
/// `{DEFINITIONS}/sid/…`. A name, not a server: canonical URLs need not resolve (README, "FHIR").
pub const DEFINITIONS: &str = "https://hospital-priceline.org/fhir";

/// `/fhir` or a path below it.
pub fn is_fhir(path: &str) -> bool {
    path.strip_prefix(BASE_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Mounts the metadata route and, for each resource type of the registry, a route per interaction
/// it lists.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route(
        &format!("{BASE_PATH}/metadata"),
        web::get().to(handlers::metadata),
    );
    for resource in registry::RESOURCES {
        for interaction in resource.interactions {
            let path = format!("{BASE_PATH}{}", interaction.path(resource.name));
            let route = match interaction {
                registry::Interaction::SearchType => {
                    web::get().to(move |request: HttpRequest| handlers::search(resource, request))
                }
                registry::Interaction::Read => {
                    web::get().to(move |request: HttpRequest, path: web::Path<String>| {
                        handlers::read(resource, request, path)
                    })
                }
                registry::Interaction::Vread => web::get().to(
                    move |request: HttpRequest, path: web::Path<(String, String)>| {
                        handlers::vread(resource, request, path)
                    },
                ),
            };
            config.route(&path, route);
        }
    }
}
