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

/// Readiness: the server is not stopping, the database answers, and its schema is the one this
/// build expects (no migration pending).
///
/// For readiness probes and load balancers: a 503 means "send no traffic here for now".
#[utoipa::path(
    tag = "meta",
    operation_id = "getReadiness",
    responses(
        (status = 200, description = "Ready: the database answers and no migration is pending", body = Health),
        (status = 503, description = "Not ready: the server is stopping, the database is unavailable (or did not answer within a second), or a migration is pending; `detail` says which", body = Problem, content_type = "application/problem+json"),
        MetaErrors,
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    // Checked first and without the database: once a stop signal arrived, load balancers must
    // learn it whatever the database does.
    if state.stopping.is_set() {
        return Err(ApiError::NotReady(
            "the server is shutting down: requests in flight are finishing".to_owned(),
        ));
    }
    // A probe must get its answer before the load balancer gives up on it, whatever the database
    // does: not ready within a second is not ready. Reading the applied migrations is the query
    // that shows the database answers.
    let pending = within(Some(READINESS_DEADLINE), &state.pool, |connection| {
        Ok(priceline_store::migrations::pending(connection)?)
    })
    .await?;
    if let Some(oldest) = pending.first() {
        tracing::warn!(
            ?pending,
            "not ready: the database lacks migrations this build needs; run `priceline migrate up`"
        );
        return Err(ApiError::NotReady(format!(
            "{} database migration(s) pending, from {oldest}: run `priceline migrate up`",
            pending.len()
        )));
    }
    Ok(web::Json(Health { status: "ok" }))
}

/// How long `/readyz` waits for the database.
pub const READINESS_DEADLINE: Duration = Duration::from_secs(1);
