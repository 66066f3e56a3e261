//! `spawn_app()` and one helper per thing a test does.

use std::time::Duration;

use auth::{
    config::Settings,
    limits::LimitSettings,
    startup::{Application, COLLECTIONS},
    user::User,
};
use base64::Engine as _;
use common::{config::Secret, session::UserPayload, store::Store};
use serde_json::{Value, json};
use test_support::{
    ApiClient, Reply, RunningService, TEST_JWT_KEY, TestRedis, TestStore, eventually, init_test_tracing,
};

pub(crate) use test_support::PATIENCE;

/// The token lifetime the test app is configured with.
pub(crate) const TTL: u64 = 3600;

/// A running auth service and its store.
pub(crate) struct TestApp {
    pub(crate) api: ApiClient,
    /// The app's store, opened again by the test to read what it wrote.
    pub(crate) store: Store,
    pub(crate) fixture: TestStore,
    _running: RunningService,
    /// The app's own Redis, when the test did not give one.
    _redis: Option<TestRedis>,
}

/// The rate limits a test app runs with.
pub(crate) struct Limits {
    pub(crate) redis_url: String,
    pub(crate) per_minute: u64,
    pub(crate) trusted_hops: usize,
    pub(crate) lockout_window: Duration,
}

/// The app on port 0 with a fresh store and `Secure` cookies.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

/// The app on port 0 with a fresh store; `secure` is `COOKIE_SECURE`.
pub(crate) async fn spawn_app_with(secure: bool) -> TestApp {
    let redis = TestRedis::start();
    let limits =
        Limits { redis_url: redis.url(), per_minute: 120, trusted_hops: 0, lockout_window: Duration::from_secs(900) };
    let mut app = spawn_app_limited(secure, limits).await;
    app._redis = Some(redis);
    app
}

/// The app on port 0 with a fresh store and the given rate limits.
pub(crate) async fn spawn_app_limited(secure: bool, limits: Limits) -> TestApp {
    init_test_tracing();
    let fixture = TestStore::for_service("auth");
    let settings = Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        database: fixture.url.clone(),
        jwt_key: Secret::new(TEST_JWT_KEY),
        jwt_ttl_seconds: TTL,
        cookie_secure: secure,
        // Room for the 24-signup race (8 running, 32 waiting).
        password_hash_concurrency: 8,
        limits: LimitSettings {
            redis_url: limits.redis_url,
            per_minute: limits.per_minute,
            lockout_window: limits.lockout_window,
        },
        trusted_proxy_hops: limits.trusted_hops,
    };
    let app = Application::build(settings).await.expect("auth builds");
    let running = RunningService::spawn(app.port(), |shutdown| app.run_until_stopped(shutdown)).ready().await;
    let store = Store::open(&fixture.url, &COLLECTIONS).await.unwrap();
    eventually(PATIENCE, "the test's store handle is ready", || async { store.prepare().await.ok() }).await;
    TestApp { api: running.api.clone(), store, fixture, _running: running, _redis: None }
}

/// `{email, password}`.
pub(crate) fn credentials(email: &str, password: &str) -> Value {
    json!({"email": email, "password": password})
}

impl TestApp {
    /// `POST /api/users/signup`.
    pub(crate) async fn signup(&self, body: &Value) -> Reply {
        self.api.post("/api/users/signup", None, body).await
    }

    /// `POST /api/users/signin`.
    pub(crate) async fn signin(&self, body: &Value) -> Reply {
        self.api.post("/api/users/signin", None, body).await
    }

    /// `GET /api/users/currentuser` with an optional `Cookie` header.
    pub(crate) async fn current_user(&self, cookie: Option<&str>) -> Reply {
        self.api.get("/api/users/currentuser", cookie).await
    }

    /// Signs up `email`, asserting the 201, and returns the `Cookie` header.
    pub(crate) async fn signed_up(&self, email: &str, password: &str) -> String {
        let reply = self.signup(&credentials(email, password)).await;
        assert_eq!(reply.code(), 201, "signup failed: {:?}", reply.body);
        reply.session_cookie().expect("a session cookie")
    }

    /// Every stored user with `email`.
    pub(crate) async fn users(&self, email: &str) -> Vec<User> {
        self.store.find::<User>(&[("email", Value::from(email))]).await.unwrap()
    }

    /// The value of a counter on `/metrics`.
    pub(crate) async fn counter(&self, name: &str) -> f64 {
        let response = reqwest::get(format!("{}/metrics", self.api.base())).await.unwrap();
        let text = response.text().await.unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{name} not on /metrics:\n{text}"))
    }
}

/// The claims inside a `Cookie: express:sess=...` value, decoded by hand
/// (base64 JSON, then the JWT's middle part) so the test does not trust the
/// code under test to read its own output.
pub(crate) fn claims_of(cookie: &str) -> (Value, UserPayload) {
    let value = cookie.strip_prefix("express:sess=").expect("the session cookie");
    let session: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(value).unwrap())
        .expect("the cookie holds JSON");
    let token = session["jwt"].as_str().expect("a jwt string");
    let mut parts = token.split('.');
    let header = parts.next().unwrap();
    let payload = parts.next().unwrap();
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value = serde_json::from_slice(&url.decode(header).unwrap()).unwrap();
    let claims: UserPayload = serde_json::from_slice(&url.decode(payload).unwrap()).unwrap();
    (header, claims)
}
