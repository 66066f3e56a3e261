//! The sign-in rate limits, counted in a real Redis shared by two apps.

use std::time::Duration;

use serde_json::Value;
use test_support::TestRedis;

use crate::helpers::{Limits, TestApp, credentials, spawn_app_limited};

fn limits(redis: &TestRedis, per_minute: u64, trusted_hops: usize, lockout_window: Duration) -> Limits {
    Limits { redis_url: redis.url(), per_minute, trusted_hops, lockout_window }
}

/// `POST path` with an `X-Forwarded-For` header; the status and `Retry-After`.
async fn post_from(app: &TestApp, path: &str, forwarded_for: &str, body: &Value) -> (u16, Option<u64>) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.api.base()))
        .header("x-forwarded-for", forwarded_for)
        .json(body)
        .send()
        .await
        .unwrap();
    let retry_after = response.headers().get("retry-after").and_then(|value| value.to_str().ok()?.parse().ok());
    (response.status().as_u16(), retry_after)
}

#[tokio::test]
async fn the_eleventh_failed_signin_is_refused_even_with_the_right_password_until_the_window_passes() {
    let redis = TestRedis::start();
    let window = Duration::from_secs(3);
    let app = spawn_app_limited(true, limits(&redis, 0, 0, window)).await;
    app.signed_up("locked@test.com", "right-pw").await;

    for attempt in 1..=10 {
        let reply = app.signin(&credentials("locked@test.com", "wrong-pw")).await;
        assert_eq!(reply.code(), 400, "attempt {attempt}: {:?}", reply.body);
    }
    let reply = app.signin(&credentials("LOCKED@test.com", "right-pw")).await;
    assert_eq!(reply.code(), 429, "{:?}", reply.body);
    assert_eq!(reply.body["errors"][0]["message"], "Too many attempts, try again later");
    let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3).contains(&retry_after), "{retry_after}");
    assert!(reply.set_cookies().is_empty());
    assert_eq!(app.signin(&credentials("other@test.com", "x")).await.code(), 400, "other emails are not locked");

    tokio::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(300)).await;
    assert_eq!(app.signin(&credentials("locked@test.com", "right-pw")).await.code(), 200, "a new window lets it in");
}

#[tokio::test]
async fn the_per_address_limit_holds_across_two_apps_sharing_one_redis() {
    let redis = TestRedis::start();
    let (first, second) = (
        spawn_app_limited(true, limits(&redis, 5, 1, Duration::from_secs(900))).await,
        spawn_app_limited(true, limits(&redis, 5, 1, Duration::from_secs(900))).await,
    );
    // The counters are per clock minute: start clear of a boundary.
    let second_of_minute = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 60;
    if second_of_minute > 50 {
        tokio::time::sleep(Duration::from_secs(61 - second_of_minute)).await;
    }
    let body = credentials("nobody@test.com", "pw");
    for n in 0..5 {
        let app = if n % 2 == 0 { &first } else { &second };
        let path = if n == 0 { "/api/users/signup" } else { "/api/users/signin" };
        // The client's own left-most entry is ignored: one trusted hop.
        let (status, _) = post_from(app, path, &format!("6.6.6.{n}, 203.0.113.7"), &body).await;
        assert_ne!(status, 429, "request {n} is within the limit");
    }
    let (status, retry_after) = post_from(&second, "/api/users/signin", "203.0.113.7", &body).await;
    assert_eq!(status, 429);
    assert!(retry_after.is_some_and(|seconds| (1..=60).contains(&seconds)), "{retry_after:?}");
    let (status, _) = post_from(&first, "/api/users/signin", "198.51.100.1", &body).await;
    assert_eq!(status, 400, "another address has its own count");
}

#[tokio::test]
async fn with_redis_down_signin_fails_open_logged_and_counted() {
    let mut redis = TestRedis::start();
    let app = spawn_app_limited(true, limits(&redis, 1, 0, Duration::from_secs(900))).await;
    app.signed_up("open@test.com", "right-pw").await;
    redis.stop();

    for _ in 0..12 {
        assert_eq!(app.signin(&credentials("open@test.com", "wrong-pw")).await.code(), 400);
    }
    assert_eq!(app.signin(&credentials("open@test.com", "right-pw")).await.code(), 200, "no limit applies");
    assert!(app.counter("auth_rate_limit_unavailable_total").await >= 13.0);
}
