//! Settings from the environment, with the contract's names and defaults.

use std::net::SocketAddr;

use common::config::{ConfigError, Env, NatsSettings};

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen (`PORT`, default 3000); ops routes only.
    pub addr: SocketAddr,
    /// NATS and consumer settings.
    pub nats: NatsSettings,
    /// `REDIS_URL`, default `redis://127.0.0.1:6379`.
    pub redis_url: String,
    /// The apalis worker's name: `expiration-<hostname>-<pid>`, unique per
    /// process (tests running several instances in one process pick their own).
    pub worker_name: String,
}

impl Settings {
    /// Reads and checks every setting; the error is what the process prints.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            addr: env.listen_addr()?,
            nats: env.nats()?,
            redis_url: env.string_or("REDIS_URL", "redis://127.0.0.1:6379"),
            worker_name: crate::worker::worker_name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let settings = Settings::from_env(&Env::default()).unwrap();
        assert_eq!(settings.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(settings.nats.url, "nats://127.0.0.1:4222");
        assert_eq!(settings.addr.to_string(), "0.0.0.0:3000");
        assert!(settings.worker_name.starts_with("expiration-"));
        assert!(settings.worker_name.ends_with(&format!("-{}", std::process::id())));
        let bad = Env::from_pairs([("NATS_MAX_DELIVER", "0")]);
        assert_eq!(Settings::from_env(&bad).unwrap_err().to_string(), "NATS_MAX_DELIVER must be a positive integer");
    }
}
