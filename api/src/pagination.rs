//! Cursors and the page envelope. A cursor is the store's typed key of the last row served, as
//! compact JSON (`{"name":"West Mercy Hospital","id":1}`): clients pass it back unchanged. Each list
//! states the exact form of its cursors as a `pattern` in the spec ([`CursorKey::PATTERN`]), and the
//! server checks that very pattern before reading the key, so every cursor the pattern admits is a
//! position to page from (one no row has only gives an empty page) and any other is a 400.

use actix_web::HttpRequest;
use regex::Regex;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::problem::ApiError;

/// How many items a list response returned: list handlers put it in the request's extensions
/// (`routes::read_page` does for most; the response cache keeps it with a cached page), and the
/// audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultCount(pub u64);

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;

/// A JSON string as serde_json writes it (`"`, `\` and control characters escaped), or with any
/// other escape JSON allows except a lone surrogate (which no Rust string holds).
const STRING: &str = r#""(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u(?:[0-9a-cA-Ce-fE-F][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))*""#;
/// A JSON integer within i64 (up to 8999999999999999999: the store's keys are ids and amounts in
/// micro-units, far below). Not `-0`, which serde_json reads as a float.
const INT64: &str = "(?:0|-?[1-9][0-9]{0,17}|-?[1-8][0-9]{18})";
/// A JSON integer within i32.
const INT32: &str = "(?:0|-?[1-9][0-9]{0,8})";

/// A store key that pages a list: its cursor is its JSON, of the form `PATTERN` gives.
pub trait CursorKey: Serialize + DeserializeOwned {
    /// The anchored pattern (ECMA-262 and Rust `regex` alike) of this key's cursors.
    fn pattern() -> String;
    /// The compiled [`Self::pattern`].
    fn regex() -> &'static Regex;
}

/// Implements [`CursorKey`] for a key type, its pattern built from the parts above, and declares the
/// schema-only type `$doc` that documents the `cursor` parameter of the lists it pages (for
/// `#[param(inline, value_type = Option<$doc>)]`).
macro_rules! cursor_key {
    ($($key:ty => $doc:ident: $pattern:expr;)*) => {$(
        impl CursorKey for $key {
            fn pattern() -> String {
                $pattern
            }

            fn regex() -> &'static Regex {
                static REGEX: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
                    Regex::new(&<$key as CursorKey>::pattern()).expect("a cursor pattern compiles")
                });
                &REGEX
            }
        }

        #[doc = concat!("The cursor of lists paged by `", stringify!($key), "`, in the documentation.")]
        pub struct $doc;

        impl utoipa::PartialSchema for $doc {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(<$key as CursorKey>::pattern()))
                    .into()
            }
        }

        impl ToSchema for $doc {}
    )*};
}

use priceline_store::queries::compare::CompareKey;
use priceline_store::queries::facilities::FacilityKey;
use priceline_store::queries::import_jobs::JobKey;
use priceline_store::queries::payers::PayerPlanKey;
use priceline_store::queries::prices::PriceKey;

cursor_key! {
    i64 => IdCursor: format!("^{INT64}$");
    i32 => FindingCursor: format!("^{INT32}$");
    FacilityKey => FacilityCursor: format!(r#"^\{{"name":{STRING},"id":{INT64}\}}$"#);
    PayerPlanKey => PayerPlanCursor: format!(r#"^\{{"payer_name":{STRING},"plan_name":{STRING}\}}$"#);
    PriceKey => PriceCursor: format!(
        r#"^\{{"value":{INT64},"item_id":{INT64},"charge_id":{INT64},"rate_id":{INT64}\}}$"#
    );
    CompareKey => CompareCursor: format!(
        r#"^\{{(?:"unranked":true,)?"price_micros":{INT64},"facility_id":{INT64}\}}$"#
    );
    // An import job's creation time (RFC 3339 in UTC, as chrono writes it) and its id.
    JobKey => JobCursor: format!(
        r#"^\["[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]{{1,9}})?Z","[0-9a-f]{{32}}"\]$"#
    );
}

pub fn encode<K: Serialize>(key: &K) -> String {
    // A key is plain data: serializing it cannot fail.
    serde_json::to_string(key).unwrap_or_default()
}

pub fn decode<K: CursorKey>(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    K::regex()
        .is_match(cursor)
        .then(|| serde_json::from_str(cursor).ok())
        .flatten()
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "cursor",
                "is not a cursor of this list; pass `next_cursor` from the previous page unchanged",
            )
        })
}

/// What a list request asks for: the page after the cursor's key, of at most `limit` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging<K> {
    pub after: Option<K>,
    pub limit: usize,
}

impl<K: CursorKey> Paging<K> {
    /// The paging of `cursor` and `limit` as a query gives them: a 400 naming `cursor` for one not of
    /// this list's form, the default limit when none is given.
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
    "next_cursor": "{\"value\":1,\"item_id\":7,\"charge_id\":12,\"rate_id\":34}",
    "next": "/v1/prices?code=70551&code_type=CPT&cursor=%7B%22value%22%3A1%2C%22item_id%22%3A7%2C%22charge_id%22%3A12%2C%22rate_id%22%3A34%7D",
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
