//! A private `nats-server -js` per test.

use std::{path::PathBuf, process::Child};

use common::config::NatsSettings;
use tempfile::TempDir;

use crate::process::{free_port, spawn, stop, wait_for_port};

/// A JetStream-enabled NATS server on a free loopback port, with its store in
/// a temporary folder; stopped and deleted on drop.
pub struct TestNats {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
}

impl TestNats {
    /// Starts the server and waits until it accepts connections.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temp dir for nats");
        let port = free_port();
        let mut this = Self { child: None, port, dir };
        this.launch();
        this
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Settings for a service under test: short ack wait, few deliveries, so
    /// redelivery and dead-lettering happen within a test's patience.
    pub fn settings(&self) -> NatsSettings {
        NatsSettings { ack_wait: std::time::Duration::from_secs(2), max_deliver: 5, ..NatsSettings::new(self.url()) }
    }

    /// Stops the server, keeping its JetStream data.
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
        let store = self.dir.path().join("jetstream");
        let log = self.log_path();
        let port = self.port.to_string();
        let mut child = spawn(
            "nats-server",
            &["-js", "-a", "127.0.0.1", "-p", &port, "-sd", store.to_str().expect("utf-8 temp path")],
            "nats-server",
            &log,
        );
        wait_for_port(self.port, &mut child, &log);
        self.child = Some(child);
    }

    /// What the server has logged so far, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_else(|error| format!("(no log: {error})"))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("nats.log")
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
