//! The real `auth` binary: what only a process shows.

use std::process::{Command, Stdio};

use serde_json::json;
use test_support::{ApiClient, TestRedis, eventually, free_port};

use crate::helpers::{PATIENCE, credentials};

const BINARY: &str = env!("CARGO_BIN_EXE_auth");

#[test]
fn a_missing_jwt_key_stops_start_up_with_the_contracts_message() {
    let output =
        Command::new(BINARY).env_clear().env("PORT", free_port().to_string()).output().expect("the binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.lines().any(|line| line == "JWT_KEY must be defined"), "stderr: {stderr}");
}

#[tokio::test]
async fn no_password_hash_token_or_cookie_reaches_the_logs_and_sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    // Its own rate-limit store: a shared one would count other tests' calls.
    let redis = TestRedis::start();
    let port = free_port();
    let log_path = dir.path().join("auth.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("PORT", port.to_string())
        .env("JWT_KEY", "a-key-that-must-not-be-logged")
        .env("DATABASE_URL", format!("sqlite:{}", dir.path().join("auth.db").display()))
        .env("REDIS_URL", redis.url())
        .env("RUST_LOG", "trace")
        .env("LOG_FORMAT", "json")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let api = ApiClient::new(format!("http://127.0.0.1:{port}"));
    let probe = reqwest::Client::new();
    eventually(PATIENCE, "auth is ready", || async {
        let reply = probe.get(format!("{}/readyz", api.base())).send().await.ok()?;
        reply.status().is_success().then_some(())
    })
    .await;

    let password = "Sup3r-Secret-pw";
    let signup = api.post("/api/users/signup", None, &credentials("logs@test.com", password)).await;
    assert_eq!(signup.code(), 201);
    let cookie = signup.session_cookie().unwrap();
    api.post("/api/users/signin", None, &credentials("logs@test.com", "Wrong-pw-value")).await;
    api.post("/api/users/signin", None, &credentials("logs@test.com", password)).await;
    api.get("/api/users/currentuser", Some(&cookie)).await;
    api.post("/api/users/signup", None, &json!({"email": "x", "password": "Short"})).await;

    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "SIGTERM is a clean stop: {status}");

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("user signed up") && logs.contains("user signed in"), "the flow was logged:\n{logs}");
    let token_value = cookie.trim_start_matches("express:sess=");
    for secret in [password, "Wrong-pw-value", "Short", "$argon2", "a-key-that-must-not-be-logged", token_value, "eyJ"]
    {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs:\n{logs}");
    }
}
