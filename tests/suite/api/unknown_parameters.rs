//! Query parameters an operation does not take (Azure API Management's `subscription-key`, jQuery's
//! `_=` cache-buster, a misspelt filter): ignored and named in `Ignored-Query-Parameters`, or
//! refused with a 400 naming them when the client sends `Prefer: handling=strict` (RFC 7240).

use actix_web::http::header::HeaderMap;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const STRICT: (&str, &str) = ("Prefer", "handling=strict");

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| value.to_str().unwrap())
}

fn varies_by_prefer(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("prefer"))
}

async fn unknown_parameters_are_ignored_and_named_or_refused_when_strict(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let path = "/v1/facilities?subscription-key=k3y&limit=5&_=1733400000000&_=1733400000001";
    // Twice: the second answer comes from the response cache, with the same headers.
    for attempt in ["computed", "cached"] {
        let (status, headers, body) = app.get_with_headers(path, &[]).await;
        assert_eq!(status, 200, "{attempt}: {body}");
        assert_eq!(
            header(&headers, "ignored-query-parameters"),
            Some("subscription-key, _"),
            "{attempt}"
        );
        assert_eq!(header(&headers, "preference-applied"), None, "{attempt}");
        assert!(varies_by_prefer(&headers), "{attempt}: {headers:?}");
        assert_eq!(
            body["page"]["limit"], 5,
            "{attempt}: the known ones still apply"
        );
    }

    // Strict: refused, naming the first unknown parameter, even though the lenient answer to the
    // same URL is cached.
    let (status, headers, problem) = app.get_with_headers(path, &[STRICT]).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/problem+json")
    );
    assert_eq!(problem["parameter"], "subscription-key", "{problem}");
    assert_eq!(
        header(&headers, "preference-applied"),
        Some("handling=strict")
    );
    assert_eq!(header(&headers, "ignored-query-parameters"), None);

    // Strict without an unknown parameter: answered, saying the preference was applied.
    let (status, headers, body) = app
        .get_with_headers("/v1/facilities?limit=5", &[STRICT])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        header(&headers, "preference-applied"),
        Some("handling=strict")
    );
    assert_eq!(header(&headers, "ignored-query-parameters"), None);

    // Stated leniency is acknowledged; a preference among others is found.
    let (status, headers, _) = app
        .get_with_headers(
            "/v1/payers?_=1",
            &[("Prefer", "return=minimal, handling=lenient")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "preference-applied"),
        Some("handling=lenient")
    );
    assert_eq!(header(&headers, "ignored-query-parameters"), Some("_"));
    let (status, _, problem) = app
        .get_with_headers(
            "/v1/payers?name=x&nmae=y",
            &[("Prefer", "respond-async, Handling=Strict")],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["parameter"], "nmae", "{problem}");

    // Known parameters are still checked, whatever else is in the query.
    let (status, headers, problem) = app
        .get_with_headers("/v1/facilities?_=1&limit=0", &[])
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["parameter"], "limit", "{problem}");
    assert_eq!(header(&headers, "ignored-query-parameters"), Some("_"));

    // Every documented operation, the path-parameter ones and the probes alike.
    for path in [
        "/healthz?_=1",
        "/v1/facilities/1?_=1",
        "/v1/codes/CPT/70551/statistics?_=1",
    ] {
        let (_, headers, _) = app.get_with_headers(path, &[]).await;
        assert_eq!(
            header(&headers, "ignored-query-parameters"),
            Some("_"),
            "{path}"
        );
        let (status, _, problem) = app.get_with_headers(path, &[STRICT]).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["parameter"], "_", "{path}");
    }

    // A name that is not plain text is listed as a query string writes it.
    let (_, headers, _) = app
        .get_with_headers("/v1/facilities?a%20b%0D%0Ac=1", &[])
        .await;
    assert_eq!(
        header(&headers, "ignored-query-parameters"),
        Some("a+b%0D%0Ac")
    );
}
on_both_backends!(async unknown_parameters_are_ignored_and_named_or_refused_when_strict);

async fn query_handling_is_documented(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (_, spec) = app.get("/openapi.json").await;
    let prefer = &spec["components"]["parameters"]["Prefer"];
    assert_eq!(prefer["in"], "header", "{prefer}");
    assert_eq!(
        prefer["schema"]["examples"],
        serde_json::json!(["handling=strict", "handling=lenient"])
    );
    assert!(
        prefer["schema"].get("enum").is_none(),
        "any other preference is ignored, not refused: {prefer}"
    );
    for name in ["Ignored-Query-Parameters", "Preference-Applied"] {
        assert!(
            spec["components"]["headers"][name]["description"].is_string(),
            "{name}"
        );
    }
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let refs: Vec<&Value> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|parameter| parameter.get("$ref"))
                .collect();
            assert!(
                refs.contains(&&Value::from("#/components/parameters/Prefer")),
                "{method} {path}"
            );
            // The success response: 200, or 202 for an accepted import job.
            let responses = operation["responses"].as_object().unwrap();
            let (_, success) = responses
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .unwrap_or_else(|| panic!("{method} {path}: no 2xx response"));
            let ok = &success["headers"];
            assert_eq!(
                ok["Ignored-Query-Parameters"]["$ref"],
                "#/components/headers/Ignored-Query-Parameters",
                "{method} {path}"
            );
        }
    }
    assert!(operations >= 10);
}
on_both_backends!(async query_handling_is_documented);
