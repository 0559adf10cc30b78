//! Query parameters an operation does not take. Gateways and browsers add their own: Azure API
//! Management's `subscription-key`, jQuery's `_=` cache-buster. They are ignored by default, and the
//! response names them in `Ignored-Query-Parameters`, so a misspelt filter (`stat=CA`) is still
//! visible to whoever looks. A client that wants a mistake refused sends `Prefer: handling=strict`
//! (RFC 7240): then an unknown parameter is a 400 naming it, and the response says
//! `Preference-Applied: handling=strict`.
//!
//! What an operation takes is read from the spec (its query parameters), so what is documented and
//! what is accepted cannot differ. This runs outside the response cache: a cached response gets the
//! headers of the request it answers.

use std::collections::{HashMap, HashSet};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};

use crate::problem::ApiError;

/// Names the unknown parameters a response ignored, comma-separated, URL-encoded as in the query.
pub const IGNORED_HEADER: &str = "Ignored-Query-Parameters";
/// RFC 7240: the preference the response honoured.
pub const PREFERENCE_APPLIED_HEADER: &str = "Preference-Applied";
/// At most this many names go in [`IGNORED_HEADER`] (then `...`): a URL with thousands of junk
/// parameters must not make a response header too large for the proxies in front.
pub const MAX_NAMED: usize = 20;

/// The `handling` preference of RFC 7240 §4.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Lenient,
    Strict,
}

impl Handling {
    fn token(self) -> &'static str {
        match self {
            Self::Lenient => "handling=lenient",
            Self::Strict => "handling=strict",
        }
    }

    /// The `handling` preference in the request's `Prefer` headers, if any. Preference names are
    /// case-insensitive; only the first `handling` counts (RFC 7240 §2); other preferences and
    /// parameters after `;` are ignored.
    pub fn preferred(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all("prefer")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .find_map(|preference| {
                let preference = preference.split(';').next().unwrap_or_default();
                let (name, value) = preference.split_once('=').unwrap_or((preference, ""));
                name.trim().eq_ignore_ascii_case("handling").then(|| {
                    let value = value.trim().trim_matches('"');
                    if value.eq_ignore_ascii_case("strict") {
                        Some(Self::Strict)
                    } else if value.eq_ignore_ascii_case("lenient") {
                        Some(Self::Lenient)
                    } else {
                        None
                    }
                })
            })
            .flatten()
    }
}

/// The query parameters of every documented operation, by method and path template as actix
/// matches it (`/v1/facilities/{id}`).
#[derive(Debug, Default)]
pub struct KnownParameters(HashMap<(String, String), HashSet<String>>);

impl KnownParameters {
    pub fn from_spec(spec: &OpenApi) -> Self {
        let mut known = HashMap::new();
        for (path, item) in &spec.paths.paths {
            let shared = query_names(item.parameters.as_deref());
            let operations: [(&str, &Option<Operation>); 8] = [
                ("GET", &item.get),
                ("PUT", &item.put),
                ("POST", &item.post),
                ("DELETE", &item.delete),
                ("OPTIONS", &item.options),
                ("HEAD", &item.head),
                ("PATCH", &item.patch),
                ("TRACE", &item.trace),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    let mut names = shared.clone();
                    names.extend(query_names(operation.parameters.as_deref()));
                    known.insert((method.to_owned(), path.clone()), names);
                }
            }
        }
        Self(known)
    }

    fn of(&self, method: &str, template: &str) -> Option<&HashSet<String>> {
        self.0.get(&(method.to_owned(), template.to_owned()))
    }
}

fn query_names(parameters: Option<&[RefOr<utoipa::openapi::path::Parameter>]>) -> HashSet<String> {
    parameters
        .unwrap_or_default()
        .iter()
        .filter_map(|parameter| match parameter {
            RefOr::T(parameter) if parameter.parameter_in == ParameterIn::Query => {
                Some(parameter.name.clone())
            }
            _ => None,
        })
        .collect()
}

/// The distinct names in `query` that are not in `known`, in the order they first appear. Empty
/// names (`?&`, `?=x`) are no parameter at all and are skipped.
pub fn unknown(query: &str, known: &HashSet<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .filter(|name| !name.is_empty() && !known.contains(name))
        .filter(|name| seen.insert(name.clone()))
        .collect()
}

/// The value of [`IGNORED_HEADER`]: each name as a query string would carry it (so the value is
/// plain ASCII whatever the name), at most [`MAX_NAMED`] of them.
fn ignored_value(names: &[String]) -> Option<HeaderValue> {
    let mut listed: Vec<String> = names
        .iter()
        .take(MAX_NAMED)
        .map(|name| form_urlencoded::byte_serialize(name.as_bytes()).collect())
        .collect();
    if names.len() > MAX_NAMED {
        listed.push("...".to_owned());
    }
    HeaderValue::from_str(&listed.join(", ")).ok()
}

pub async fn unknown_parameters(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let known = request
        .app_data::<web::Data<KnownParameters>>()
        .cloned()
        .zip(request.match_pattern())
        .and_then(|(known, template)| {
            known
                .of(request.method().as_str(), &template)
                .map(|names| unknown(request.query_string(), names))
        });
    let Some(unknown) = known else {
        // Not a documented operation (Swagger UI's files, a 404): nothing to say.
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let handling = Handling::preferred(request.headers());
    let mut response = match (handling, unknown.first()) {
        (Some(Handling::Strict), Some(name)) => {
            let refusal = ApiError::invalid(
                name,
                "is not a parameter of this operation (refused because the request prefers \
                 handling=strict; without that preference it is ignored)",
            );
            request.into_response(refusal.error_response())
        }
        _ => next.call(request).await?.map_into_boxed_body(),
    };
    let headers = response.headers_mut();
    // The answer depends on the request's `Prefer`: caches must not give one for the other.
    headers.append(header::VARY, HeaderValue::from_static("Prefer"));
    if let Some(handling) = handling {
        headers.insert(
            HeaderName::from_static("preference-applied"),
            HeaderValue::from_static(handling.token()),
        );
    }
    if handling != Some(Handling::Strict)
        && let Some(value) = ignored_value(&unknown).filter(|_| !unknown.is_empty())
    {
        headers.insert(HeaderName::from_static("ignored-query-parameters"), value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn prefer(values: &[&str]) -> Option<Handling> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                HeaderName::from_static("prefer"),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        Handling::preferred(&headers)
    }

    #[test]
    fn the_handling_preference_is_read_as_rfc_7240_writes_it() {
        assert_eq!(prefer(&[]), None);
        assert_eq!(prefer(&["handling=strict"]), Some(Handling::Strict));
        assert_eq!(prefer(&["Handling = \"STRICT\""]), Some(Handling::Strict));
        assert_eq!(
            prefer(&["return=minimal, handling=lenient"]),
            Some(Handling::Lenient)
        );
        assert_eq!(
            prefer(&["respond-async; wait=5", "handling=strict; x=y"]),
            Some(Handling::Strict)
        );
        assert_eq!(
            prefer(&["handling=lenient", "handling=strict"]),
            Some(Handling::Lenient)
        );
        assert_eq!(prefer(&["handling=whatever"]), None);
        assert_eq!(prefer(&["return=representation"]), None);
    }

    #[test]
    fn unknown_names_are_distinct_and_in_order() {
        let known: HashSet<String> = ["code".to_owned(), "limit".to_owned()].into();
        assert_eq!(
            unknown("code=1&_=123&subscription-key=k&_=124&limit=2&&=x", &known),
            ["_", "subscription-key"]
        );
        assert!(unknown("", &known).is_empty());
    }

    #[test]
    fn the_header_lists_encoded_names_and_is_bounded() {
        let names = ["_".to_owned(), "a b\r\n".to_owned(), "é".to_owned()];
        assert_eq!(ignored_value(&names).unwrap(), "_, a+b%0D%0A, %C3%A9");
        let many: Vec<String> = (0..100).map(|i| format!("p{i}")).collect();
        let value = ignored_value(&many).unwrap();
        assert_eq!(value.to_str().unwrap().split(", ").count(), MAX_NAMED + 1);
        assert!(value.to_str().unwrap().ends_with("..."));
    }
}
