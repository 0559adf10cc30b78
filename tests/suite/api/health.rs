use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

async fn health_and_readiness_answer(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    for path in ["/healthz", "/readyz"] {
        let mut response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok", "{path}");
    }
}
on_both_backends!(async health_and_readiness_answer);

async fn an_unknown_path_is_a_problem_json_404(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut response = awc::Client::default()
        .get(app.url("/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Not Found");
    assert!(body["detail"].as_str().unwrap().contains("/v1/nothing"));
}
on_both_backends!(async an_unknown_path_is_a_problem_json_404);

async fn swagger_ui_and_the_spec_are_served(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let client = awc::Client::default();
    let mut spec = client.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(spec.status().as_u16(), 200);
    let spec: serde_json::Value = spec.json().await.unwrap();
    assert!(spec["paths"]["/healthz"]["get"].is_object());
    let docs = client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    let no_follow = awc::Client::builder().disable_redirects().finish();
    let redirect = no_follow.get(app.url("/docs")).send().await.unwrap();
    assert!(redirect.status().is_redirection(), "{}", redirect.status());
    // Relative, so that behind a proxy's path prefix the browser stays under it.
    assert_eq!(redirect.headers().get("location").unwrap(), "docs/");
}
on_both_backends!(async swagger_ui_and_the_spec_are_served);

fn cors_answers_allowed_origins_only(db: TestDb) {
    use crate::support::app::ALLOWED_ORIGIN;
    actix_web::rt::System::new().block_on(async {
        let app = TestApp::spawn(db).await;
        let client = awc::Client::default();
        let allowed = client
            .get(app.url("/healthz"))
            .insert_header(("Origin", ALLOWED_ORIGIN))
            .send()
            .await
            .unwrap();
        assert_eq!(
            allowed
                .headers()
                .get("access-control-allow-origin")
                .unwrap(),
            ALLOWED_ORIGIN
        );
        let preflight = client
            .request(actix_web::http::Method::OPTIONS, app.url("/v1/facilities"))
            .insert_header(("Origin", ALLOWED_ORIGIN))
            .insert_header(("Access-Control-Request-Method", "GET"))
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success(), "{}", preflight.status());
        assert!(
            preflight
                .headers()
                .get("access-control-allow-methods")
                .is_some()
        );
        let other = client
            .get(app.url("/healthz"))
            .insert_header(("Origin", "https://evil.example.net"))
            .send()
            .await
            .unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());
    });
}
on_both_backends!(cors_answers_allowed_origins_only);

#[test]
fn the_committed_spec_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json is committed; run `make openapi`");
    assert!(
        committed == priceline_api::openapi::spec_json(),
        "openapi/openapi.json differs from what the code generates; run `make openapi` and commit the result"
    );
}
