use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use priceline_store::queries::import_jobs::{self, JobKey};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::require_access;
use crate::jobs::Jobs;
use crate::pagination::{PageInfo, Paging};
use crate::problem::{ApiError, ImportErrors};
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::ListBody;
use crate::views::import_job::ImportJobList;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page, unchanged: the sort key of its last job, as JSON.
    #[param(
        inline,
        value_type = Option<crate::pagination::JobCursor>,
        example = r#"["2026-12-05T14:00:00.123456Z","0123456789abcdef0123456789abcdef"]"#
    )]
    pub cursor: Option<String>,
}

/// List import jobs
///
/// Import jobs, the most recent first, each as `GET /v1/imports/{id}` gives it but without its
/// `report` (a report keeps every finding; ask for the job to read it).
#[utoipa::path(
    tag = "imports",
    operation_id = "listImports",
    params(JobsQuery),
    responses(
        (status = 200, description = "A page of import jobs", body = ImportJobList,
         headers(("Cache-Control" = String, description = "`no-store`: a job's state changes while it runs"))),
        ImportErrors
    )
)]
#[get("/v1/imports")]
pub async fn list_imports(
    state: web::Data<AppState>,
    jobs: web::Data<Jobs>,
    query: ValidQuery<JobsQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require_access(&request, &jobs)?;
    let Paging { after, limit } = Paging::<JobKey>::new(query.cursor.as_deref(), query.limit)?;
    let first_page = after.is_none();
    let page = with_connection(&state, move |connection| {
        Ok(import_jobs::list(connection, after.as_ref(), limit)?)
    })
    .await?;
    // Jobs accepted here and not stored yet (an SQLite import holds the database) are the most
    // recent of all: they lead the first page.
    let mut items = if first_page {
        jobs.pending()
    } else {
        Vec::new()
    };
    items.retain(|pending| !page.items.iter().any(|stored| stored.id == pending.id));
    items.extend(page.items.into_iter().map(|job| jobs.with_progress(job)));
    request
        .extensions_mut()
        .insert(crate::pagination::ResultCount(items.len() as u64));
    let body = ImportJobList::new(
        items
            .into_iter()
            .map(|mut job| {
                job.report_json = None;
                job.into()
            })
            .collect(),
        PageInfo::new(&request, limit, page.next.as_ref(), None),
    );
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body))
}
