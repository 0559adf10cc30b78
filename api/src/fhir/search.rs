//! Search requests: the query string read against the registry entry of the type searched, and the
//! matching of the directory's resources (which are few enough to be filtered in memory).
//!
//! Result parameters: `_count` (default 50, at most 1000; `0` gives the total only), `_sort`,
//! `_elements`, `_summary=count`, `_include`, `_format`, and `_cursor` (the opaque position a
//! `next` link carries). A parameter the type does not have is reported in an OperationOutcome
//! warning entry, or refused with a 400 under `Prefer: handling=strict`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bundle::Resource;
use super::outcome::FhirError;
use super::registry::{ParamType, ResourceType};

pub const DEFAULT_COUNT: usize = 50;
pub const MAX_COUNT: usize = 1000;

/// The parameters every search takes besides the type's own.
pub const RESULT_PARAMETERS: &[&str] = &[
    "_count",
    "_sort",
    "_elements",
    "_summary",
    "_include",
    "_format",
    "_cursor",
];

/// One search criterion: a parameter of the type, its modifier and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub name: &'static str,
    pub kind: ParamType,
    pub modifier: Option<String>,
    pub value: String,
}

/// Where a page ends, as its `next` link carries it: the position after which the next page starts
/// and the total of the first page (so later pages do not count again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub after: Value,
    pub total: u64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Result<Self, FhirError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                FhirError::invalid(
                    "_cursor",
                    "is not a cursor of this server; follow the Bundle's next link unchanged",
                )
            })
    }
}

/// A parsed search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub criteria: Vec<Criterion>,
    pub count: usize,
    /// The sort key and whether it is descending.
    pub sort: Option<(String, bool)>,
    pub elements: Option<Vec<String>>,
    pub summary_count: bool,
    pub includes: Vec<&'static str>,
    pub cursor: Option<Cursor>,
    pub format: Option<String>,
    /// Parameters the type does not have, in order.
    pub ignored: Vec<String>,
    /// The parameters applied, in order: the self link's query.
    pub applied: Vec<(String, String)>,
}

impl SearchRequest {
    /// The criteria of one parameter.
    pub fn of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Criterion> + 'a {
        self.criteria
            .iter()
            .filter(move |criterion| criterion.name == name)
    }
}

fn count(value: &str) -> Result<usize, FhirError> {
    value
        .parse::<usize>()
        .map(|count| count.min(MAX_COUNT))
        .map_err(|_| {
            FhirError::invalid(
                "_count",
                "expected a whole number from 0 (at most 1000 are given)",
            )
        })
}

/// Reads `query` as a search of `resource`; `strict` refuses unknown parameters.
pub fn parse(
    resource: &'static ResourceType,
    query: &str,
    strict: bool,
) -> Result<SearchRequest, FhirError> {
    let mut request = SearchRequest {
        criteria: Vec::new(),
        count: DEFAULT_COUNT,
        sort: None,
        elements: None,
        summary_count: false,
        includes: Vec::new(),
        cursor: None,
        format: None,
        ignored: Vec::new(),
        applied: Vec::new(),
    };
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let (name, value) = (name.into_owned(), value.into_owned());
        if name.is_empty() {
            continue;
        }
        let (base, modifier) = match name.split_once(':') {
            Some((base, modifier)) => (base, Some(modifier.to_owned())),
            None => (name.as_str(), None),
        };
        if let Some(param) = resource.param(base) {
            if let Some(modifier) = &modifier
                && !param.modifiers.contains(&modifier.as_str())
            {
                return Err(FhirError::invalid(
                    &name,
                    format!("the modifier :{modifier} is not supported for {base}"),
                ));
            }
            if value.trim().is_empty() {
                return Err(FhirError::invalid(&name, "has no value"));
            }
            request.criteria.push(Criterion {
                name: param.name,
                kind: param.kind,
                modifier,
                value: value.trim().to_owned(),
            });
            request.applied.push((name, value));
            continue;
        }
        if !RESULT_PARAMETERS.contains(&name.as_str()) {
            if strict {
                return Err(FhirError::invalid(
                    &name,
                    format!(
                        "is not a search parameter of {} (refused because the request prefers \
                         handling=strict; without that preference it is ignored and reported)",
                        resource.name
                    ),
                ));
            }
            if !request.ignored.contains(&name) {
                request.ignored.push(name);
            }
            continue;
        }
        match name.as_str() {
            "_count" => request.count = count(&value)?,
            "_sort" => {
                let key = value.trim();
                let (key, descending) = match key.strip_prefix('-') {
                    Some(key) => (key, true),
                    None => (key, false),
                };
                let allowed = resource.sorts.contains(&key)
                    && !(descending
                        && resource.kind == super::registry::Kind::ChargeItemDefinition);
                if !allowed {
                    return Err(FhirError::invalid(
                        "_sort",
                        format!(
                            "{value} is not a sort of {}; it sorts by {}",
                            resource.name,
                            resource.sorts.join(", ")
                        ),
                    ));
                }
                request.sort = Some((key.to_owned(), descending));
            }
            "_elements" => {
                let elements: Vec<String> = value
                    .split(',')
                    .map(|element| element.trim().to_owned())
                    .filter(|element| !element.is_empty())
                    .collect();
                if elements.is_empty()
                    || elements
                        .iter()
                        .any(|e| !e.chars().all(|c| c.is_ascii_alphanumeric()))
                {
                    return Err(FhirError::invalid(
                        "_elements",
                        "expected element names separated by commas, e.g. name,identifier",
                    ));
                }
                request.elements = Some(elements);
            }
            "_summary" => match value.trim() {
                "count" => request.summary_count = true,
                "false" => {}
                other => {
                    return Err(FhirError::invalid(
                        "_summary",
                        format!("{other} is not supported: use count or false"),
                    ));
                }
            },
            "_include" => {
                let Some(include) = resource
                    .includes
                    .iter()
                    .copied()
                    .find(|i| *i == value.trim())
                else {
                    return Err(FhirError::invalid(
                        "_include",
                        format!(
                            "{value} is not an include of {}{}",
                            resource.name,
                            if resource.includes.is_empty() {
                                String::new()
                            } else {
                                format!(" (it has {})", resource.includes.join(", "))
                            }
                        ),
                    ));
                };
                if !request.includes.contains(&include) {
                    request.includes.push(include);
                }
            }
            "_format" => request.format = Some(value.clone()),
            "_cursor" => {
                request.cursor = Some(Cursor::decode(value.trim())?);
                continue;
            }
            _ => {}
        }
        request.applied.push((name, value));
    }
    Ok(request)
}

/// The order of a directory resource: the sort text (lower-cased name, or empty for `_id`), then
/// its group (hospitals before payers) and numbers of its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub text: String,
    pub group: u8,
    pub first: i64,
    pub second: i64,
}

/// What the search parameters of a directory resource read.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub identifiers: Vec<(String, String)>,
    pub names: Vec<String>,
    pub states: Vec<String>,
    pub zips: Vec<String>,
    /// `Organization/hospital-1`: what `organization` and `owned-by` match.
    pub references: Vec<String>,
    /// Organization type codes (`prov`, `pay`).
    pub types: Vec<String>,
}

/// A directory resource with what it is searched and sorted by.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub resource: Value,
    pub group: u8,
    pub numbers: (i64, i64),
    pub facts: Facts,
}

impl Candidate {
    fn id(&self) -> &str {
        self.resource["id"].as_str().unwrap_or_default()
    }

    fn position(&self, sort: Option<&(String, bool)>) -> Position {
        let text = match sort {
            Some((key, _)) if key == "name" => self
                .facts
                .names
                .first()
                .map(|name| name.to_lowercase())
                .unwrap_or_default(),
            _ => String::new(),
        };
        Position {
            text,
            group: self.group,
            first: self.numbers.0,
            second: self.numbers.1,
        }
    }

    fn matches(&self, criterion: &Criterion) -> bool {
        let value = criterion.value.as_str();
        match criterion.name {
            "_id" => value.split(',').any(|id| id.trim() == self.id()),
            "identifier" => value.split(',').any(|token| {
                let token = token.trim();
                self.facts
                    .identifiers
                    .iter()
                    .any(|(system, id)| token_matches(token, system, id))
            }),
            "name" => self
                .facts
                .names
                .iter()
                .any(|name| string_matches(name, value, criterion.modifier.as_deref())),
            "address-state" => self
                .facts
                .states
                .iter()
                .any(|state| string_matches(state, value, None)),
            "address-postalcode" => self
                .facts
                .zips
                .iter()
                .any(|zip| string_matches(zip, value, None)),
            "organization" | "owned-by" => {
                let wanted = reference_of(value, "Organization");
                self.facts.references.contains(&wanted)
            }
            "type" => value.split(',').any(|token| {
                let token = token.trim();
                let code = token.rsplit('|').next().unwrap_or(token);
                self.facts.types.iter().any(|known| known == code)
            }),
            _ => false,
        }
    }
}

/// A token (`system|value`, `|value`, `value`) against one coded value. `|value` matches the value
/// in any system, as `value` does (this server's codes always have a system).
pub fn token_matches(token: &str, system: &str, value: &str) -> bool {
    match token.split_once('|') {
        Some(("", wanted)) => wanted == value,
        Some((wanted_system, wanted)) => wanted_system == system && wanted == value,
        None => token == value,
    }
}

/// FHIR string search: the start of the text, ignoring case; `:contains` anywhere; `:exact` whole.
fn string_matches(text: &str, value: &str, modifier: Option<&str>) -> bool {
    match modifier {
        Some("exact") => text == value,
        Some("contains") => text.to_lowercase().contains(&value.to_lowercase()),
        _ => text.to_lowercase().starts_with(&value.to_lowercase()),
    }
}

/// A reference parameter's value as `Type/id`: `hospital-1`, `Organization/hospital-1` or an
/// absolute URL ending so.
pub fn reference_of(value: &str, type_name: &str) -> String {
    let mut parts = value.trim().trim_end_matches('/').rsplit('/');
    let id = parts.next().unwrap_or_default();
    format!("{type_name}/{id}")
}

/// One page of directory resources.
pub struct DirectoryPage {
    pub matches: Vec<Resource>,
    pub total: u64,
    pub next: Option<Cursor>,
}

/// The candidates matching every criterion of `request`, sorted, after its cursor, one page.
pub fn page(
    candidates: Vec<Candidate>,
    request: &SearchRequest,
) -> Result<DirectoryPage, FhirError> {
    let sort = request.sort.as_ref();
    let descending = sort.is_some_and(|(_, descending)| *descending);
    let mut matching: Vec<(Position, Candidate)> = candidates
        .into_iter()
        .filter(|candidate| request.criteria.iter().all(|c| candidate.matches(c)))
        .map(|candidate| (candidate.position(sort), candidate))
        .collect();
    matching.sort_by(|a, b| a.0.cmp(&b.0));
    if descending {
        matching.reverse();
    }
    let total = matching.len() as u64;
    if request.count == 0 || request.summary_count {
        return Ok(DirectoryPage {
            matches: Vec::new(),
            total,
            next: None,
        });
    }
    let after: Option<Position> = match &request.cursor {
        Some(cursor) => Some(serde_json::from_value(cursor.after.clone()).map_err(|_| {
            FhirError::invalid(
                "_cursor",
                "is not a cursor of this search; follow the next link unchanged",
            )
        })?),
        None => None,
    };
    let mut rest: Vec<(Position, Candidate)> = matching
        .into_iter()
        .filter(|(position, _)| match &after {
            None => true,
            Some(after) if descending => position < after,
            Some(after) => position > after,
        })
        .take(request.count + 1)
        .collect();
    let next = if rest.len() > request.count {
        rest.truncate(request.count);
        rest.last().map(|(position, _)| Cursor {
            after: serde_json::to_value(position).unwrap_or(Value::Null),
            total,
        })
    } else {
        None
    };
    Ok(DirectoryPage {
        matches: rest
            .into_iter()
            .map(|(_, c)| Resource::Value(c.resource))
            .collect(),
        total,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_references_read_as_fhir_writes_them() {
        assert!(token_matches("http://x|1", "http://x", "1"));
        assert!(!token_matches("http://y|1", "http://x", "1"));
        assert!(token_matches("|1", "http://x", "1"));
        assert!(token_matches("1", "http://x", "1"));
        assert_eq!(
            reference_of("hospital-1", "Organization"),
            "Organization/hospital-1"
        );
        assert_eq!(
            reference_of("http://h/fhir/Organization/payer-2", "Organization"),
            "Organization/payer-2"
        );
        let cursor = Cursor {
            after: serde_json::json!({"a": 1}),
            total: 3,
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("%%").is_err());
    }
}
