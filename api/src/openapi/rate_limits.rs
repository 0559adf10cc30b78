//! The rate-limit fields [`crate::middleware::rate_limit`] puts on every response of a /v1
//! operation (a 200 as much as a 429): `RateLimit-Policy` and `RateLimit` (IETF
//! draft-ietf-httpapi-ratelimit-headers-11) and `X-RateLimit-Limit` / `X-RateLimit-Remaining`,
//! declared once under `components.headers` and referenced from each response, so no operation
//! can be forgotten.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};

use crate::middleware::rate_limit::{
    RATELIMIT, RATELIMIT_POLICY, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING,
};

const WHEN: &str = "Sent when rate limiting is on (the default).";

/// Declares the fields and references them from every response of every /v1 operation.
pub fn document(spec: &mut OpenApi) {
    let components = spec.components.get_or_insert_with(Default::default);
    let string = |pattern: &str, description: String, example: &str| {
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(pattern)),
                ))
                .description(Some(description))
                .example(Some(serde_json::json!(example)))
                .build(),
        )
    };
    let integer = |minimum: u32, description: String, example: u32| {
        RefOr::T(
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(minimum)),
                ))
                .description(Some(description))
                .example(Some(serde_json::json!(example)))
                .build(),
        )
    };
    let headers = [
        (
            RATELIMIT_POLICY,
            string(
                r#"^"[A-Za-z0-9._-]{1,32}";q=[0-9]+;w=[0-9]+$"#,
                format!(
                    "The client's quota policy (IETF draft-ietf-httpapi-ratelimit-headers-11 §3): \
                     its rate-limit tier (`default` for credentials without one, `anonymous` for \
                     requests without an accepted credential), `q` the requests it may send at \
                     once (the burst) and `w` the seconds an empty budget takes to refill, so `q` \
                     per `w` seconds is the sustained rate. {WHEN}"
                ),
                r#""default";q=100;w=2"#,
            ),
        ),
        (
            RATELIMIT,
            string(
                r#"^"[A-Za-z0-9._-]{1,32}";r=[0-9]+;t=[0-9]+$"#,
                format!(
                    "The client's current service limit (IETF \
                     draft-ietf-httpapi-ratelimit-headers-11 §4) under the policy it names: `r` \
                     the requests left now, `t` the seconds until the budget is full again. {WHEN}"
                ),
                r#""default";r=99;t=1"#,
            ),
        ),
        (
            X_RATELIMIT_LIMIT,
            integer(
                1,
                format!(
                    "The client's burst size: requests accepted at once (as `q` of \
                     RateLimit-Policy). {WHEN}"
                ),
                100,
            ),
        ),
        (
            X_RATELIMIT_REMAINING,
            integer(
                0,
                format!("Requests left in the burst now (as `r` of RateLimit; 0 on a 429). {WHEN}"),
                99,
            ),
        ),
    ];
    for (name, header) in headers {
        components.headers.insert(name.to_owned(), header);
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        if !crate::auth::protects(path) {
            continue;
        }
        for operation in super::operations::of_item(item) {
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for name in [
                        RATELIMIT_POLICY,
                        RATELIMIT,
                        X_RATELIMIT_LIMIT,
                        X_RATELIMIT_REMAINING,
                    ] {
                        response.headers.insert(
                            name.to_owned(),
                            RefOr::Ref(Ref::new(format!("#/components/headers/{name}"))),
                        );
                    }
                }
            }
        }
    }
}
