//! Opaque cursors and the page envelope. A cursor is the store's typed key of the last row served,
//! as base64url JSON: clients pass it back unchanged, and a forged one is only a bad parameter.

use actix_web::HttpRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::problem::ApiError;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;

pub fn encode<K: Serialize>(key: &K) -> String {
    // A key is plain data: serializing it cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode<K: DeserializeOwned>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "cursor",
                "is not a cursor this API issued; pass `next_cursor` from the previous page unchanged",
            )
        })
}

/// What a list request asks for: the page after the cursor's key, of at most `limit` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging<K> {
    pub after: Option<K>,
    pub limit: usize,
}

impl<K: DeserializeOwned> Paging<K> {
    /// The paging of `cursor` and `limit` as a query gives them: a 400 naming `cursor` for one this
    /// API did not issue, the default limit when none is given.
    pub fn new(cursor: Option<&str>, limit: Option<usize>) -> Result<Self, ApiError> {
        Ok(Self {
            after: decode(cursor)?,
            limit: limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
        })
    }
}

/// Where a list stands: how many were asked for, how to get the next page, and the total when cheap.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "limit": 50,
    "next_cursor": "eyJ2YWx1ZSI6MSwiY2hhcmdlX2lkIjoxMiwicmF0ZV9pZCI6MzR9",
    "next": "/v1/prices?code=70551&code_type=CPT&cursor=eyJ2YWx1ZSI6MSwiY2hhcmdlX2lkIjoxMiwicmF0ZV9pZCI6MzR9",
    "total": null
}))]
pub struct PageInfo {
    /// The page size used.
    pub limit: usize,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The same request with `cursor` set: the link to the next page, a path from the root of the
    /// host the client called (under the proxy's path prefix, if any); absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// How many items match in all. Given only where counting is cheap: by `listFacilities` (the
    /// matching facilities are read whole to be ordered by name) and `listSourceFileFindings` (one
    /// indexed count). Absent from the other lists (prices, compare, payers, source files), where
    /// counting would cost a second pass over every match: follow `next` to the end instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

impl PageInfo {
    /// The page info for `request`, whose next page starts after `next` (when there is one).
    pub fn new<K: Serialize>(
        request: &HttpRequest,
        limit: usize,
        next: Option<&K>,
        total: Option<u64>,
    ) -> Self {
        let next_cursor = next.map(encode);
        let next = next_cursor.as_deref().map(|cursor| {
            let mut pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
            pairs.retain(|(name, _)| name != "cursor");
            pairs.push(("cursor".to_owned(), cursor.to_owned()));
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            // Under the prefix the client reached the API by (a proxy's, or PRICELINE_PUBLIC_URL's).
            let prefix = crate::forwarded::external_base(request).prefix;
            format!("{prefix}{}?{query}", request.path())
        });
        Self {
            limit,
            next_cursor,
            next,
            total,
        }
    }
}
