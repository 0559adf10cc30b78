//! The response cache: repeated requests are answered alike, and an import shows without a restart.

use std::time::{Duration, Instant};

use priceline_api::cache::VERSION_CHECK_INTERVAL;
use priceline_synth::Hospital;
use serde_json::Value;

use super::sample::{OLDER_DATE, SEED, generate, rewrite};
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

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

async fn an_import_replaces_cached_responses(db: TestDb) {
    // Two files of one generated hospital: a smaller one dated earlier, then its current file.
    let dir = tempfile::tempdir().unwrap();
    let older = generate(&dir.path().join("older"), 0, 60);
    let date = Hospital::new(SEED, 0).last_updated_on;
    rewrite(&older, |number, cells| {
        if number == 2 {
            *cells.iter_mut().find(|cell| **cell == date).unwrap() = OLDER_DATE.to_owned();
        }
    });
    let current = generate(dir.path(), 0, 120);
    let url = db.url.clone();
    let mut connection = db.migrated();
    import(&mut connection, older.to_str().unwrap());
    let app = TestApp::spawn(db).await;
    let (_, list) = get(&app, "/v1/facilities").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let path = format!("/v1/facilities/{id}");
    let (first_tag, first) = get(&app, &path).await;
    assert_eq!(first["snapshot"]["last_updated_on"], OLDER_DATE, "{first}");
    // Answered again (from the cache once the version is known): the same bytes.
    for _ in 0..3 {
        let (tag, again) = get(&app, &path).await;
        assert_eq!((&tag, &again), (&first_tag, &first));
    }

    // A newer file for the same hospital, imported by another connection as the CLI would.
    let mut other = priceline_store::connect(&url).unwrap();
    import(&mut other, current.to_str().unwrap());
    let deadline = Instant::now() + VERSION_CHECK_INTERVAL * 8 + Duration::from_secs(2);
    loop {
        let (tag, now) = get(&app, &path).await;
        if now["snapshot"]["last_updated_on"] == date {
            assert_ne!(tag, first_tag);
            break;
        }
        assert!(Instant::now() < deadline, "the import never showed: {now}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
on_both_backends!(async an_import_replaces_cached_responses);
