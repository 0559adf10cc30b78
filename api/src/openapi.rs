//! The OpenAPI document: built from the same route registrations the server mounts, so the spec and
//! the routes cannot drift apart.

use utoipa::OpenApi;

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
    components(schemas(Problem)),
    tags(
        (name = "facilities", description = "Hospitals as their price files describe them"),
        (name = "prices", description = "Standard charges and payer rates: search, statistics, comparison"),
        (name = "payers", description = "Payers and plans named in the files"),
        (name = "source-files", description = "Imported files (snapshots) and their validation findings"),
        (name = "meta", description = "Health and service description")
    )
)]
pub struct ApiDoc;

/// The spec as served at `/openapi.json`, pretty-printed with a trailing newline (the committed form).
pub fn spec_json() -> String {
    let mut text = crate::startup::spec().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
