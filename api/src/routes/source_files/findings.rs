use actix_web::{HttpRequest, get, web};
use priceline_domain::Severity;
use priceline_store::DbConnection;
use priceline_store::queries::Page;
use priceline_store::queries::source_files::{self, FindingEntry};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use validator::Validate;

use crate::pagination::Paging;
use crate::problem::{ApiError, OrNotFound, ReadErrors};
use crate::routes::query::ValidQuery;
use crate::routes::read_page;
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
    /// `next_cursor` of the previous page, unchanged: the sort key of its last item, as JSON.
    #[param(inline, value_type = Option<crate::pagination::FindingCursor>, example = "12")]
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
) -> Result<web::Json<FindingList>, ApiError> {
    let id = id.into_inner().0;
    let paging = Paging::new(query.cursor.as_deref(), query.limit)?;
    let severity = query.severity;
    read_page(&state, &request, paging, move |connection, after, limit| {
        findings(connection, id, severity, after.copied(), limit)
    })
    .await
}

/// The file's findings after position `after`; 404 for a file that does not exist.
fn findings(
    connection: &mut DbConnection,
    id: i64,
    severity: Option<Severity>,
    after: Option<i32>,
    limit: usize,
) -> Result<Page<FindingEntry, i32>, ApiError> {
    source_files::get(connection, id).or_not_found(|| format!("no source file {id}"))?;
    Ok(source_files::findings(
        connection, id, severity, after, limit,
    )?)
}
