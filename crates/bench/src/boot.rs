//! Starting a stack for a measurement: every port private, a fresh data
//! folder, and the store chosen by the caller.

use std::path::{Path, PathBuf};

use common::config::Env;
use devstack::{
    options::{Options, components},
    stack::Stack,
};
use test_support::free_port;

/// A running stack and where to reach it.
pub(crate) struct Booted {
    pub(crate) stack: Stack,
    ports: Vec<(&'static str, String)>,
    /// The stack's data folder (SQLite files, the JWT key), deleted on drop.
    pub(crate) data: tempfile::TempDir,
}

impl Booted {
    /// `http://127.0.0.1:<port>` of a port variable (`PORT` is the gateway).
    pub(crate) fn url(&self, variable: &str) -> String {
        let port = self.ports.iter().find(|(name, _)| *name == variable).map(|(_, port)| port.as_str());
        format!("http://127.0.0.1:{}", port.unwrap_or_default())
    }

    /// The JWT key the launcher generated, to mint session cookies.
    pub(crate) fn jwt_key(&self) -> anyhow::Result<String> {
        Ok(std::fs::read_to_string(self.data.path().join("jwt-key"))?.trim().to_owned())
    }
}

/// Starts the stack from the binaries in `bin_dir`; `database` is a
/// `mongodb://` base for the MongoDB adapter, or `None` for SQLite files.
pub(crate) async fn boot(bin_dir: &Path, database: Option<&str>) -> anyhow::Result<Booted> {
    let data = tempfile::tempdir()?;
    // Every port variable the launcher reads, each given a free port.
    let ports: Vec<(&str, String)> =
        components().map(|component| (component.port_variable, free_port().to_string())).collect();
    let (nats, redis) = (format!("nats://127.0.0.1:{}", free_port()), format!("redis://127.0.0.1:{}", free_port()));
    let mut pairs: Vec<(&str, &str)> = ports.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend([
        ("NATS_URL", nats.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("EXPIRATION_WINDOW_SECONDS", "2"),
        ("RUST_LOG", "warn"),
        // The load comes from one address, hundreds of signups at once: the
        // per-address limit and the hash queue would cap what is measured.
        ("AUTH_RATE_PER_MINUTE", "0"),
        ("PASSWORD_HASH_CONCURRENCY", "64"),
        ("LOG_FORMAT", "json"),
    ]);
    if let Some(database) = database {
        pairs.push(("DATABASE_URL", database));
    }
    let options =
        Options::from_env(&Env::from_pairs(pairs), Some(bin_dir.to_owned()), Some(PathBuf::from(data.path())))?;
    let stack = Stack::start(options).await?;
    Ok(Booted { stack, ports, data })
}
