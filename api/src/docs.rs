//! The spec at `/openapi.json` and Swagger UI at `/docs/`, right when the API is published under
//! another base URL (see [`crate::forwarded`]):
//!
//! - the spec's `servers` is the base URL this request was made against, so "Try it out" calls the
//!   API through the proxy that served the page;
//! - Swagger UI loads the spec by the relative URL `../openapi.json` and `/docs` redirects to the
//!   relative `docs/`: both resolve against the address in the browser, prefix included, whether or
//!   not the proxy says what its prefix is.
//!
//! Swagger UI's files come from utoipa-swagger-ui (built in); its own `SwaggerUi` service is not used
//! because it serves a fixed spec and the distribution's page title.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Value, json};
use utoipa_swagger_ui::Config;

use crate::forwarded;
use crate::problem::ApiError;

/// Where Swagger UI finds the spec, relative to the page (`/docs/`).
pub const SPEC_URL_FROM_DOCS: &str = "../openapi.json";

/// The spec as JSON, `servers` filled in per request.
pub struct ServedSpec {
    document: Value,
}

/// Swagger UI's configuration and the page title.
pub struct SwaggerUi {
    config: Arc<Config<'static>>,
    title: String,
}

/// The spec and Swagger UI, prepared once and shared by every worker.
#[derive(Clone)]
pub struct Docs {
    spec: web::Data<ServedSpec>,
    ui: web::Data<SwaggerUi>,
}

impl Docs {
    pub fn new(spec: &utoipa::openapi::OpenApi) -> Self {
        let config = Config::new([SPEC_URL_FROM_DOCS])
            // A pasted API key or token survives a reload of the page (kept in the browser's storage).
            .persist_authorization(true)
            // No badge from swagger.io's online validator: it would send the spec's URL to a
            // third party, and the page's Content-Security-Policy allows images from here only.
            .validator_url("none");
        Self {
            spec: web::Data::new(ServedSpec {
                document: serde_json::to_value(spec).unwrap_or(Value::Null),
            }),
            ui: web::Data::new(SwaggerUi {
                config: Arc::new(config),
                title: spec.info.title.clone(),
            }),
        }
    }

    /// Mounts `/openapi.json`, `/docs` and `/docs/...`.
    pub fn configure(&self, config: &mut web::ServiceConfig) {
        config
            .app_data(self.spec.clone())
            .app_data(self.ui.clone())
            .route("/openapi.json", web::get().to(openapi_json))
            .route("/docs", web::get().to(docs_redirect))
            .route("/docs/{tail:.*}", web::get().to(swagger_ui));
    }
}

async fn openapi_json(request: HttpRequest, spec: web::Data<ServedSpec>) -> HttpResponse {
    let base = forwarded::external_base(&request);
    let mut document = spec.document.clone();
    if let Some(root) = document.as_object_mut() {
        root.insert("servers".to_owned(), json!([{ "url": base.server_url() }]));
    }
    HttpResponse::Ok().json(document)
}

/// Relative, so the browser stays under the prefix it came by. Temporary (307), as before: a browser
/// does not remember it.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, "docs/"))
        .finish()
}

async fn swagger_ui(tail: web::Path<String>, ui: web::Data<SwaggerUi>) -> HttpResponse {
    let tail = tail.into_inner();
    let file = match utoipa_swagger_ui::serve(&tail, ui.config.clone()) {
        Ok(Some(file)) => file,
        Ok(None) => {
            return ApiError::no_route(&format!("/docs/{tail}")).error_response();
        }
        Err(error) => {
            tracing::error!(%error, "Swagger UI file could not be prepared");
            return ApiError::Internal.error_response();
        }
    };
    let index = tail.is_empty() || tail == "index.html";
    let mut response = HttpResponse::Ok();
    response.content_type(file.content_type);
    if file.gzpipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    if index && !file.gzpipped {
        let page = String::from_utf8_lossy(&file.bytes);
        return response.body(titled(&page, &ui.title));
    }
    response.body(file.bytes.into_owned())
}

/// `page` with its `<title>` naming the service instead of "Swagger UI".
fn titled(page: &str, title: &str) -> String {
    let (Some(start), Some(end)) = (page.find("<title>"), page.find("</title>")) else {
        return page.to_owned();
    };
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("{}<title>{escaped}{}", &page[..start], &page[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_is_replaced() {
        let page = "<html><head><title>Swagger UI</title></head></html>";
        assert_eq!(
            titled(page, "Hospital Priceline API"),
            "<html><head><title>Hospital Priceline API</title></head></html>"
        );
        assert_eq!(titled("<p>no title</p>", "x"), "<p>no title</p>");
    }
}
