//! The /fhir handlers: metadata, read, vread and search of each registered type. Thin: parse, one
//! store read on a database thread (`catalogue`), build, answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use priceline_store::DbConnection;
use serde_json::{Value, json};

use super::bundle::{self, Resource, Results};
use super::outcome::FhirError;
use super::registry::ResourceType;
use super::search::{self, SearchRequest};
use super::{capability, catalogue, format, resources};
use crate::auth::AuthPolicy;
use crate::middleware::unknown_parameters::Handling;
use crate::problem::ApiError;
use crate::routes::read_data;
use crate::state::AppState;

type Answer = Result<HttpResponse, FhirError>;

/// The server's external base URL (origin and path prefix), for absolute URLs in bodies.
fn base(request: &HttpRequest) -> String {
    let external = crate::forwarded::external_base(request);
    let origin = external.origin.unwrap_or_else(|| {
        let info = request.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    format!("{origin}{}", external.prefix)
}

/// The `_format` of a request's query, checked.
fn check_format(request: &HttpRequest) -> Result<(), FhirError> {
    let format = form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(name, _)| name == "_format")
        .map(|(_, value)| value.into_owned());
    format::check(format.as_deref())
}

/// Runs `work` with a database connection, its FHIR error and the store's alike answered as
/// OperationOutcome.
async fn with_store<T: Send + 'static>(
    request: &HttpRequest,
    work: impl FnOnce(&mut DbConnection) -> Result<T, FhirError> + Send + 'static,
) -> Result<T, FhirError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| FhirError::from(ApiError::Internal))?;
    read_data(&state, move |connection| Ok(work(connection)))
        .await
        .map_err(FhirError::from)?
}

pub async fn metadata(request: HttpRequest) -> Answer {
    check_format(&request)?;
    let policy = request
        .app_data::<web::Data<AuthPolicy>>()
        .map(|p| p.get_ref());
    Ok(format::ok(&capability::statement(policy, &base(&request))))
}

pub async fn read(
    resource: &'static ResourceType,
    request: HttpRequest,
    path: web::Path<String>,
) -> Answer {
    check_format(&request)?;
    let id = path.into_inner();
    let body = with_store(&request, move |connection| {
        catalogue::read(connection, resource, &id)
    })
    .await?;
    Ok(format::resource(&body))
}

pub async fn vread(
    resource: &'static ResourceType,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> Answer {
    check_format(&request)?;
    let (id, asked) = path.into_inner();
    let read_id = id.clone();
    let body = with_store(&request, move |connection| {
        catalogue::read(connection, resource, &read_id)
    })
    .await?;
    let current = resources::version(&body).unwrap_or_default();
    match catalogue::version_status(current, &asked) {
        StatusCode::OK => Ok(format::resource(&body)),
        StatusCode::GONE => Err(FhirError::gone(format!(
            "version {asked} of {}/{id} has been superseded by version {current} (a newer source \
             file); this server serves current versions only",
            resource.name
        ))),
        _ => Err(FhirError::not_found(format!(
            "{}/{id} has no version {asked}; its current version is {current}",
            resource.name
        ))),
    }
}

/// The warning that lists the parameters a search ignored.
fn ignored_outcome(resource: &ResourceType, ignored: &[String]) -> Option<Value> {
    if ignored.is_empty() {
        return None;
    }
    let issues: Vec<Value> = ignored
        .iter()
        .map(|name| {
            json!({
                "severity": "warning",
                "code": "not-supported",
                "diagnostics": format!(
                    "{name} is not a search parameter of {} and was ignored (send \
                     Prefer: handling=strict to have it refused)",
                    resource.name
                ),
                "expression": [name],
            })
        })
        .collect();
    Some(json!({ "resourceType": "OperationOutcome", "issue": issues }))
}

/// The references an `_include` follows from a match.
fn included_reference(include: &str, resource: &Value) -> Option<String> {
    let reference = match include {
        "ChargeItemDefinition:organization" => resource["useContext"]
            .as_array()?
            .iter()
            .find_map(|context| context["valueReference"]["reference"].as_str()),
        "Location:organization" => resource["managingOrganization"]["reference"].as_str(),
        "InsurancePlan:owned-by" => resource["ownedBy"]["reference"].as_str(),
        _ => None,
    };
    reference.map(str::to_owned)
}

fn link(base: &str, resource: &ResourceType, pairs: &[(String, String)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let path = format!("{base}{}/{}", super::BASE_PATH, resource.name);
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

pub async fn search(resource: &'static ResourceType, request: HttpRequest) -> Answer {
    let strict = Handling::preferred(request.headers()) == Some(Handling::Strict);
    let parsed: SearchRequest = search::parse(resource, request.query_string(), strict)?;
    format::check(parsed.format.as_deref())?;
    let query = parsed.clone();
    let (page, includes) = with_store(&request, move |connection| {
        let mut count_only = query.clone();
        if query.summary_count || query.count == 0 {
            count_only.count = 0;
        }
        let page = catalogue::search(connection, resource, &count_only)?;
        let mut references: Vec<String> = Vec::new();
        // Each match as a value once (a ChargeItemDefinition is held as JSON text), not per include.
        let matches: Vec<_> = if query.includes.is_empty() {
            Vec::new()
        } else {
            page.matches.iter().map(|found| found.to_value()).collect()
        };
        for include in &query.includes {
            for found in &matches {
                if let Some(reference) = included_reference(include, found)
                    && !references.contains(&reference)
                {
                    references.push(reference);
                }
            }
        }
        let includes = catalogue::referenced_organizations(connection, &references)?;
        Ok((page, includes))
    })
    .await?;
    let base = base(&request);
    let mut matches = page.matches;
    if let Some(elements) = &parsed.elements {
        matches = matches
            .into_iter()
            .map(|found| {
                let mut resource = found.to_value().into_owned();
                bundle::keep_elements(&mut resource, elements);
                Resource::Value(resource)
            })
            .collect();
    }
    let self_link = link(&base, resource, &parsed.applied);
    let next_link = page.next.map(|cursor| {
        let mut pairs = parsed.applied.clone();
        pairs.push(("_cursor".to_owned(), cursor.encode()));
        link(&base, resource, &pairs)
    });
    let results = Results {
        total: page.total,
        matches,
        includes,
        outcome: ignored_outcome(resource, &parsed.ignored),
    };
    Ok(format::ok(&bundle::searchset(
        &base,
        &self_link,
        next_link.as_deref(),
        results,
    )))
}
