//! A burst of 100 concurrent sign-ins against one auth process with its
//! default settings (the hash slots are the machine's cores): the peak
//! resident memory it reaches, what it answered and how fast. The stack's
//! auth runs with the limits lifted for the load tests, so this one is
//! started on its own, as a pod would run it.

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use serde_json::json;
use test_support::{ApiClient, TestRedis, free_port};

use crate::flows::{Spread, spread};

/// Concurrent sign-ins in the burst.
pub(crate) const SIGNINS: usize = 100;

/// What the burst showed.
pub(crate) struct Burst {
    /// `VmHWM` of the auth process after the burst, in KiB.
    pub(crate) peak_rss_kib: u64,
    /// How many answers had each status.
    pub(crate) codes: BTreeMap<u16, usize>,
    /// Time to each answer, from the moment all were sent.
    pub(crate) latency: Spread,
}

/// Runs the burst against a fresh auth from `bin_dir`: a quarter right
/// passwords, a quarter wrong ones, half unknown emails (hashed too).
pub(crate) async fn signin_burst(bin_dir: &Path) -> anyhow::Result<Burst> {
    let dir = tempfile::tempdir()?;
    let redis = TestRedis::start();
    let port = free_port();
    let mut child = Command::new(bin_dir.join("auth"))
        .env_clear()
        .env("PORT", port.to_string())
        .env("JWT_KEY", "bench-burst-key")
        .env("COOKIE_SECURE", "false")
        .env("DATABASE_URL", format!("sqlite:{}", dir.path().join("auth.db").display()))
        .env("REDIS_URL", redis.url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start auth for the burst")?;
    let measured = burst(&ApiClient::new(format!("http://127.0.0.1:{port}")), child.id()).await;
    let _ = child.kill();
    let _ = child.wait();
    measured
}

async fn burst(api: &ApiClient, pid: u32) -> anyhow::Result<Burst> {
    let started = Instant::now();
    while api.get("/readyz", None).await.code() != 200 {
        if started.elapsed() > Duration::from_secs(20) {
            bail!("the burst's auth did not become ready");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let users: Vec<String> = (0..5).map(|n| format!("burst{n}@bench.dev")).collect();
    for email in &users {
        let reply = api.post("/api/users/signup", None, &json!({"email": email, "password": "password"})).await;
        if reply.code() != 201 {
            bail!("signup for the burst failed: {:?}", reply.body);
        }
    }
    let sent = Instant::now();
    let attempts = (0..SIGNINS).map(|n| {
        let (email, password) = match n % 4 {
            0 => (users[n % 5].clone(), "password"),
            1 => (users[n % 5].clone(), "wrong-password"),
            _ => (format!("nobody{n}@bench.dev"), "password"),
        };
        async move {
            let reply = api.post("/api/users/signin", None, &json!({"email": email, "password": password})).await;
            (reply.code(), sent.elapsed().as_secs_f64() * 1000.0)
        }
    });
    let answers = futures::future::join_all(attempts).await;
    let mut codes = BTreeMap::new();
    for (code, _) in &answers {
        *codes.entry(*code).or_default() += 1;
    }
    let latency = spread(answers.into_iter().map(|(_, ms)| ms).collect());
    Ok(Burst { peak_rss_kib: peak_rss_kib(pid)?, codes, latency })
}

/// `VmHWM` (the peak resident set) of `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .context("no VmHWM in /proc/<pid>/status")
}
