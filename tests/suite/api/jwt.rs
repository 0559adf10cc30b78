//! Bearer tokens from an identity provider, as a client and an attacker meet them: RS256, ES256 and
//! EdDSA tokens verified against a JWKS read from a `file://` URL (the keys are made here, at test
//! time), beside HS256 with the shared secret; every way a token can be wrong (the Tests section of
//! issue 14), keys rotated while the server runs, SMART and `scp` scopes, a JWKS that cannot be
//! loaded stopping the server, and malformed `Authorization` headers never causing a 5xx.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use priceline_api::config;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::app::TestApp;
use crate::support::db::TestDb;

const ISSUER: &str = "https://login.example/tenant/v2.0";
const AUDIENCE: &str = "api://priceline";
const SECRET: &str = "a test secret of at least 32 bytes, for HS256";

/// A private key made for this test run and its public half as a JWK.
struct Signer {
    kid: &'static str,
    algorithm: Algorithm,
    key: EncodingKey,
    jwk: Value,
}

struct TestKeys {
    rsa: Signer,
    ec: Signer,
    ed: Signer,
    /// The key an identity provider rotates to mid-run.
    ec_next: Signer,
    /// The RSA public key as an attacker finds it (PEM and DER), to forge HMAC tokens with.
    rsa_public_pem: String,
    rsa_public_der: Vec<u8>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn ec_signer(kid: &'static str) -> Signer {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::EncodePrivateKey;
    let secret = p256::SecretKey::random(&mut rsa::rand_core::OsRng);
    let point = secret.public_key().to_encoded_point(false);
    Signer {
        kid,
        algorithm: Algorithm::ES256,
        key: EncodingKey::from_ec_der(secret.to_pkcs8_der().unwrap().as_bytes()),
        // No `alg`: the key type (P-256) says ES256.
        jwk: json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
                    "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())}),
    }
}

/// Made once per run: an RSA key takes a moment to generate.
fn keys() -> &'static TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
        use rsa::rand_core::RngCore;
        use rsa::traits::PublicKeyParts;
        let rsa_key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public = rsa_key.to_public_key();
        let rsa = Signer {
            kid: "rsa-1",
            algorithm: Algorithm::RS256,
            key: EncodingKey::from_rsa_der(rsa_key.to_pkcs1_der().unwrap().as_bytes()),
            jwk: json!({"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
                        "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be())}),
        };
        let mut seed = [0u8; 32];
        rsa::rand_core::OsRng.fill_bytes(&mut seed);
        let ed_key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let ed = Signer {
            kid: "ed-1",
            algorithm: Algorithm::EdDSA,
            key: EncodingKey::from_ed_der(ed_key.to_pkcs8_der().unwrap().as_bytes()),
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed-1",
                        "x": b64(ed_key.verifying_key().as_bytes())}),
        };
        TestKeys {
            rsa_public_pem: public.to_pkcs1_pem(LineEnding::LF).unwrap(),
            rsa_public_der: public.to_pkcs1_der().unwrap().as_bytes().to_vec(),
            rsa,
            ec: ec_signer("ec-1"),
            ed,
            ec_next: ec_signer("ec-2"),
        }
    })
}

/// A JWKS file for the server, rewritten to rotate keys.
struct JwksFile {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl JwksFile {
    fn new(signers: &[&Signer]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let file = Self {
            path: dir.path().join("jwks.json"),
            _dir: dir,
        };
        file.write(signers);
        file
    }

    fn write(&self, signers: &[&Signer]) {
        let keys: Vec<&Value> = signers.iter().map(|signer| &signer.jwk).collect();
        // Written aside and renamed, as a sync job would, so the server never reads half a file.
        let partial = self.path.with_extension("partial");
        std::fs::write(&partial, json!({ "keys": keys }).to_string()).unwrap();
        std::fs::rename(&partial, &self.path).unwrap();
    }

    fn url(&self) -> String {
        format!("file://{}", self.path.display())
    }
}

fn now() -> i64 {
    get_current_timestamp() as i64
}

fn claims() -> Value {
    json!({"sub": "service-7", "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 600,
           "scope": "prices:read"})
}

fn sign(signer: &Signer, claims: &Value) -> String {
    let mut header = Header::new(signer.algorithm);
    header.kid = Some(signer.kid.to_owned());
    encode(&header, claims, &signer.key).unwrap()
}

fn hs256(claims: &Value, secret: &[u8], kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// A token with a header of our own making and an arbitrary signature part.
fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

async fn status_of(app: &TestApp, authorization: Option<&str>) -> (u16, Value) {
    let mut request = awc::Client::default().get(app.url("/v1/facilities"));
    if let Some(value) = authorization {
        request = request.insert_header(("Authorization", value));
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().limit(10_000_000).await.unwrap();
    (
        response.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

async fn assert_status(app: &TestApp, token: &str, expected: u16, label: &str) -> Value {
    let (status, body) = status_of(app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, expected, "{label}: {body}");
    if expected == 401 {
        assert_eq!(body["parameter"], "Authorization", "{label}: {body}");
    }
    body
}

async fn spawn(db: TestDb, jwks: &JwksFile, extra: &[(&str, &str)]) -> TestApp {
    let url = jwks.url();
    let mut env = vec![
        (config::JWT_JWKS_URL, url.as_str()),
        (config::JWT_ISSUER, ISSUER),
        (config::JWT_AUDIENCE, AUDIENCE),
    ];
    env.extend_from_slice(extra);
    TestApp::spawn_with_env(db, &env).await
}

async fn each_asymmetric_scheme_is_verified_against_the_jwks(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.rsa, &keys.ec, &keys.ed]);
    let app = spawn(
        db,
        &jwks,
        &[
            (config::JWT_SECRET, SECRET),
            (config::JWT_ALGORITHMS, "RS256,PS256,ES256,EdDSA,HS256"),
        ],
    )
    .await;
    let (status, body) = status_of(&app, None).await;
    assert_eq!(status, 401, "missing: {body}");
    let hs256_token = |claims: &Value| hs256(claims, SECRET.as_bytes(), None);
    for signer in [&keys.rsa, &keys.ec, &keys.ed] {
        let scheme = format!("{:?}", signer.algorithm);
        let good = claims();
        assert_status(&app, &sign(signer, &good), 200, &scheme).await;
        let changed = |field: &str, value: Value| {
            let mut claims = good.clone();
            claims[field] = value;
            claims
        };
        let mut without_exp = good.clone();
        without_exp.as_object_mut().unwrap().remove("exp");
        let cases = [
            (changed("exp", json!(now() - 3600)), "expired"),
            (changed("nbf", json!(now() + 3600)), "nbf"),
            (changed("iat", json!(now() + 5 * 365 * 86_400)), "iat"),
            (changed("iss", json!("https://attacker.example")), "iss"),
            (changed("aud", json!("api://someone-else")), "aud"),
            (without_exp, "exp"),
        ];
        for (claims, named) in cases {
            let body = assert_status(&app, &sign(signer, &claims), 401, &scheme).await;
            let detail = body["detail"].as_str().unwrap();
            assert!(detail.contains(named), "{scheme} {named}: {detail}");
        }
        // Within the leeway (60 s by default) a clock a little off is fine.
        assert_status(
            &app,
            &sign(signer, &changed("exp", json!(now() - 20))),
            200,
            &scheme,
        )
        .await;
        assert_status(
            &app,
            &sign(signer, &changed("nbf", json!(now() + 20))),
            200,
            &scheme,
        )
        .await;
        // Malformed: the signature cut, the payload replaced, garbage.
        let token = sign(signer, &good);
        let (head, _) = token.rsplit_once('.').unwrap();
        assert_status(&app, &format!("{head}."), 401, &scheme).await;
        let forged = format!(
            "{}.{}.{}",
            token.split('.').next().unwrap(),
            b64(changed("sub", json!("admin")).to_string().as_bytes()),
            token.rsplit('.').next().unwrap()
        );
        let body = assert_status(&app, &forged, 401, &scheme).await;
        assert!(
            body["detail"].as_str().unwrap().contains("signature"),
            "{body}"
        );
    }
    // HS256 with the secret keeps working beside the JWKS.
    assert_status(&app, &hs256_token(&claims()), 200, "HS256").await;
    let mut expired = claims();
    expired["exp"] = json!(now() - 3600);
    assert_status(&app, &hs256_token(&expired), 401, "HS256 expired").await;
    assert_status(&app, "not-a-token", 401, "garbage").await;
    assert_status(&app, "a.b.c", 401, "three garbage parts").await;
}
on_both_backends!(async each_asymmetric_scheme_is_verified_against_the_jwks);

async fn algorithm_attacks_are_refused(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.rsa, &keys.ec, &keys.ed]);
    // Only the asymmetric defaults: HS256 is not on the list.
    let app = spawn(db, &jwks, &[]).await;
    let good = claims();
    assert_status(&app, &sign(&keys.rsa, &good), 200, "RS256").await;

    // `alg: none` in every spelling, without a signature and with one copied from a real token.
    let real_signature = sign(&keys.rsa, &good)
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    for spelling in ["none", "None", "NONE", "nOnE", " none"] {
        for signature in ["", real_signature.as_str()] {
            let header = json!({"alg": spelling, "typ": "JWT", "kid": "rsa-1"});
            let body =
                assert_status(&app, &raw_token(&header, &good, signature), 401, spelling).await;
            let detail = body["detail"].as_str().unwrap();
            assert!(
                detail.contains("none") || detail.contains("not accepted"),
                "{detail}"
            );
        }
    }
    // HMAC "signed" with the RSA public key (algorithm confusion), in each form an attacker finds.
    let public_jwk = keys.rsa.jwk.to_string();
    for secret in [
        keys.rsa_public_pem.as_bytes(),
        keys.rsa_public_der.as_slice(),
        public_jwk.as_bytes(),
    ] {
        assert_status(
            &app,
            &hs256(&good, secret, Some("rsa-1")),
            401,
            "HS256 with a public key",
        )
        .await;
    }
    // An algorithm off the allow-list, even with the right key.
    let mut header = Header::new(Algorithm::RS512);
    header.kid = Some("rsa-1".to_owned());
    let body = assert_status(
        &app,
        &encode(&header, &good, &keys.rsa.key).unwrap(),
        401,
        "RS512",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("RS512"), "{body}");
    // A token whose alg is not its key's: ES256 claimed over the Ed25519 key, RS256 over EC.
    for (alg, kid) in [("ES256", "ed-1"), ("RS256", "ec-1"), ("EdDSA", "rsa-1")] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        let body = assert_status(&app, &raw_token(&header, &good, &real_signature), 401, alg).await;
        assert!(
            body["detail"].as_str().unwrap().contains("does not match"),
            "{body}"
        );
    }
    // A JWKS token must name its key; an unknown one is refused.
    let body = assert_status(
        &app,
        &raw_token(&json!({"alg": "RS256"}), &good, &real_signature),
        401,
        "no kid",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("kid"), "{body}");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("who-knows".to_owned());
    let body = assert_status(
        &app,
        &encode(&header, &good, &keys.rsa.key).unwrap(),
        401,
        "unknown kid",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("who-knows"),
        "{body}"
    );
    // A `crit` extension we do not understand.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("ed-1".to_owned());
    header.crit = Some(vec!["exp".to_owned()]);
    assert_status(
        &app,
        &encode(&header, &good, &keys.ed.key).unwrap(),
        401,
        "crit",
    )
    .await;
}
on_both_backends!(async algorithm_attacks_are_refused);

async fn a_rotated_jwks_is_fetched_again_for_an_unknown_kid(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.rsa, &keys.ec]);
    let interval = 3;
    let app = spawn(
        db,
        &jwks,
        &[(config::JWT_JWKS_REFETCH_SECONDS, &interval.to_string())],
    )
    .await;
    let good = claims();
    assert_status(&app, &sign(&keys.ec, &good), 200, "old key").await;
    // Past the interval since start-up: this unknown kid makes the server fetch (and still not
    // find it).
    actix_web::rt::time::sleep(Duration::from_millis(interval * 1000 + 200)).await;
    assert_status(&app, &sign(&keys.ec_next, &good), 401, "before rotation").await;
    // The provider publishes the next key (and withdraws the old one).
    jwks.write(&[&keys.rsa, &keys.ec_next]);
    // Within the interval of the last fetch, unknown kids do not make it fetch again.
    assert_status(
        &app,
        &sign(&keys.ec_next, &good),
        401,
        "within the interval",
    )
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(interval * 1000 + 200)).await;
    assert_status(&app, &sign(&keys.ec_next, &good), 200, "after the refetch").await;
    // The withdrawn key went with the fetch.
    assert_status(&app, &sign(&keys.ec, &good), 401, "withdrawn key").await;
    assert_status(&app, &sign(&keys.rsa, &good), 200, "kept key").await;
}
on_both_backends!(async a_rotated_jwks_is_fetched_again_for_an_unknown_kid);

/// A refetch runs off the HTTP worker: while the JWKS read hangs (a FIFO nobody writes yet), the
/// server's only worker still answers a token whose key it holds.
async fn a_refetch_does_not_hold_up_other_requests(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.rsa, &keys.ec]);
    let app = spawn(db, &jwks, &[(config::JWT_JWKS_REFETCH_SECONDS, "1")]).await;
    actix_web::rt::time::sleep(Duration::from_millis(1200)).await;
    let fifo = jwks.path.with_extension("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::rename(&fifo, &jwks.path).unwrap();

    let url = app.url("/v1/facilities");
    let next = format!("Bearer {}", sign(&keys.ec_next, &claims()));
    let pending = actix_web::rt::spawn(async move {
        let mut response = awc::Client::default()
            .get(url)
            .insert_header(("Authorization", next))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap();
        let _ = response.body().await;
        response.status().as_u16()
    });
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !pending.is_finished(),
        "the refetch did not wait on the JWKS"
    );
    let started = std::time::Instant::now();
    let response = awc::Client::default()
        .get(app.url("/v1/facilities"))
        .insert_header((
            "Authorization",
            format!("Bearer {}", sign(&keys.ec, &claims())),
        ))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .expect("a held key is answered while the JWKS is being fetched");
    assert_eq!(response.status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(!pending.is_finished());

    // The provider answers: the waiting request goes on with the new key.
    let path = jwks.path.clone();
    let set = json!({"keys": [&keys.rsa.jwk, &keys.ec_next.jwk]}).to_string();
    let writer = std::thread::spawn(move || std::fs::write(path, set).unwrap());
    assert_eq!(pending.await.unwrap(), 200);
    writer.join().unwrap();
}
on_both_backends!(async a_refetch_does_not_hold_up_other_requests);

async fn provider_scope_claims_are_understood(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.ed]);
    let app = spawn(db, &jwks, &[]).await;
    let with = |field: &str, value: Value| {
        let mut claims = claims();
        claims.as_object_mut().unwrap().remove("scope");
        claims[field] = value;
        sign(&keys.ed, &claims)
    };
    for (token, expected, label) in [
        (
            with("scope", json!("openid system/*.read")),
            200,
            "SMART 1.0",
        ),
        (with("scope", json!("system/*.rs")), 200, "SMART 2.0"),
        (
            with("scope", json!("patient/*.read")),
            403,
            "patient context",
        ),
        (
            with("scp", json!("prices:read")),
            200,
            "scp text (Entra ID)",
        ),
        (
            with("scp", json!(["openid", "prices:read"])),
            200,
            "scp array (Okta)",
        ),
        (
            with("roles", json!(["prices:read"])),
            200,
            "roles (Entra ID app roles)",
        ),
        (
            with("scope", json!("openid profile")),
            403,
            "no scope of ours",
        ),
        (with("scope", json!(42)), 401, "a scope that is not text"),
    ] {
        assert_status(&app, &token, expected, label).await;
    }
}
on_both_backends!(async provider_scope_claims_are_understood);

async fn the_clock_leeway_is_configurable(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.ec]);
    let app = spawn(db, &jwks, &[(config::JWT_LEEWAY_SECONDS, "0")]).await;
    let with = |field: &str, value: i64| {
        let mut claims = claims();
        claims[field] = json!(value);
        sign(&keys.ec, &claims)
    };
    // What the default 60 s would let through is refused without a leeway.
    assert_status(&app, &with("exp", now() - 20), 401, "expired 20 s ago").await;
    assert_status(&app, &with("nbf", now() + 30), 401, "valid in 30 s").await;
    assert_status(&app, &with("iat", now() + 30), 401, "issued in 30 s").await;
    assert_status(&app, &with("exp", now() + 30), 200, "valid").await;
}
on_both_backends!(async the_clock_leeway_is_configurable);

/// A tiny xorshift generator: reproducible from the seed printed on failure, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, alphabet: &[u8], most: usize) -> Vec<u8> {
        let length = self.below(most + 1);
        (0..length)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

/// Random and broken Authorization, X-API-Key and Cookie headers: a 401 (or a 200), never a 5xx.
async fn malformed_authorization_headers_never_cause_a_5xx(db: TestDb) {
    let keys = keys();
    let jwks = JwksFile::new(&[&keys.rsa, &keys.ec, &keys.ed]);
    let app = spawn(
        db,
        &jwks,
        &[
            (config::JWT_SECRET, SECRET),
            (config::JWT_ALGORITHMS, "HS256,RS256,ES256,EdDSA"),
        ],
    )
    .await;
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut random = Random(seed);
    let printable: Vec<u8> = (0x20..0x7f).collect();
    let base64url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let real = [
        sign(&keys.rsa, &claims()),
        sign(&keys.ec, &claims()),
        sign(&keys.ed, &claims()),
    ];
    let headers = [
        json!({"alg": "RS256", "kid": "rsa-1"}),
        json!({"alg": "none"}),
        json!({"alg": "HS256", "kid": "rsa-1"}),
        json!({"alg": ["RS256"], "kid": 5}),
        json!({"alg": "EdDSA", "kid": "x".repeat(2000)}),
        json!({"alg": "ES256", "kid": "ec-1", "crit": ["b64"], "b64": false}),
        json!("just a string"),
        json!({}),
    ];
    let client = awc::Client::default();
    for round in 0..400 {
        let value: Vec<u8> = match random.below(6) {
            // Printable noise, with or without the scheme.
            0 => random.bytes(&printable, 300),
            1 => [b"Bearer ".as_slice(), &random.bytes(&printable, 300)].concat(),
            // Three base64url parts of noise.
            2 => {
                let mut token = b"Bearer ".to_vec();
                for part in 0..random.below(5) {
                    if part > 0 {
                        token.push(b'.');
                    }
                    token.extend(random.bytes(base64url, 120));
                }
                token
            }
            // A header of ours over a real token's payload and signature.
            3 => {
                let header = &headers[random.below(headers.len())];
                let token = &real[random.below(real.len())];
                let mut parts = token.splitn(2, '.');
                let _ = parts.next();
                format!(
                    "Bearer {}.{}",
                    b64(header.to_string().as_bytes()),
                    parts.next().unwrap()
                )
                .into_bytes()
            }
            // A real token with one character changed, cut, or doubled.
            4 => {
                let mut token = real[random.below(real.len())].clone().into_bytes();
                let at = random.below(token.len());
                match random.below(3) {
                    0 => token[at] = base64url[random.below(base64url.len())],
                    1 => token.truncate(at),
                    _ => token.extend_from_slice(&token.clone()),
                }
                [b"Bearer ".as_slice(), &token].concat()
            }
            // Bytes outside ASCII (obs-text), which are not text at all to the server.
            _ => {
                let high: Vec<u8> = (0x80..=0xff).collect();
                [b"Bearer ".as_slice(), &random.bytes(&high, 50)].concat()
            }
        };
        // The same noise as an API key (after a managed key's prefix, half the time) or a cookie,
        // which the server does not read: never a 5xx either.
        let (name, value) = match random.below(4) {
            0 => ("X-API-Key", value),
            1 => ("X-API-Key", [b"pl_live_".as_slice(), &value].concat()),
            2 => ("Cookie", [b"session=".as_slice(), &value].concat()),
            _ => ("Authorization", value),
        };
        let Ok(header) = actix_web::http::header::HeaderValue::from_bytes(&value) else {
            continue;
        };
        let mut response = client
            .get(app.url("/v1/facilities"))
            .insert_header((name, header))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let _ = response.body().await;
        assert!(
            status == 401 || status == 200,
            "seed {seed}, round {round}: {status} for {name}: {:?}",
            String::from_utf8_lossy(&value)
        );
    }
}
on_both_backends!(async malformed_authorization_headers_never_cause_a_5xx);

/// Start-up fails closed: a JWKS that cannot be read, or a URL that is not https or file, stops
/// the real server with an error naming the setting.
#[test]
fn a_jwks_that_cannot_be_loaded_stops_the_server() {
    let empty = tempfile::tempdir().unwrap();
    let not_a_set = empty.path().join("jwks.json");
    std::fs::write(&not_a_set, r#"{"keys": []}"#).unwrap();
    let missing = format!("file://{}/absent.json", empty.path().display());
    let no_keys = format!("file://{}", not_a_set.display());
    for (url, said) in [
        (missing.as_str(), "absent.json"),
        (no_keys.as_str(), "no signing key"),
        ("http://login.example/keys", "https"),
        // Nothing listens on the discard port: the https client's failure stops the start too.
        ("https://127.0.0.1:9/jwks.json", "cannot fetch"),
        ("", "empty"),
    ] {
        let serve = std::process::Command::new(crate::import::priceline_binary())
            .arg("serve")
            .env(config::JWT_JWKS_URL, url)
            .env(config::DATABASE_URL, empty.path().join("unused.db"))
            .env(config::LISTEN, "127.0.0.1:0")
            .output()
            .unwrap();
        assert!(!serve.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&serve.stderr);
        assert!(stderr.contains(config::JWT_JWKS_URL), "{url}: {stderr}");
        assert!(stderr.contains(said), "{url}: {stderr}");
    }
}
