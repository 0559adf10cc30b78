//! The response cache: repeated requests are answered alike, and an import shows without a restart.
//! Each answer states the data version it reflects (`Priceline-Data-Version`), a cached one too.

use std::time::{Duration, Instant};

use priceline_api::cache::VERSION_CHECK_INTERVAL;
use priceline_synth::Hospital;
use serde_json::Value;

use super::sample::{OLDER_DATE, SEED, generate, rewrite};
use crate::import::import;
use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

/// The ETag, the body and the data version of a 200.
async fn get(app: &TestApp, path: &str) -> (String, Value, Option<i64>) {
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
    let version = response
        .headers()
        .get("priceline-data-version")
        .map(|value| value.to_str().unwrap().parse().unwrap());
    let body = response.body().limit(10_000_000).await.unwrap();
    (etag, serde_json::from_slice(&body).unwrap(), version)
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
    let (_, list, list_version) = get(&app, "/v1/facilities").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let path = format!("/v1/facilities/{id}");
    let (first_tag, first, version) = get(&app, &path).await;
    assert_eq!(first["snapshot"]["last_updated_on"], OLDER_DATE, "{first}");
    assert_eq!(version, first["snapshot"]["id"].as_i64(), "the only file");
    assert_eq!(list_version, version);
    // Answered again (from the cache once the version is known): the same bytes and version.
    for _ in 0..3 {
        let (tag, again, again_version) = get(&app, &path).await;
        assert_eq!((&tag, &again), (&first_tag, &first));
        assert_eq!(again_version, version);
    }

    // A newer file for the same hospital, imported by another connection as the CLI would.
    let mut other = priceline_store::connect(&url).unwrap();
    import(&mut other, current.to_str().unwrap());
    let deadline = Instant::now() + VERSION_CHECK_INTERVAL * 8 + Duration::from_secs(2);
    loop {
        let (tag, now, now_version) = get(&app, &path).await;
        if now["snapshot"]["last_updated_on"] == date {
            assert_ne!(tag, first_tag);
            assert_eq!(
                now_version,
                now["snapshot"]["id"].as_i64(),
                "the newer file"
            );
            assert!(now_version > version);
            break;
        }
        assert!(Instant::now() < deadline, "the import never showed: {now}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
on_both_backends!(async an_import_replaces_cached_responses);
