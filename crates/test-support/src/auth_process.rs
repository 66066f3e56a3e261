//! The auth binary as a process of its own, the way a pod runs it: a free
//! port, a fresh SQLite file, its own Redis for the rate limits (a shared one
//! would count other callers), and `/proc` to read its peak memory. The
//! hostile-load test and the bench's sign-in burst use it.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::{ApiClient, TestRedis, eventually, free_port};

/// A running auth process; killed on drop.
pub struct AuthProcess {
    child: Child,
    /// Calls it directly.
    pub api: ApiClient,
    _dir: tempfile::TempDir,
    _redis: TestRedis,
}

impl AuthProcess {
    /// Starts `binary` with the settings a bare service needs plus
    /// `extra_env`, and returns once `/readyz` answers 200.
    pub async fn start(binary: &Path, extra_env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir for auth");
        let redis = TestRedis::start();
        let port = free_port();
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PORT", port.to_string())
            .env("JWT_KEY", "auth-process-key")
            .env("COOKIE_SECURE", "false")
            .env("DATABASE_URL", format!("sqlite:{}", dir.path().join("auth.db").display()))
            .env("REDIS_URL", redis.url())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        command.envs(extra_env.iter().copied());
        let child = command.spawn().unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let api = ApiClient::new(format!("http://127.0.0.1:{port}"));
        // A plain client: until auth listens, the connection is refused.
        let probe = reqwest::Client::new();
        eventually(Duration::from_secs(20), "auth is ready", || async {
            let reply = probe.get(format!("{}/readyz", api.base())).send().await.ok()?;
            reply.status().is_success().then_some(())
        })
        .await;
        Self { child, api, _dir: dir, _redis: redis }
    }

    /// `VmHWM`, the process's peak resident set so far, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("auth is alive");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }
}

impl Drop for AuthProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
