//! `ValidQuery<T>`: the query string deserialized and validated, or a 400 problem naming the parameter.
//!
//! actix's own `Query` reports a bad value as text without the parameter's name, so the query string
//! goes through `serde_path_to_error`, then through the type's `validator` rules. Parameters the type
//! does not have are skipped here: the `unknown_parameters` middleware decides what happens to them.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors};

use crate::problem::ApiError;

pub struct ValidQuery<T>(pub T);

const NUL_REFUSED: &str = "must not contain a NUL character";

/// A text path segment (`{code}`): refused, naming it, when it holds a NUL character.
pub fn path_text(parameter: &str, value: String) -> Result<String, ApiError> {
    if value.contains('\0') {
        return Err(ApiError::invalid(parameter, NUL_REFUSED));
    }
    Ok(value)
}

impl<T> Deref for ValidQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

pub fn parse<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database (a 500).
    if let Some((name, _)) =
        form_urlencoded::parse(query.as_bytes()).find(|(_, value)| value.contains('\0'))
    {
        return Err(ApiError::invalid(&name, NUL_REFUSED));
    }
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let parameter = error.path().to_string();
        let detail = error.into_inner().to_string();
        // A repeated parameter is reported at the root: name it from serde's message.
        match parameter.as_str() {
            "." | "" => ApiError::invalid(
                &duplicate_field(&detail).unwrap_or_else(|| "query".to_owned()),
                detail,
            ),
            _ => ApiError::invalid(&parameter, detail),
        }
    })?;
    value.validate().map_err(first_violation)?;
    Ok(value)
}

fn duplicate_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("duplicate field `")?;
    rest.split('`').next().map(str::to_owned)
}

fn first_violation(errors: ValidationErrors) -> ApiError {
    let mut fields: Vec<_> = errors.field_errors().into_iter().collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    match fields.first() {
        Some((field, violations)) => {
            let detail = violations
                .iter()
                .map(|violation| {
                    violation
                        .message
                        .as_deref()
                        .map(str::to_owned)
                        .unwrap_or_else(|| describe(violation))
                })
                .collect::<Vec<_>>()
                .join("; ");
            ApiError::invalid(field, detail)
        }
        None => ApiError::invalid("query", "invalid query"),
    }
}

fn describe(violation: &validator::ValidationError) -> String {
    let bound = |name: &str| {
        violation
            .params
            .get(name)
            .map(|value| value.to_string())
            .unwrap_or_default()
    };
    match violation.code.as_ref() {
        "range" => format!("must be between {} and {}", bound("min"), bound("max")),
        "length" => format!(
            "must be between {} and {} characters",
            bound("min"),
            bound("max")
        ),
        code => format!("is invalid ({code})"),
    }
}

impl<T: DeserializeOwned + Validate> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(request.query_string()).map(ValidQuery))
    }
}
