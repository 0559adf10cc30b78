//! HEAD on every GET route, as load balancers and uptime monitors send it: the GET's status and
//! headers, `Content-Length` included, and no body.

use crate::on_both_backends;
use crate::support::db::TestDb;

use super::sample::app_with_sample;

/// Headers that differ between any two responses.
const PER_RESPONSE: [&str; 2] = ["date", "x-request-id"];

async fn head_answers_every_get_route_with_its_headers_and_no_body(db: TestDb) {
    let sample = app_with_sample(db).await;
    let app = &sample.app;
    let (_, facilities) = app.get("/v1/facilities").await;
    let facility = &facilities["items"][0]["id"];
    let (_, files) = app.get("/v1/source-files").await;
    let file = &files["items"][0]["id"];
    let client = awc::Client::default();
    for path in [
        "/healthz".to_owned(),
        "/readyz".to_owned(),
        "/openapi.json".to_owned(),
        "/docs/".to_owned(),
        "/v1/facilities".to_owned(),
        format!("/v1/facilities/{facility}"),
        format!("/v1/facilities/{facility}/snapshots"),
        "/v1/prices?code_type=CPT&limit=5".to_owned(),
        "/v1/codes/CPT/99213/statistics".to_owned(),
        "/v1/codes/CPT/99213/compare".to_owned(),
        "/v1/payers".to_owned(),
        "/v1/source-files".to_owned(),
        format!("/v1/source-files/{file}"),
        format!("/v1/source-files/{file}/findings"),
        "/v1/facilities/999999".to_owned(),
    ] {
        // As sent: a compressed body is compared as such.
        let mut get = client
            .get(app.url(&path))
            .no_decompress()
            .send()
            .await
            .unwrap();
        let get_body = get.body().limit(64 << 20).await.unwrap();
        let mut head = client
            .head(app.url(&path))
            .no_decompress()
            .send()
            .await
            .unwrap();
        let head_body = head.body().await.unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        // A facility that does not exist is a 404 either way; every other path is found.
        let expected = if path.ends_with("999999") { 404 } else { 200 };
        assert_eq!(head.status().as_u16(), expected, "{path}");
        assert!(head_body.is_empty(), "{path}: a HEAD answer has no body");
        let headers = |response: &awc::ClientResponse<_>| {
            let mut list: Vec<(String, String)> = response
                .headers()
                .iter()
                .filter(|(name, _)| !PER_RESPONSE.contains(&name.as_str()))
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
                .collect();
            list.sort();
            list
        };
        assert_eq!(headers(&head), headers(&get), "{path}");
        if let Some(length) = head.headers().get("content-length") {
            let length: usize = length.to_str().unwrap().parse().unwrap();
            assert!(length > 0, "{path}");
            assert_eq!(length, get_body.len(), "{path}: the GET body's length");
        }
    }
}
on_both_backends!(async head_answers_every_get_route_with_its_headers_and_no_body);
