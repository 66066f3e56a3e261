//! A private `redis-server` per test, with AOF so restarts keep data.

use std::process::Child;

use tempfile::TempDir;

use crate::process::{free_port, spawn, stop, wait_for_port};

/// A Redis server on a free loopback port, its AOF in a temporary folder;
/// stopped and deleted on drop.
pub struct TestRedis {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
}

impl TestRedis {
    /// Starts the server and waits until it accepts connections.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir for redis");
        let mut this = Self { child: None, port: free_port(), dir };
        this.launch();
        this
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGTERM, so the AOF is flushed).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop(&mut child);
        }
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn launch(&mut self) {
        let dir = self.dir.path().to_str().expect("utf-8 temp path").to_owned();
        let log = self.dir.path().join("redis.log");
        let port = self.port.to_string();
        let mut child = spawn(
            "redis-server",
            &[
                "--bind",
                "127.0.0.1",
                "--port",
                &port,
                "--dir",
                &dir,
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "no",
            ],
            "redis-server",
            &log,
        );
        wait_for_port(self.port, &mut child, &log);
        self.child = Some(child);
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
