//! The kick-off request of an export: `Prefer: respond-async`, `_type`, `_since`, `_outputFormat`.
//! Any other parameter is refused (400) rather than ignored, so that a client never takes a partial
//! export for the one it asked for.

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, Utc};

use crate::fhir::outcome::FhirError;
use crate::fhir::registry::{self, ResourceType};

/// The `_outputFormat` values that name NDJSON (the IG's abbreviations included).
const NDJSON_FORMATS: &[&str] = &["application/fhir+ndjson", "application/ndjson", "ndjson"];

/// What an export is asked to write.
#[derive(Debug)]
pub struct ExportRequest {
    pub types: Vec<&'static ResourceType>,
    /// Only resources whose `meta.lastUpdated` is after this instant.
    pub since: Option<DateTime<Utc>>,
}

/// Whether the request prefers an asynchronous answer (RFC 7240 `Prefer: respond-async`).
fn prefers_async(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all(header::HeaderName::from_static("prefer"))
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| {
            preference
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("respond-async")
        })
}

/// Reads a kick-off request; `only` is the type of a per-type export.
pub fn parse(
    request: &HttpRequest,
    only: Option<&'static ResourceType>,
) -> Result<ExportRequest, FhirError> {
    if !prefers_async(request) {
        return Err(FhirError::invalid(
            "Prefer",
            "an export runs asynchronously: send Prefer: respond-async",
        ));
    }
    let mut types: Option<Vec<&'static ResourceType>> = None;
    let mut since = None;
    for (name, value) in form_urlencoded::parse(request.query_string().as_bytes()) {
        match name.as_ref() {
            "_type" => {
                let listed = types.get_or_insert_with(Vec::new);
                for type_name in value.split(',').map(str::trim) {
                    let resource = registry::find(type_name)
                        .filter(|found| only.is_none_or(|only| only.name == found.name))
                        .ok_or_else(|| {
                            let served = match only {
                                Some(only) => only.name.to_owned(),
                                None => registry::RESOURCES
                                    .iter()
                                    .map(|r| r.name)
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            };
                            FhirError::invalid(
                                "_type",
                                format!(
                                    "{type_name:?} is not a type this export writes ({served})"
                                ),
                            )
                        })?;
                    if !listed.iter().any(|r| r.name == resource.name) {
                        listed.push(resource);
                    }
                }
            }
            "_since" => {
                let instant = DateTime::parse_from_rfc3339(value.trim()).map_err(|_| {
                    FhirError::invalid(
                        "_since",
                        format!(
                            "{value:?} is not a FHIR instant (date, time with seconds and zone, \
                             e.g. 2026-01-31T12:00:00Z)"
                        ),
                    )
                })?;
                since = Some(instant.with_timezone(&Utc));
            }
            "_outputFormat" => {
                if !NDJSON_FORMATS.contains(&value.trim()) {
                    return Err(FhirError::invalid(
                        "_outputFormat",
                        format!("{value:?} is not served; files are application/fhir+ndjson"),
                    ));
                }
            }
            other => {
                return Err(FhirError::invalid(
                    other,
                    "is not a parameter of $export this server supports (_type, _since, \
                     _outputFormat)",
                ));
            }
        }
    }
    let types = match (types, only) {
        (Some(types), _) => types,
        (None, Some(only)) => vec![only],
        (None, None) => registry::RESOURCES.iter().collect(),
    };
    Ok(ExportRequest { types, since })
}
