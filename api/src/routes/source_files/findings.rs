use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_domain::Severity;
use priceline_store::StoreError;
use priceline_store::queries::source_files;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use validator::Validate;

use crate::pagination::{self, PageInfo};
use crate::problem::{ApiError, ReadErrors};
use crate::routes::params::limit_or_default;
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::source_file::FindingList;

/// The severities by name, in the order of `Severity::ALL`.
const SEVERITY_NAMES: [&str; 2] = [Severity::Error.as_str(), Severity::Alert.as_str()];
const _: () = assert!(Severity::ALL.len() == SEVERITY_NAMES.len());

/// A severity named exactly as the API documents it, for `#[serde(deserialize_with = "…")]`.
fn severity<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Severity>, D::Error> {
    crate::routes::params::one_of(deserializer, Severity::ALL, &SEVERITY_NAMES)
}

/// The schema of a severity, for `#[param(inline, value_type = ..)]`.
pub struct SeverityName;

impl utoipa::PartialSchema for SeverityName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(SEVERITY_NAMES))
            .into()
    }
}

impl utoipa::ToSchema for SeverityName {}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FindingsQuery {
    /// Only findings of this severity.
    #[param(inline, value_type = Option<SeverityName>, example = "error")]
    #[serde(default, deserialize_with = "severity")]
    pub severity: Option<Severity>,
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    #[param(example = "MTI", pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// A file's validation findings
///
/// The findings of the CMS rules and of our data-quality checks, in file order; the page carries
/// their total.
#[utoipa::path(
    tag = "source-files",
    operation_id = "listSourceFileFindings",
    params(("id" = i64, Path, description = "Source file id", example = 1, minimum = 1), FindingsQuery),
    responses((status = 200, description = "A page of findings", body = FindingList), ReadErrors)
)]
#[get("/v1/source-files/{id}/findings")]
pub async fn list_source_file_findings(
    state: web::Data<AppState>,
    id: web::Path<crate::routes::params::PositiveId>,
    query: ValidQuery<FindingsQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().0;
    let after: Option<i32> = pagination::decode(query.cursor.as_deref())?;
    let limit = limit_or_default(query.limit);
    let severity = query.severity;
    let page = with_connection(&state, move |connection| {
        source_files::get(connection, id).map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound(format!("no source file {id}")),
            other => other.into(),
        })?;
        Ok(source_files::findings(
            connection, id, severity, after, limit,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(FindingList {
        page: PageInfo::new(&request, limit, page.next.as_ref(), page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}
