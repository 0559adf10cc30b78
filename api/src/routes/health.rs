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
    /// `ok` when the check passed; `degraded` when a read replica is unavailable (its reads fall
    /// back to the primary).
    pub status: &'static str,
    /// Imports' changes the statistics read model has yet to take in (the server applies them in
    /// the background; statistics add the pending files' lines meanwhile); absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics_pending: Option<i64>,
    /// With read replicas: the primary's data version, the id of its newest source file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_version: Option<i64>,
    /// With read replicas: each one's state (`PRICELINE_DATABASE_READ_URL`, in its order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<ReplicaHealth>,
}

/// One read replica as `/readyz` found it.
#[derive(Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// Host and port.
    pub target: String,
    /// `ok`, or `unavailable`: reads go to the primary (and the other replicas) meanwhile.
    pub status: &'static str,
    /// The replica's data version: behind the primary's while it replays the primary's changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_version: Option<i64>,
    /// Why it is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Health {
    fn ok() -> Self {
        Self {
            status: "ok",
            statistics_pending: None,
            data_version: None,
            replicas: Vec::new(),
        }
    }
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
    web::Json(Health::ok())
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
    let (pending, statistics_pending) =
        within(Some(READINESS_DEADLINE), &state.pool, |connection| {
            let migrations = priceline_store::migrations::pending(connection)?;
            // A schema without the read model's tables (migrations pending) has nothing pending.
            let statistics = if migrations.is_empty() {
                priceline_store::snapshot::statistics::pending(connection)?
            } else {
                0
            };
            Ok((migrations, statistics))
        })
        .await?;
    let statistics_pending = (statistics_pending > 0).then_some(statistics_pending);
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
    if state.replicas.members().is_empty() {
        return Ok(web::Json(Health {
            statistics_pending,
            ..Health::ok()
        }));
    }
    let primary = within(Some(READINESS_DEADLINE), &state.pool, |connection| {
        Ok(priceline_store::queries::data_version(connection)?)
    })
    .await?;
    let mut replicas = Vec::new();
    for index in 0..state.replicas.members().len() {
        let members = state.replicas.clone();
        let check = web::block(move || members.members()[index].check());
        let target = state.replicas.members()[index].pool().url().target();
        let found = match actix_web::rt::time::timeout(READINESS_DEADLINE, check).await {
            Ok(Ok(Ok(version))) => Ok(version.newest_file()),
            Ok(Ok(Err(error))) => Err(error.to_string()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("it did not answer within a second".to_owned()),
        };
        replicas.push(match found {
            Ok(version) => ReplicaHealth {
                target,
                status: "ok",
                data_version: Some(version),
                detail: None,
            },
            Err(detail) => ReplicaHealth {
                target,
                status: "unavailable",
                data_version: None,
                detail: Some(detail),
            },
        });
    }
    let degraded = replicas.iter().any(|replica| replica.status != "ok");
    Ok(web::Json(Health {
        status: if degraded { "degraded" } else { "ok" },
        statistics_pending,
        data_version: Some(primary.newest_file()),
        replicas,
    }))
}

/// How long `/readyz` waits for the database.
pub const READINESS_DEADLINE: Duration = Duration::from_secs(1);
