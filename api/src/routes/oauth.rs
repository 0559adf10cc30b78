//! `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4). A managed key is the
//! client: its id or prefix the `client_id`, the whole key the `client_secret`, sent with HTTP Basic
//! (§2.3.1) or as form fields. The answer is a short-lived bearer token carrying the key's scopes
//! (or the narrower `scope` asked for); errors are RFC 6749 §5.2's JSON, not problem+json, since
//! OAuth2 clients read those.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use priceline_store::queries::api_keys;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::key_store::{KeyStore, usable};
use crate::auth::managed::{is_prefix, matches, scopes_of};
use crate::auth::scope::{Scope, Scopes};
use crate::jobs::is_id;

/// The path clients post to.
pub const PATH: &str = crate::auth::oauth::TOKEN_PATH;

/// The largest form read.
const BODY_LIMIT: usize = 8 * 1024;

/// The form of a client-credentials request (`application/x-www-form-urlencoded`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({"grant_type": "client_credentials", "scope": "prices:read"}))]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    grant_type: String,
    /// Space-separated scopes, each granted by the key: the token gets only these. Without it, the
    /// token gets every scope of the key.
    scope: Option<String>,
    /// The key's id or prefix, when not sent with HTTP Basic.
    client_id: Option<String>,
    /// The whole key, when not sent with HTTP Basic.
    client_secret: Option<String>,
}

/// A token (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6InByaWNlbGluZS1vYXV0aC1lZGRzYSJ9.eyJzdWIiOiJwbF9saXZlX2FiMTJjZDM0In0.c2ln", "token_type": "Bearer", "expires_in": 900, "scope": "prices:read"}))]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the token lives.
    pub expires_in: u64,
    /// The scopes the token carries, space-separated.
    pub scope: String,
}

/// An error (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_client", "error_description": "the client is not known or its secret does not match"}))]
pub struct TokenError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type` or
    /// `invalid_scope`.
    pub error: &'static str,
    /// What went wrong, in plain words.
    pub error_description: String,
}

fn answer(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="priceline""#));
    }
    response.json(body)
}

fn error(error: &'static str, description: impl Into<String>) -> HttpResponse {
    let status = if error == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    answer(
        status,
        &TokenError {
            error,
            error_description: description.into(),
        },
    )
}

/// Exchange an API key for a bearer token
///
/// OAuth2 client credentials (RFC 6749 §4.4): the client id is a managed key's id or prefix, the
/// client secret the whole key, sent with HTTP Basic or as the form fields `client_id` and
/// `client_secret`. The token is a JWT (HS256 with `PRICELINE_JWT_SECRET`, else EdDSA with
/// `PRICELINE_OAUTH_SIGNING_KEY`) for `Authorization: Bearer`, valid for `expires_in` seconds and
/// only as long as its key is. Environment keys (`PRICELINE_API_KEYS`) are not clients.
#[utoipa::path(
    tag = "oauth",
    operation_id = "issueToken",
    security(()),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse,
         headers(("Cache-Control" = String, description = "`no-store`"),
                 ("Pragma" = String, description = "`no-cache`"))),
        (status = 400, description = "`invalid_request`, `invalid_grant` (the key is revoked, expired or retired), `unsupported_grant_type` or `invalid_scope`", body = TokenError,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 401, description = "`invalid_client`: the client is not known or its secret does not match", body = TokenError,
         headers(("WWW-Authenticate" = String, description = "`Basic realm=\"priceline\"`"),
                 ("Cache-Control" = String, description = "`no-store`"))),
    )
)]
#[post("/oauth/token")]
pub async fn issue_token(
    store: web::Data<KeyStore>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let form_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return error(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    if body.len() > BODY_LIMIT {
        return error("invalid_request", "the form is too large");
    }
    // RFC 6749 §3.2: a parameter sent twice is an invalid request.
    let mut fields: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(&body) {
        if fields.iter().any(|(known, _)| *known == name) {
            return error("invalid_request", format!("{name} is sent more than once"));
        }
        fields.push((name.into_owned(), value.into_owned()));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    };
    match field("grant_type") {
        None => return error("invalid_request", "grant_type is missing"),
        Some("client_credentials") => {}
        Some(_) => {
            return error(
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported",
            );
        }
    }
    let basic = match basic_credentials(&request) {
        Ok(basic) => basic,
        Err(description) => return error("invalid_request", description),
    };
    let (client_id, secret) = match (basic, field("client_id"), field("client_secret")) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return error(
                "invalid_request",
                "send the client's credentials once: with HTTP Basic or in the form, not both",
            );
        }
        (Some((id, secret)), None, None) => (id, secret),
        (None, Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
        (None, Some(_), None) => return error("invalid_request", "client_secret is missing"),
        (None, None, _) => {
            return error(
                "invalid_client",
                "send the key's id or prefix and the key itself with HTTP Basic, or as client_id and client_secret",
            );
        }
    };
    let asked = match field("scope").map(parse_scope).transpose() {
        Ok(asked) => asked,
        Err(description) => return error("invalid_scope", description),
    };
    let Some(issuer) = store.issuer().cloned() else {
        return error(
            "unsupported_grant_type",
            "this server issues no tokens: it needs PRICELINE_JWT_SECRET or PRICELINE_OAUTH_SIGNING_KEY",
        );
    };
    let unknown = || {
        error(
            "invalid_client",
            "the client is not known or its secret does not match",
        )
    };
    if !(is_id(&client_id) || is_prefix(&client_id)) {
        return unknown();
    }
    let key = match store
        .read(move |connection| Ok(api_keys::find(connection, &client_id).ok()))
        .await
    {
        Ok(Some(key)) if matches(&key, &secret) => key,
        Ok(_) => return unknown(),
        Err(failure) => {
            use actix_web::ResponseError;
            return failure.error_response();
        }
    };
    if let Err(reason) = usable(&key) {
        return error("invalid_grant", reason);
    }
    let held = scopes_of(&key);
    let scopes = match asked {
        None => held,
        Some(asked) if asked.within(held) => asked,
        Some(_) => {
            return error(
                "invalid_scope",
                format!(
                    "the key grants only {}",
                    held.names().collect::<Vec<_>>().join(" ")
                ),
            );
        }
    };
    let token = match issuer.issue(&key.id, &key.prefix, scopes, key.tier.as_deref()) {
        Ok(token) => token,
        Err(failure) => {
            tracing::error!(%failure, "a token could not be signed");
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                &TokenError {
                    error: "server_error",
                    error_description: "the token could not be signed".to_owned(),
                },
            );
        }
    };
    tracing::info!(key = %key.prefix, "token issued");
    answer(
        StatusCode::OK,
        &TokenResponse {
            access_token: token,
            token_type: "Bearer",
            expires_in: issuer.lifetime(),
            scope: scopes.names().collect::<Vec<_>>().join(" "),
        },
    )
}

/// `Authorization: Basic` credentials: id and secret, each form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(request: &HttpRequest) -> Result<Option<(String, String)>, &'static str> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = "the Authorization header must be `Basic base64(client_id:client_secret)`";
    let text = value.to_str().map_err(|_| malformed)?;
    let (scheme, encoded) = text.trim().split_once(' ').ok_or(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed)?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed)?;
    let (id, secret) = decoded.split_once(':').ok_or(malformed)?;
    let unescape = |text: &str| {
        form_urlencoded::parse(format!("v={text}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// A `scope` parameter: known scopes, space-separated.
fn parse_scope(text: &str) -> Result<Scopes, String> {
    let mut scopes = Scopes::default();
    for name in text.split(' ').filter(|name| !name.is_empty()) {
        let scope = Scope::parse(name).ok_or_else(|| format!("{name:?} is not a scope"))?;
        scopes = scopes.with(scope);
    }
    if scopes == Scopes::default() {
        return Err("scope names no scope".to_owned());
    }
    Ok(scopes)
}
