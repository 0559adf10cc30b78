use std::io::Write;
use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use futures_util::StreamExt;
use priceline_domain::{ImportJob, JobSource};
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{PATH, job_response, require_access};
use crate::jobs::{Jobs, allowed, file_name_of_url, job_dir, new_id, valid_file_name};
use crate::problem::{ApiError, ImportErrors};
use crate::routes::query::ValidQuery;
use crate::views::import_job::ImportJobView;

/// The largest `{"url": …}` body read.
const URL_BODY_LIMIT: usize = 64 * 1024;

/// A too-large body is still read and dropped up to this size, so the client gets its 413 on a
/// clean connection (as `middleware::request_body` does); beyond it the connection is closed.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// Uploads are written to disk in pieces of this size, each on the blocking thread pool.
const WRITE_CHUNK: usize = 1024 * 1024;

/// The media types an upload may declare: what price files are (CSV, JSON, gzip, ZIP) or plain
/// bytes. The importer sniffs the content whatever the type says.
const UPLOAD_TYPES: [&str; 9] = [
    "application/octet-stream",
    "text/csv",
    "text/plain",
    "application/json",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "application/x-zip-compressed",
    "application/csv",
];

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The uploaded file's name, as the hospital published it: the importer reads the hospital's
    /// EIN from the CMS naming convention (`<ein>_<hospital>_standardcharges.<ext>`). May also be
    /// sent as `Content-Disposition: attachment; filename="…"`. Without either, an
    /// `application/json` body is a `{"url": …}` request, and any other upload is named `upload`
    /// (with the extension of its media type).
    #[param(value_type = Option<String>, max_length = 255, pattern = r"^[^/\\\x00-\x1f\x7f]*[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]*$",
            example = "12-3456789_west_mercy_standardcharges.csv")]
    pub filename: Option<String>,
}

/// A URL import: the server downloads the file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://files.example-hospital.org/mrf/12-3456789_west_mercy_standardcharges.csv"}))]
pub struct UrlImport {
    /// An http(s) URL starting with one of the prefixes in `PRICELINE_IMPORT_URL_ALLOWLIST`.
    /// Redirects are not followed. The file is named after the URL's last path segment.
    #[schema(max_length = 2048, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://")]
    pub url: String,
}

/// The price file itself, as the request body.
pub struct UploadBody;

impl utoipa::PartialSchema for UploadBody {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The price file's bytes (CSV, JSON, gzip or ZIP)"))
            .into()
    }
}

impl utoipa::ToSchema for UploadBody {}

/// Start an import job
///
/// Either uploads a price file (the request body, of any of the listed media types, with its name
/// in `filename` or `Content-Disposition`), streamed to the server's disk up to
/// `PRICELINE_IMPORT_MAX_BYTES`, or names one to download (`application/json` body
/// `{"url": "https://…"}`, without `filename`), whose URL must start with a prefix in
/// `PRICELINE_IMPORT_URL_ALLOWLIST`. Answers at once with the queued job and its `Location`; jobs
/// run one at a time, in the order accepted. Needs the `imports:write` (or `admin`) scope; with
/// credentials off, refused unless `PRICELINE_ALLOW_ANONYMOUS_IMPORTS=true`.
#[utoipa::path(
    tag = "imports",
    operation_id = "createImport",
    params(UploadQuery),
    request_body(
        description = "The price file (an upload), or `{\"url\": …}` as `application/json` without `filename`",
        content(
            (UploadBody = "application/octet-stream"),
            (UploadBody = "text/csv"),
            (UploadBody = "application/gzip"),
            (UploadBody = "application/zip"),
            (UrlImport = "application/json")
        )
    ),
    responses(
        (status = 202, description = "Accepted: the job is queued", body = ImportJobView,
         headers(("Location" = String, description = "The job: `/v1/imports/{id}`"),
                 ("Cache-Control" = String, description = "`no-store`"))),
        ImportErrors
    )
)]
#[post("/v1/imports")]
pub async fn create_import(
    jobs: web::Data<Jobs>,
    state: web::Data<crate::state::AppState>,
    query: ValidQuery<UploadQuery>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require_access(&request, &jobs)?;
    let named = query
        .filename
        .clone()
        .or_else(|| disposition_file_name(&request));
    let essence = media_type(&request);
    let job = match (named, essence.as_deref()) {
        (None, Some("application/json")) => url_job(&jobs, payload).await?,
        (named, essence) => {
            let name = match named {
                Some(name) if valid_file_name(&name) => name,
                Some(_) => {
                    return Err(ApiError::invalid(
                        "filename",
                        "must be a file name of 1 to 255 characters without a path separator or control character",
                    ));
                }
                None => default_name(essence),
            };
            if let Some(essence) = essence
                && !UPLOAD_TYPES.contains(&essence)
            {
                return Err(ApiError::UnsupportedUpload(format!(
                    "an upload is the price file itself, as one of {}; {essence} is not one \
                     (multipart/form-data is not taken: send the file as the body)",
                    UPLOAD_TYPES.join(", ")
                )));
            }
            upload_job(&jobs, &request, payload, name).await?
        }
    };
    let location = format!("{PATH}/{}", job.id);
    jobs.accept(job.clone());
    // On PostgreSQL the job is stored at once, so every replica behind the balancer knows it (on
    // SQLite an import may hold the write lock: the runner stores it when the lock is free).
    if state.pool.url().backend() == priceline_store::Backend::Postgres {
        let jobs = jobs.clone().into_inner();
        let pool = state.pool.clone();
        let _ = web::block(move || jobs.store_accepted(&pool)).await;
    }
    tracing::info!(job = %job.id, file = %job.file_name, source = %job.source, "import job accepted");
    let mut response = HttpResponse::Accepted();
    response.insert_header((header::LOCATION, location));
    Ok(job_response(response, job.into()))
}

/// The media type without parameters, lowercased; `None` when the header is missing.
fn media_type(request: &HttpRequest) -> Option<String> {
    request.headers().get(header::CONTENT_TYPE).map(|value| {
        value
            .to_str()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// `filename` of `Content-Disposition: attachment; filename="name.csv"` (quoted or not).
fn disposition_file_name(request: &HttpRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::CONTENT_DISPOSITION)?
        .to_str()
        .ok()?;
    value.split(';').skip(1).find_map(|parameter| {
        let (key, value) = parameter.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("filename")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The name of an upload sent without one.
fn default_name(essence: Option<&str>) -> String {
    let extension = match essence {
        Some("text/csv" | "application/csv") => ".csv",
        Some("application/json") => ".json",
        Some("application/gzip" | "application/x-gzip") => ".gz",
        Some("application/zip" | "application/x-zip-compressed") => ".zip",
        _ => "",
    };
    format!("upload{extension}")
}

fn new_job_id() -> Result<String, ApiError> {
    new_id().map_err(|error| {
        tracing::error!(%error, "the operating system's random number generator failed");
        ApiError::Internal
    })
}

/// `{"url": …}`: checked against the allowlist now (and again when the job runs).
async fn url_job(jobs: &Jobs, mut payload: web::Payload) -> Result<ImportJob, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::invalid("body", "the request body could not be read to its end")
        })?;
        body.extend_from_slice(&chunk);
        if body.len() > URL_BODY_LIMIT {
            return Err(ApiError::invalid(
                "body",
                format!(
                    "a URL import body is at most {URL_BODY_LIMIT} bytes; to upload a file, name it in `filename`"
                ),
            ));
        }
    }
    let request: UrlImport = serde_json::from_slice(&body).map_err(|error| {
        ApiError::invalid(
            "url",
            format!("the body must be {{\"url\": \"https://…\"}} (to upload a JSON file, name it in `filename`): {error}"),
        )
    })?;
    let settings = jobs.settings();
    if url::Url::parse(request.url.trim())
        .map(|url| !matches!(url.scheme(), "http" | "https"))
        .unwrap_or(true)
    {
        return Err(ApiError::invalid("url", "must be an http or https URL"));
    }
    if settings.url_allowlist.is_empty() {
        return Err(ApiError::ForbiddenParameter {
            parameter: "url".to_owned(),
            detail: "URL imports are off on this server: PRICELINE_IMPORT_URL_ALLOWLIST lists no URL prefix".to_owned(),
        });
    }
    let Some(url) = allowed(&request.url, &settings.url_allowlist) else {
        return Err(ApiError::ForbiddenParameter {
            parameter: "url".to_owned(),
            detail: "does not start with any prefix of PRICELINE_IMPORT_URL_ALLOWLIST (or carries credentials)".to_owned(),
        });
    };
    Ok(ImportJob::queued(
        new_job_id()?,
        JobSource::Url,
        file_name_of_url(&url),
        Some(url.to_string()),
        None,
        None,
        Utc::now(),
    ))
}

/// The body, streamed into the job's folder: never held in memory, and nothing left behind when it
/// is too large or breaks off.
async fn upload_job(
    jobs: &Jobs,
    request: &HttpRequest,
    mut payload: web::Payload,
    name: String,
) -> Result<ImportJob, ApiError> {
    let limit = jobs.settings().max_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        if declared.is_some_and(|length| length <= DRAIN_LIMIT as u64) {
            drain(&mut payload).await;
        }
        return Err(ApiError::UploadTooLarge { limit });
    }
    let id = new_job_id()?;
    let dir = job_dir(&jobs.settings().dir, &id);
    let path = dir.join(stored_name(&name));
    let folder = dir.clone();
    let target = path.clone();
    let file = web::block(move || {
        std::fs::create_dir_all(&folder)?;
        std::fs::File::create(&target)
    })
    .await
    .map_err(ApiError::from)?
    .map_err(|error| {
        tracing::error!(%error, dir = %dir.display(), "cannot store an upload (PRICELINE_IMPORT_DIR)");
        ApiError::Internal
    })?;
    match receive(&mut payload, file, limit).await {
        Ok(bytes) => Ok(ImportJob::queued(
            id,
            JobSource::Upload,
            name,
            None,
            Some(path.display().to_string()),
            Some(bytes as i64),
            Utc::now(),
        )),
        Err(error) => {
            let _ = web::block(move || std::fs::remove_dir_all(&dir)).await;
            if matches!(error, ApiError::UploadTooLarge { .. }) {
                drain(&mut payload).await;
            }
            Err(error)
        }
    }
}

/// The name the file is stored under: as given, cut to 200 bytes (at a character boundary) so the
/// file system takes it; the EIN the importer looks for is at its start.
fn stored_name(name: &str) -> PathBuf {
    let mut end = name.len().min(200);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Path::new(&name[..end]).to_path_buf()
}

/// Writes the body to `file`; the bytes written, or 413 past `limit`.
async fn receive(
    payload: &mut web::Payload,
    file: std::fs::File,
    limit: u64,
) -> Result<u64, ApiError> {
    let mut file = file;
    let mut buffer: Vec<u8> = Vec::with_capacity(WRITE_CHUNK);
    let mut total: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::invalid(
                "body",
                "the upload could not be read to its end; nothing was stored",
            )
        })?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(ApiError::UploadTooLarge { limit });
        }
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= WRITE_CHUNK {
            let (open, mut written) = write_piece(file, buffer).await?;
            written.clear();
            (file, buffer) = (open, written);
        }
    }
    if !buffer.is_empty() {
        write_piece(file, buffer).await?;
    }
    // An empty body is taken like any other upload (the spec allows it): its job fails with the
    // importer's own refusal of an empty file, as `priceline import` would report it.
    Ok(total)
}

/// Appends `buffer` to `file` on the blocking thread pool; both come back for the next piece.
async fn write_piece(
    mut file: std::fs::File,
    buffer: Vec<u8>,
) -> Result<(std::fs::File, Vec<u8>), ApiError> {
    web::block(move || file.write_all(&buffer).map(|()| (file, buffer)))
        .await
        .map_err(ApiError::from)?
        .map_err(|error| {
            tracing::error!(%error, "cannot write an upload to disk");
            ApiError::Internal
        })
}

/// Reads and drops what is left of the body, up to [`DRAIN_LIMIT`].
async fn drain(payload: &mut web::Payload) {
    let mut size = 0;
    while let Some(Ok(chunk)) = payload.next().await {
        size += chunk.len();
        if size > DRAIN_LIMIT {
            break;
        }
    }
}
