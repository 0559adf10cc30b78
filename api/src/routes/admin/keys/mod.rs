//! Managed API keys: `GET|POST /v1/admin/keys`, `GET|DELETE /v1/admin/keys/{id}`,
//! `POST /v1/admin/keys/{id}/revoke` and `/rotate`. `{id}` is the key's id or its prefix.

pub mod create;
pub mod get;
pub mod list;
pub mod revoke;
pub mod rotate;

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;

use crate::auth::Caller;
use crate::auth::managed::{Refusal, is_prefix};
use crate::jobs::is_id;
use crate::problem::ApiError;

/// The collection's path.
pub const PATH: &str = "/v1/admin/keys";

/// The largest body a key operation reads.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Key administration needs a caller holding `admin` (checked by `auth`); with credentials off
/// there is none, and the keys stay closed rather than open to anyone.
pub fn require_caller(request: &HttpRequest) -> Result<(), ApiError> {
    if request.extensions().get::<Caller>().is_none() {
        return Err(ApiError::AdminClosed(
            "key administration needs a credential with the admin scope, and this server has no \
             credential configured: make the first key with `priceline keys create NAME --scope admin`"
                .to_owned(),
        ));
    }
    Ok(())
}

/// The `{id}` of a key path: a key id (32 hexadecimal digits) or a key prefix.
pub fn key_id(id: &str) -> Result<String, ApiError> {
    if is_id(id) || is_prefix(id) {
        Ok(id.to_owned())
    } else {
        Err(ApiError::invalid(
            "id",
            "is neither a key id (32 lowercase hexadecimal digits) nor a key prefix (pl_live_ and 8 of them)",
        ))
    }
}

/// A refused field, as a 400 naming it.
pub fn refused(refusal: Refusal) -> ApiError {
    ApiError::invalid(refusal.field, refusal.reason)
}

/// The JSON body, or a 400 naming the field at fault (`body` when it is not JSON at all).
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > BODY_LIMIT {
        return Err(ApiError::invalid(
            "body",
            format!("is larger than {BODY_LIMIT} bytes"),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        // A missing or unknown field is reported at the object itself: name it from the text.
        let named = message.split('`').nth(1).filter(|_| {
            message.starts_with("missing field") || message.starts_with("unknown field")
        });
        let field = match (path.as_str(), named) {
            (_, Some(name)) => name.to_owned(),
            ("." | "" | "?", None) => "body".to_owned(),
            (path, None) => path.split(['.', '[']).next().unwrap_or("body").to_owned(),
        };
        ApiError::invalid(
            &field,
            format!("the body must be a JSON object as documented: {message}"),
        )
    })?;
    deserializer
        .end()
        .map_err(|_| ApiError::invalid("body", "holds more than one JSON value"))?;
    Ok(value)
}

/// A key response: never stored by a cache (a key's state changes with a revocation).
pub fn no_store(mut response: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

/// `201 Created` with the new key's `Location`.
pub fn created(id: &str) -> actix_web::HttpResponseBuilder {
    let mut response = no_store(HttpResponse::Created());
    response.insert_header((header::LOCATION, format!("{PATH}/{id}")));
    response
}
