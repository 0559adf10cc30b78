use actix_web::{HttpRequest, HttpResponse, get, web};
use priceline_store::queries::api_keys::{self, KeyKey};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::{no_store, require_caller};
use crate::pagination::{PageInfo, Paging};
use crate::problem::{AdminErrors, ApiError};
use crate::routes::query::ValidQuery;
use crate::routes::with_connection;
use crate::state::AppState;
use crate::views::ListBody;
use crate::views::api_key::ApiKeyList;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// Page size, 1 to 1000.
    #[param(example = 50, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page, unchanged: the sort key of its last key, as JSON.
    #[param(
        inline,
        value_type = Option<crate::pagination::JobCursor>,
        example = r#"["2026-12-06T09:00:00.123456Z","3b9f0c1d2e4a5b6c7d8e9f0a1b2c3d4e"]"#
    )]
    pub cursor: Option<String>,
}

/// List API keys
///
/// Managed API keys, the most recent first, revoked and expired ones included, never with their
/// secret. Needs the `admin` scope.
#[utoipa::path(
    tag = "admin",
    operation_id = "listApiKeys",
    params(KeysQuery),
    responses(
        (status = 200, description = "A page of keys", body = ApiKeyList,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        AdminErrors
    )
)]
#[get("/v1/admin/keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    query: ValidQuery<KeysQuery>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    require_caller(&request)?;
    let Paging { after, limit } = Paging::<KeyKey>::new(query.cursor.as_deref(), query.limit)?;
    let page = with_connection(&state, move |connection| {
        Ok(api_keys::list(connection, after.as_ref(), limit)?)
    })
    .await?;
    let body = ApiKeyList::new(
        page.items.into_iter().map(Into::into).collect(),
        PageInfo::new(&request, limit, page.next.as_ref(), None),
    );
    Ok(no_store(HttpResponse::Ok()).json(body))
}
