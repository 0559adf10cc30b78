//! Swagger UI that works on first try: the page names the service, a pasted credential survives a
//! reload, and "Try it out" starts with the optional filters empty (their examples are shown in the
//! descriptions and schemas, where Swagger UI does not copy them into the fields).

use serde_json::Value;

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

async fn text(app: &TestApp, path: &str) -> String {
    let mut response = awc::Client::default()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let body = response.body().limit(16 * 1024 * 1024).await.unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

async fn swagger_ui_names_the_service_and_keeps_authorization(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let page = text(&app, "/docs/").await;
    assert!(
        page.contains("<title>Hospital Priceline API</title>"),
        "{page}"
    );
    assert!(!page.contains("<title>Swagger UI</title>"), "{page}");
    let script = text(&app, "/docs/swagger-initializer.js").await;
    assert!(
        script.contains("\"persistAuthorization\": true"),
        "{script}"
    );
    assert!(script.contains("\"url\": \"../openapi.json\""), "{script}");
    // The other files of the page are served as they are.
    for file in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ] {
        assert!(
            !text(&app, &format!("/docs/{file}")).await.is_empty(),
            "{file}"
        );
    }
    let (status, problem) = app.get("/docs/no-such-file.js").await;
    assert_eq!(status, 404, "{problem}");
}
on_both_backends!(async swagger_ui_names_the_service_and_keeps_authorization);

/// Every parameter of every operation of the served spec.
fn parameters(spec: &Value) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                found.push((format!("{method} {path}"), parameter.clone()));
            }
        }
    }
    found
}

async fn try_it_out_does_not_prefill_optional_filters(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (status, spec) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    let all = parameters(&spec);
    let mut optional_with_examples = 0;
    for (operation, parameter) in &all {
        if parameter.get("$ref").is_some() {
            continue;
        }
        let name = &parameter["name"];
        if parameter["required"] == true {
            // Filled in, the first try of an operation with a required parameter works.
            assert!(
                parameter.get("example").is_some(),
                "{operation} {name}: {parameter}"
            );
            continue;
        }
        // The fields Swagger UI fills "Try it out" from: the parameter's example(s) and the
        // schema's singular `example` and `default`.
        for filled_from in ["example", "examples"] {
            assert!(
                parameter.get(filled_from).is_none(),
                "{operation} {name}: {parameter}"
            );
        }
        for filled_from in ["example", "default"] {
            assert!(
                parameter["schema"].get(filled_from).is_none(),
                "{operation} {name}: {parameter}"
            );
        }
        if let Some(examples) = parameter["schema"]["examples"].as_array() {
            optional_with_examples += 1;
            let shown = match &examples[0] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let description = parameter["description"].as_str().unwrap_or_default();
            assert!(
                description.contains(&format!("Example: `{shown}`")),
                "{operation} {name}: the example is in the description: {description}"
            );
        }
    }
    assert!(
        optional_with_examples > 20,
        "the optional filters keep their examples in the schemas ({optional_with_examples})"
    );
    // `facility_name` is one of the filters: its example moved, not lost.
    let (_, name) = all
        .iter()
        .find(|(operation, parameter)| {
            operation == "get /v1/facilities" && parameter["name"] == "facility_name"
        })
        .unwrap();
    assert_eq!(name["schema"]["examples"][0], "mercy", "{name}");
}
on_both_backends!(async try_it_out_does_not_prefill_optional_filters);
