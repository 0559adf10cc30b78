//! The OpenAPI document: built from the same route registrations the server mounts, so the spec and
//! the routes cannot drift apart.

use actix_web::App;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2,
    SecurityRequirement, SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

pub mod gateway;
mod operations;
pub mod parameters;
pub mod rate_limits;
pub mod responses;
pub mod v30;

pub use v30::spec_json_3_0;

use crate::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hospital Priceline API",
        description = "Prices from US hospital price transparency files (CMS templates v2.0–v3.0): \
                       facilities, standard charges, payer-specific negotiated rates.",
        license(name = "GPL-3.0-or-later", identifier = "GPL-3.0-or-later")
    ),
    // Relative: the document works wherever it is served from. The served copy names the base URL
    // each request was made against (PRICELINE_PUBLIC_URL, a trusted proxy's prefix, see
    // `crate::docs`); `priceline openapi --gateway` puts the backend's URL where a gateway needs one.
    servers((url = "/", description = "The server that serves this document")),
    components(schemas(Problem)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "facilities", description = "Hospitals as their price files describe them"),
        (name = "prices", description = "Standard charges and payer rates: search, statistics, comparison"),
        (name = "payers", description = "Payers and plans named in the files"),
        (name = "source-files", description = "Imported files (snapshots) and their validation findings"),
        (name = "imports", description = "Import jobs: price files uploaded or named by URL, imported by the server in the background"),
        (name = "admin", description = "Administration (the admin scope): managed API keys and the audit trail"),
        (name = "oauth", description = "OAuth2 client credentials: a managed API key exchanged for a bearer token"),
        (name = "meta", description = "Health and service description")
    )
)]
pub struct ApiDoc;

/// The names of the schemes in `components.securitySchemes`.
pub const API_KEY_SCHEME: &str = "apiKey";
pub const BEARER_SCHEME: &str = "bearerAuth";
pub const OAUTH_SCHEME: &str = "oauth2";

/// Both credentials as security schemes. The API-key one is what gateways such as AWS API Gateway
/// import; the bearer one is the JWT.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::auth::api_key::HEADER,
                "An API key (`priceline api-key NAME` makes one; the server keeps its SHA-256 hash \
                 in PRICELINE_API_KEYS).",
            ))),
        );
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with `exp`, `sub` and a scope that grants `prices:read` (`scope` or \
                         `scp`, space-separated or an array, or Entra ID `roles`; SMART \
                         `system/*.read` and `user/*.read` count as `prices:read`). Signed with \
                         HS256 and the server's shared secret (PRICELINE_JWT_SECRET), or with \
                         RS256, ES256 or EdDSA by an identity provider whose keys the server reads \
                         from its JWKS (PRICELINE_JWT_JWKS_URL), chosen by the token's `kid`; the \
                         accepted algorithms are an explicit list (PRICELINE_JWT_ALGORITHMS) and \
                         `alg: none` is never accepted. `iss` and `aud` are checked when \
                         configured; `exp`, `nbf` and `iat` with a small clock leeway.",
                    ))
                    .build(),
            ),
        );
        // Swagger UI's Authorize button asks for a managed key's id (or prefix) and the key, and
        // gets the token itself.
        let scopes = crate::auth::scope::Scope::ALL.iter().map(|scope| {
            let what = match scope {
                crate::auth::scope::Scope::PricesRead => "Read price data",
                crate::auth::scope::Scope::ImportsWrite => "Send and read import jobs",
                crate::auth::scope::Scope::Admin => "Everything, key administration included",
            };
            (scope.as_str(), what)
        });
        components.add_security_scheme(
            OAUTH_SCHEME,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    crate::routes::oauth::PATH,
                    scopes.collect(),
                ))],
                "OAuth2 client credentials: a managed API key's id or prefix as client id and the \
                 key as client secret, exchanged at POST /oauth/token for a short-lived bearer token.",
            )),
        );
    }
}

/// Marks every /v1 operation as needing either credential. Done on the generated document, not per
/// handler, so no route can be forgotten; the meta routes (health, spec, docs) stay open, which an
/// empty `security` list states (an absent one would leave linters and gateways guessing).
pub fn require_credentials(spec: &mut utoipa::openapi::OpenApi) {
    for (path, item) in spec.paths.paths.iter_mut() {
        let required = if crate::auth::protects(path) {
            let scope = crate::auth::scope::required(path).as_str();
            vec![
                SecurityRequirement::new(API_KEY_SCHEME, Vec::<String>::new()),
                SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new()),
                SecurityRequirement::new(OAUTH_SCHEME, [scope]),
            ]
        } else {
            Vec::new()
        };
        for operation in operations::of_item(item) {
            operation.security = Some(required.clone());
        }
    }
}

/// The spec of exactly the routes [`crate::routes::configure`] mounts.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut spec = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts()
        .1;
    require_credentials(&mut spec);
    parameters::examples_out_of_try_it_out(&mut spec);
    parameters::document_query_handling(&mut spec);
    responses::document(&mut spec);
    rate_limits::document(&mut spec);
    spec
}

/// The spec as served at `/openapi.json`, pretty-printed with a trailing newline (the committed form).
pub fn spec_json() -> String {
    let mut text = spec().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
