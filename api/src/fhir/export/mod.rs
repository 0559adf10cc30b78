//! FHIR Bulk Data Access (v2.0.0) export, system level (`GET /fhir/$export`) and per type
//! (`GET /fhir/{type}/$export`): an asynchronous job writes one NDJSON file per resource type (split
//! every `PRICELINE_EXPORT_FILE_LINES` lines) under `PRICELINE_EXPORT_DIR`, built with the same resource
//! builders and store pages as search, so that each line is what `GET /fhir/{type}/{id}` returns.
//!
//! Jobs live in the process that started them ([`board`]): a status or download URL asked of another
//! replica, or after a restart, answers 404 saying so. Files and jobs are deleted
//! [`board::LIFETIME`] after the job ends.

pub mod board;
pub mod handlers;
pub mod kickoff;
pub mod writer;

use actix_web::web;
use serde_json::{Value, json};

use super::BASE_PATH;

/// The operation's definition in the Bulk Data Access IG.
pub const DEFINITION: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";

/// The media type of the files.
pub const FHIR_NDJSON: &str = "application/fhir+ndjson";

/// Where a job's status is polled: `{STATUS_PATH}/{job}`.
pub const STATUS_PATH: &str = "/$export-status";

/// Where a job's files are downloaded: `{FILES_PATH}/{job}/{file}`.
pub const FILES_PATH: &str = "/$export-file";

/// Mounts the export routes. Must be configured before the resource routes: `/{type}/$export`
/// would otherwise be read as the id `$export` of a resource.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            &format!("{BASE_PATH}/$export"),
            web::get().to(handlers::system_kickoff),
        )
        .route(
            &format!("{BASE_PATH}/{{type}}/$export"),
            web::get().to(handlers::type_kickoff),
        )
        .route(
            &format!("{BASE_PATH}{STATUS_PATH}/{{job}}"),
            web::get().to(handlers::status),
        )
        .route(
            &format!("{BASE_PATH}{STATUS_PATH}/{{job}}"),
            web::delete().to(handlers::cancel),
        )
        .route(
            &format!("{BASE_PATH}{FILES_PATH}/{{job}}/{{file}}"),
            web::get().to(handlers::download),
        );
}

/// `CapabilityStatement.rest.operation` and `rest.resource.operation`: the export operation, at
/// system level and on every resource type.
pub fn operations() -> Value {
    json!([{ "name": "export", "definition": DEFINITION }])
}
