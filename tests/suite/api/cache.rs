//! The response cache: repeated requests are answered alike, and an import shows without a restart.

use std::time::{Duration, Instant};

use priceline_api::cache::VERSION_CHECK_INTERVAL;
use serde_json::Value;

use crate::import::{SHARED, import};
use crate::on_both_backends;
use crate::support::app::TestApp;

async fn get(app: &TestApp, path: &str) -> (String, Value) {
    let mut response = awc::Client::default()
        .get(app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    let etag = response
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.body().limit(10_000_000).await.unwrap();
    (etag, serde_json::from_slice(&body).unwrap())
}

on_both_backends! {
    #[cfg_attr(no_shared_data, ignore = "../shared/data is not present")]
    fn an_import_replaces_cached_responses(db: TestDb) {
        actix_web::rt::System::new().block_on(async {
            let url = db.url.clone();
            let mut connection = db.migrated();
            import(&mut connection, &format!("{SHARED}/cms/v2.0.0/V2.0.0_Tall_CSV_Format_Example.csv"));
            let app = TestApp::spawn(db).await;
            let (_, list) = get(&app, "/v1/facilities").await;
            let id = list["items"][0]["id"].as_i64().unwrap();
            let path = format!("/v1/facilities/{id}");
            let (first_tag, first) = get(&app, &path).await;
            assert_eq!(first["snapshot"]["declared_version"], "2.0.0", "{first}");
            // Answered again (from the cache once the version is known): the same bytes.
            for _ in 0..3 {
                let (tag, again) = get(&app, &path).await;
                assert_eq!((&tag, &again), (&first_tag, &first));
            }

            // A newer file for the same hospital, imported by another connection as the CLI would.
            let mut other = priceline_store::connect(&url).unwrap();
            import(&mut other, &format!("{SHARED}/cms/v3.0.0/V3.0.0_Tall_CSV_Format_Example.csv"));
            let deadline = Instant::now() + VERSION_CHECK_INTERVAL * 8 + Duration::from_secs(2);
            loop {
                let (tag, now) = get(&app, &path).await;
                if now["snapshot"]["declared_version"] == "3.0.0" {
                    assert_ne!(tag, first_tag);
                    break;
                }
                assert!(Instant::now() < deadline, "the import never showed: {now}");
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
}
