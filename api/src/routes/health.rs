//! Liveness and readiness.

use std::time::Duration;

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, MetaErrors, Problem};
use crate::routes::within;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok` when the check passed.
    pub status: &'static str,
}

/// Liveness: the process is up and serving.
///
/// Touches no database: a failing liveness probe should restart the process, and a database outage
/// is not cured by a restart.
#[utoipa::path(
    tag = "meta",
    operation_id = "getHealth",
    responses((status = 200, description = "The service is up", body = Health), MetaErrors)
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database answers a query.
///
/// For readiness probes and load balancers: a 503 means "send no traffic here for now".
#[utoipa::path(
    tag = "meta",
    operation_id = "getReadiness",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
        MetaErrors,
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    // A probe must get its answer before the load balancer gives up on it, whatever the database
    // does: not ready within a second is not ready.
    within(Some(READINESS_DEADLINE), &state.pool, |connection| {
        Ok(priceline_store::ping(connection)?)
    })
    .await?;
    Ok(web::Json(Health { status: "ok" }))
}

/// How long `/readyz` waits for the database.
pub const READINESS_DEADLINE: Duration = Duration::from_secs(1);
