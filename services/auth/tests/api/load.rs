//! Hostile load on the real binary: a burst of signins must not take the
//! process past its memory budget (the pod limit is 128 MiB).

use std::process::{Child, Command, Stdio};

use futures::future::join_all;
use test_support::{ApiClient, TestRedis, eventually, free_port};

use crate::helpers::{PATIENCE, credentials};

const BINARY: &str = env!("CARGO_BIN_EXE_auth");
/// The budget the issue sets: well under the pod's 128 MiB.
const PEAK_RSS_LIMIT_KIB: u64 = 96 * 1024;

/// The auth binary on a free port with a fresh database; killed on drop.
struct AuthProcess {
    child: Child,
    api: ApiClient,
    _dir: tempfile::TempDir,
    /// Its own rate-limit store: a shared one would count other tests' calls.
    _redis: TestRedis,
}

impl Drop for AuthProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_auth(extra_env: &[(&str, &str)]) -> AuthProcess {
    let dir = tempfile::tempdir().unwrap();
    let redis = TestRedis::start();
    let port = free_port();
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PORT", port.to_string())
        .env("JWT_KEY", "load-test-key")
        .env("COOKIE_SECURE", "false")
        .env("DATABASE_URL", format!("sqlite:{}", dir.path().join("auth.db").display()))
        .env("REDIS_URL", redis.url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let child = command.spawn().expect("the auth binary starts");
    let api = ApiClient::new(format!("http://127.0.0.1:{port}"));
    let probe = reqwest::Client::new();
    eventually(PATIENCE, "auth is ready", || async {
        let reply = probe.get(format!("{}/readyz", api.base())).send().await.ok()?;
        reply.status().is_success().then_some(())
    })
    .await;
    AuthProcess { child, api, _dir: dir, _redis: redis }
}

/// `VmHWM` (peak resident set) of `pid`, in KiB, from `/proc`.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process is alive");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

#[tokio::test]
async fn a_hundred_concurrent_signins_stay_within_the_memory_budget_and_answer_cleanly() {
    let auth = start_auth(&[("PASSWORD_HASH_CONCURRENCY", "4")]).await;
    let users: Vec<String> = (0..5).map(|n| format!("load{n}@test.com")).collect();
    for email in &users {
        assert_eq!(auth.api.post("/api/users/signup", None, &credentials(email, "password")).await.code(), 201);
    }

    // Half known emails (right and wrong passwords), half unknown ones,
    // which hash too (the dummy hash).
    let attempts = (0..100).map(|n| {
        let (email, password) = match n % 4 {
            0 => (users[n % 5].clone(), "password"),
            1 => (users[n % 5].clone(), "wrong-password"),
            _ => (format!("nobody{n}@test.com"), "password"),
        };
        let api = auth.api.clone();
        async move { api.post("/api/users/signin", None, &credentials(&email, password)).await }
    });
    let replies = join_all(attempts).await;

    let mut codes = std::collections::BTreeMap::<u16, usize>::new();
    for reply in &replies {
        *codes.entry(reply.code()).or_default() += 1;
        assert!([200, 400, 429, 503].contains(&reply.code()), "unexpected answer {reply:?}");
        if reply.code() == 503 {
            assert_eq!(reply.body["errors"][0]["message"], "Server busy, try again");
            assert!(reply.headers.contains_key("retry-after"), "503 says when to retry");
        }
    }
    assert!(codes.get(&200).is_some_and(|n| *n > 0) || codes.get(&400).is_some_and(|n| *n > 0), "{codes:?}");
    let peak = peak_rss_kib(auth.child.id());
    assert!(peak < PEAK_RSS_LIMIT_KIB, "peak RSS {peak} KiB over the budget; answers {codes:?}");

    // Still up, and serving once the burst is over.
    let after = auth.api.post("/api/users/signin", None, &credentials(&users[0], "password")).await;
    assert_eq!(after.code(), 200, "{after:?}");
}
