//! Rate-limit tiers, the IETF `RateLimit`/`RateLimit-Policy` fields beside the `X-RateLimit-*` ones
//! on every limited response, the anonymous tier, and the throttle of repeated refused credentials
//! per address, as a client meets them. Quotas are small and windows short; no assertion bounds a
//! duration from above.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderMap;
use priceline_api::auth::api_key::hash_hex;
use priceline_api::config;
use serde_json::Value;

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const FREE_KEY: &str = "plk_test-key-of-a-free-tier-client";
const PARTNER_KEY: &str = "plk_test-key-of-a-partner-tier-client";
const PLAIN_KEY: &str = "plk_test-key-without-a-tier";

/// Three env keys: one per tier, one naming none (the default tier).
fn keys() -> String {
    format!(
        "free-client:{}::free,partner-client:{}:prices:read:partner,plain:{}",
        hash_hex(FREE_KEY),
        hash_hex(PARTNER_KEY),
        hash_hex(PLAIN_KEY)
    )
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("a visible ASCII header"))
    }

    /// A structured-field item `"name";key=1;other=2`: its name and integer parameters.
    fn item(&self, name: &str) -> (String, BTreeMap<String, u64>) {
        let text = self
            .header(name)
            .unwrap_or_else(|| panic!("no {name} on a {} ({:?})", self.status, self.headers));
        let mut parts = text.split(';');
        let policy = parts.next().unwrap();
        assert!(
            policy.len() > 2 && policy.starts_with('"') && policy.ends_with('"'),
            "{name}: {text}"
        );
        let parameters = parts
            .map(|part| {
                let (key, value) = part.split_once('=').expect("key=value");
                (key.to_owned(), value.parse().expect("an integer"))
            })
            .collect();
        (policy.trim_matches('"').to_owned(), parameters)
    }

    fn problem(&self, status: u16) -> &str {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(self.body["status"], status);
        self.body["detail"].as_str().unwrap()
    }

    fn retry_after(&self) -> u64 {
        self.header("retry-after").unwrap().parse().unwrap()
    }
}

async fn get(app: &TestApp, headers: &[(&str, &str)]) -> Answer {
    let (status, headers, body) = app.get_with_headers("/v1/facilities", headers).await;
    Answer {
        status,
        headers,
        body,
    }
}

/// Both header families, stating `tier` with a burst of `burst`.
fn assert_limited(answer: &Answer, tier: &str, burst: u64) {
    let (policy, quota) = answer.item("RateLimit-Policy");
    assert_eq!(policy, tier);
    assert_eq!(quota["q"], burst);
    assert!(quota["w"] >= 1);
    let (current, state) = answer.item("RateLimit");
    assert_eq!(current, tier);
    assert!(state["r"] < burst, "{state:?}");
    assert!(state.contains_key("t"));
    assert_eq!(
        answer.header("x-ratelimit-limit"),
        Some(burst.to_string().as_str())
    );
    assert_eq!(
        answer.header("x-ratelimit-remaining"),
        Some(state["r"].to_string().as_str())
    );
}

async fn a_tier_over_its_quota_is_refused_and_recovers(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::API_KEYS, &keys()),
            (config::RATE_LIMIT_TIERS, "free=1/s:3,partner=100/s:200"),
            (config::RATE_LIMIT_PER_SECOND, "50"),
            (config::RATE_LIMIT_BURST, "100"),
        ],
    )
    .await;
    let free = [("X-API-Key", FREE_KEY)];

    // Every limited response says where the client stands, 200s included.
    let first = get(&app, &free).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_limited(&first, "free", 3);
    assert_eq!(first.item("RateLimit-Policy").1["w"], 3);
    assert_eq!(first.header("x-ratelimit-after"), None);

    let mut sent = 1;
    let throttled = loop {
        let answer = get(&app, &free).await;
        sent += 1;
        if answer.status == 429 {
            break answer;
        }
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_limited(&answer, "free", 3);
        assert!(sent < 10, "no 429 after {sent} requests with a burst of 3");
    };
    assert!(sent > 3, "refused after only {sent} requests");
    assert!(throttled.problem(429).contains("too many requests"));
    assert_limited(&throttled, "free", 3);
    assert_eq!(throttled.item("RateLimit").1["r"], 0);
    assert_eq!(throttled.header("x-ratelimit-remaining"), Some("0"));
    let retry_after = throttled.retry_after();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(
        throttled.header("x-ratelimit-after"),
        Some(retry_after.to_string().as_str())
    );

    // A tier with a higher quota is not refused at the same pace; a key without a tier is in the
    // default one.
    for _ in 0..sent + 2 {
        let partner = get(&app, &[("X-API-Key", PARTNER_KEY)]).await;
        assert_eq!(partner.status, 200, "{}", partner.body);
        assert_limited(&partner, "partner", 200);
    }
    let plain = get(&app, &[("X-API-Key", PLAIN_KEY)]).await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert_limited(&plain, "default", 100);

    // After the wait it was told, the free client is served again.
    actix_web::rt::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(50)).await;
    let recovered = get(&app, &free).await;
    assert_eq!(recovered.status, 200, "{}", recovered.body);
    assert_limited(&recovered, "free", 3);

    // Probes and the spec are never limited.
    let (status, headers, _) = app.get_with_headers("/healthz", &[]).await;
    assert_eq!(status, 200);
    assert!(headers.get("ratelimit").is_none() && headers.get("ratelimit-policy").is_none());
}
on_both_backends!(async a_tier_over_its_quota_is_refused_and_recovers);

async fn anonymous_clients_have_their_own_tier(db: TestDb) {
    // An open API: every client is anonymous, budgeted per address. Two workers, each request on a
    // connection of its own (the server hands connections to its workers in turn): the budget is
    // the process's, so a third request is refused whichever worker takes it.
    let open = TestApp::spawn_on(
        &db.url,
        &[
            (config::WORKERS, "2"),
            (config::RATE_LIMIT_TIERS, "anonymous=1/m:2"),
            (config::RATE_LIMIT_PER_SECOND, "50"),
            (config::TRUST_FORWARDED, "true"),
        ],
    )
    .await;
    let first = [("X-Forwarded-For", "203.0.113.7")];
    for _ in 0..2 {
        let answer = get(&open, &first).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_limited(&answer, "anonymous", 2);
        assert_eq!(answer.item("RateLimit-Policy").1["w"], 120);
    }
    let refused = get(&open, &first).await;
    refused.problem(429);
    assert_limited(&refused, "anonymous", 2);
    assert!(refused.retry_after() >= 50, "{}", refused.retry_after());
    let other = get(&open, &[("X-Forwarded-For", "198.51.100.4")]).await;
    assert_eq!(other.status, 200, "another address is another client");

    // With credentials required and no anonymous tier configured, requests without one get a fifth
    // of the default tier (50/s, 100 at once), while a key gets the default tier itself.
    let closed = TestApp::spawn_with_env(
        db,
        &[
            (config::API_KEYS, &keys()),
            (config::RATE_LIMIT_TIERS, "free=1/s:3,partner=100/s:200"),
            (config::RATE_LIMIT_PER_SECOND, "50"),
        ],
    )
    .await;
    let missing = get(&closed, &[]).await;
    missing.problem(401);
    assert_limited(&missing, "anonymous", 20);
    let keyed = get(&closed, &[("X-API-Key", PLAIN_KEY)]).await;
    assert_eq!(keyed.status, 200, "{}", keyed.body);
    assert_limited(&keyed, "default", 100);
}
on_both_backends!(async anonymous_clients_have_their_own_tier);

async fn repeated_refused_credentials_are_throttled_per_address(db: TestDb) {
    let app = TestApp::spawn_with_env(
        db,
        &[
            (config::API_KEYS, &keys()),
            (config::RATE_LIMIT_TIERS, "free=1/s:3,partner=100/s:200"),
            (config::TRUST_FORWARDED, "true"),
            (config::RATE_LIMIT_PER_SECOND, "50"),
            (config::AUTH_FAILURE_LIMIT, "3"),
            (config::AUTH_FAILURE_PENALTY_SECONDS, "1"),
            (config::AUTH_FAILURE_DELAY_MS, "150"),
        ],
    )
    .await;
    let stranger = |key: &'static str| [("X-Forwarded-For", "203.0.113.9"), ("X-API-Key", key)];
    let wrong = "plk_a-guess-at-the-owners-key";

    // The first refusal is not held back; the second waits for the first.
    get(&app, &stranger(wrong)).await.problem(401);
    let started = Instant::now();
    get(&app, &stranger(wrong)).await.problem(401);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "the second refusal came after {:?}",
        started.elapsed()
    );
    // The third reaches the limit: the address is refused for a while, saying why.
    let blocked = get(&app, &stranger(wrong)).await;
    assert!(
        blocked
            .problem(429)
            .contains("too many refused credentials"),
        "{}",
        blocked.body
    );
    let retry_after = blocked.retry_after();
    assert_eq!(retry_after, 1);
    assert_limited(&blocked, "anonymous", 20);

    // Even a valid key is refused from that address while the penalty lasts...
    get(&app, &stranger(PLAIN_KEY)).await.problem(429);
    // ...but its owner, elsewhere, is not locked out by the stranger's failures.
    let owner = get(
        &app,
        &[
            ("X-Forwarded-For", "198.51.100.2"),
            ("X-API-Key", PLAIN_KEY),
        ],
    )
    .await;
    assert_eq!(owner.status, 200, "{}", owner.body);
    // Requests without a credential are not failures: never throttled as such.
    for _ in 0..5 {
        get(&app, &[("X-Forwarded-For", "192.0.2.33")])
            .await
            .problem(401);
    }

    // After the penalty, a valid key from the same address is served again, and a wrong one is a
    // plain 401 again.
    actix_web::rt::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(100)).await;
    let served = get(&app, &stranger(PLAIN_KEY)).await;
    assert_eq!(served.status, 200, "{}", served.body);
    get(&app, &stranger(wrong)).await.problem(401);
}
on_both_backends!(async repeated_refused_credentials_are_throttled_per_address);

#[test]
fn the_spec_declares_the_rate_limit_fields_on_every_response_of_every_data_operation() {
    for text in [
        priceline_api::openapi::spec_json(),
        priceline_api::openapi::spec_json_3_0(),
    ] {
        let spec: Value = serde_json::from_str(&text).unwrap();
        let declared = &spec["components"]["headers"];
        for name in [
            "RateLimit",
            "RateLimit-Policy",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
        ] {
            assert!(declared[name]["schema"].is_object(), "{name}");
            assert!(
                declared[name]["description"]
                    .as_str()
                    .is_some_and(|text| !text.is_empty()),
                "{name}"
            );
        }
        let mut responses = 0;
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    let headers = &response["headers"];
                    let has = headers["RateLimit"]["$ref"] == "#/components/headers/RateLimit";
                    if path.starts_with("/v1") {
                        responses += 1;
                        assert!(has, "{method} {path} {status} lacks RateLimit");
                        for name in ["RateLimit-Policy", "X-RateLimit-Limit"] {
                            assert!(
                                headers[name].is_object(),
                                "{method} {path} {status} lacks {name}"
                            );
                        }
                    } else {
                        assert!(!has, "{method} {path} is not limited");
                    }
                }
            }
        }
        assert!(responses > 50, "{responses}");
    }
}
