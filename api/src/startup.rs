//! Building and running the HTTP server. Tests build the same `Application` on port 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, NormalizePath, TrailingSlash};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use priceline_store::Pool;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::ApiDoc;
use crate::problem::ApiError;
use crate::routes::health;
use crate::state::AppState;

/// Every documented route. The server mounts exactly these, and the spec is generated from them.
pub fn routes(config: &mut ServiceConfig) {
    config.service(health::healthz).service(health::readyz);
}

/// The spec of exactly the routes [`routes`] mounts.
pub fn spec() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1
}

async fn no_route(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route matches {}",
        request.path()
    )))
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares the server without running it.
    pub fn build(
        listen: std::net::SocketAddr,
        workers: Option<usize>,
        pool: Pool,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState { pool });
        let mut server = HttpServer::new(move || {
            let (app, spec) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .configure(routes)
                .split_for_parts();
            app.app_data(state.clone())
                .service(web::redirect("/docs", "/docs/"))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec))
                .default_service(web::to(no_route))
                .wrap(Compress::default())
                .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
        })
        .listen(listener)?;
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
