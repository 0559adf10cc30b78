//! The export endpoints: kick-off (system and per type), status (poll and cancel) and download.

use std::io::Read;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde_json::json;

use super::board::{ExportBoard, NewJob, State, is_job_id};
use super::{FHIR_NDJSON, FILES_PATH, STATUS_PATH, kickoff, writer};
use crate::auth::AuthPolicy;
use crate::fhir::BASE_PATH;
use crate::fhir::outcome::FhirError;
use crate::fhir::registry::{self, ResourceType};
use crate::fhir::resources::instant;
use crate::problem::ApiError;
use crate::state::AppState;

type Answer = Result<HttpResponse, FhirError>;

/// Seconds a client is asked to wait between two polls.
const RETRY_AFTER_SECONDS: &str = "1";

/// Bytes read from a file per chunk of a download.
const CHUNK: usize = 64 * 1024;

/// The server's external base URL (origin and path prefix), for the absolute URLs the IG requires.
fn base(request: &HttpRequest) -> String {
    let external = crate::forwarded::external_base(request);
    let origin = external.origin.unwrap_or_else(|| {
        let info = request.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    format!("{origin}{}", external.prefix)
}

fn board(request: &HttpRequest) -> Result<web::Data<ExportBoard>, FhirError> {
    request
        .app_data::<web::Data<ExportBoard>>()
        .cloned()
        .ok_or_else(|| FhirError::from(ApiError::Internal))
}

fn unknown_job(id: &str) -> FhirError {
    FhirError::not_found(format!(
        "no export job {id}: a job is kept by the server that started it, for an hour after it \
         ends, and not across restarts; start a new export"
    ))
}

pub async fn system_kickoff(request: HttpRequest) -> Answer {
    kickoff(request, None).await
}

pub async fn type_kickoff(request: HttpRequest, path: web::Path<String>) -> Answer {
    let name = path.into_inner();
    let resource = registry::find(&name).ok_or_else(|| {
        FhirError::not_found(format!("{name} is not a resource type this server serves"))
    })?;
    kickoff(request, Some(resource)).await
}

async fn kickoff(request: HttpRequest, only: Option<&'static ResourceType>) -> Answer {
    let asked = kickoff::parse(&request, only)?;
    let board = board(&request)?;
    let pool = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.pool.clone())
        .ok_or_else(|| FhirError::from(ApiError::Internal))?;
    let requires_access_token = request
        .app_data::<web::Data<AuthPolicy>>()
        .is_some_and(|policy| !policy.is_open());
    let base = base(&request);
    let query = request.query_string();
    let url = format!(
        "{base}{}{}",
        request.path(),
        if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        }
    );
    let job = board
        .create(NewJob {
            request: url,
            requires_access_token,
            types: asked.types,
            since: asked.since,
        })
        .map_err(|error| {
            tracing::error!(%error, dir = %board.dir().display(), "cannot start an export");
            FhirError::from(ApiError::Internal)
        })?;
    let status_url = format!("{base}{BASE_PATH}{STATUS_PATH}/{}", job.id);
    let runner = job.clone();
    std::thread::Builder::new()
        .name(format!("export-{}", &job.id[..8]))
        .spawn(move || writer::run(pool, runner))
        .map_err(|error| {
            tracing::error!(%error, "cannot start an export thread");
            board.cancel(&job.id);
            FhirError::from(ApiError::Internal)
        })?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::CONTENT_LOCATION, status_url))
        .finish())
}

pub async fn status(request: HttpRequest, path: web::Path<String>) -> Answer {
    let id = path.into_inner();
    let job = board(&request)?.get(&id).ok_or_else(|| unknown_job(&id))?;
    match job.state() {
        State::Running { type_name, written } => {
            let progress = if type_name.is_empty() {
                "starting".to_owned()
            } else {
                format!("writing {type_name}: {written} written")
            };
            Ok(HttpResponse::Accepted()
                .insert_header(("X-Progress", progress))
                .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish())
        }
        State::Failed { message, .. } => Err(FhirError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the export failed ({message}); start a new one"),
        )),
        State::Done { files, ended } => {
            // When the sweep deletes the job and its files (the IG's `Expires`).
            let left = super::board::LIFETIME.saturating_sub(ended.elapsed());
            let expires = (chrono::Utc::now()
                + chrono::Duration::from_std(left).unwrap_or_default())
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
            let base = base(&request);
            let output: Vec<_> = files
                .iter()
                .map(|file| {
                    json!({
                        "type": file.type_name,
                        "url": format!("{base}{BASE_PATH}{FILES_PATH}/{}/{}", job.id, file.name),
                        "count": file.count,
                    })
                })
                .collect();
            let manifest = json!({
                "transactionTime": instant(job.transaction_time.naive_utc()),
                "request": job.request,
                "requiresAccessToken": job.requires_access_token,
                "output": output,
                "error": [],
            });
            Ok(HttpResponse::Ok()
                .insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::EXPIRES, expires))
                .body(manifest.to_string()))
        }
    }
}

pub async fn cancel(request: HttpRequest, path: web::Path<String>) -> Answer {
    let id = path.into_inner();
    let board = board(&request)?;
    // Deleting the folder touches the disk: off the request thread.
    let cancelled = web::block(move || board.cancel(&id).then_some(()).ok_or(id))
        .await
        .map_err(|_| FhirError::from(ApiError::Internal))?;
    match cancelled {
        Ok(()) => Ok(HttpResponse::Accepted().finish()),
        Err(id) => Err(unknown_job(&id)),
    }
}

/// A file of a finished job, read from disk a chunk at a time as the client takes it.
pub async fn download(request: HttpRequest, path: web::Path<(String, String)>) -> Answer {
    let (id, name) = path.into_inner();
    if !is_job_id(&id) {
        return Err(unknown_job(&id));
    }
    let job = board(&request)?.get(&id).ok_or_else(|| unknown_job(&id))?;
    let State::Done { files, .. } = job.state() else {
        return Err(FhirError::not_found(format!(
            "export job {id} has not finished: poll its status URL for the manifest"
        )));
    };
    // Only a name the manifest lists: never a path the client makes up.
    let file = files
        .iter()
        .find(|file| file.name == name)
        .ok_or_else(|| FhirError::not_found(format!("export job {id} has no file {name}")))?;
    let file = std::fs::File::open(job.dir.join(&file.name)).map_err(|_| unknown_job(&id))?;
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = web::block(move || {
            let mut buffer = vec![0; CHUNK];
            let length = file.read(&mut buffer)?;
            buffer.truncate(length);
            Ok::<_, std::io::Error>((file, buffer))
        })
        .await;
        match read {
            Ok(Ok((_, buffer))) if buffer.is_empty() => None,
            Ok(Ok((file, buffer))) => Some((Ok(Bytes::from(buffer)), Some(file))),
            Ok(Err(error)) => Some((Err(error), None)),
            Err(error) => Some((Err(std::io::Error::other(error)), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(FHIR_NDJSON)))
        .streaming(chunks))
}
