//! Settings from the environment, with the contract's names and defaults.

use std::net::SocketAddr;

use common::config::{ConfigError, DatabaseUrl, Env, NatsSettings, Secret};

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen (`PORT`, default 3000).
    pub addr: SocketAddr,
    /// The store (`DATABASE_URL`, default `sqlite:data/tickets.db`).
    pub database: DatabaseUrl,
    /// NATS and consumer settings.
    pub nats: NatsSettings,
    /// Verifies session tokens (`JWT_KEY`, required).
    pub jwt_key: Secret,
}

impl Settings {
    /// Reads and checks every setting; the error is what the process prints.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let jwt_key = env.secret("JWT_KEY")?;
        Ok(Self { addr: env.listen_addr()?, database: env.database("tickets")?, nats: env.nats()?, jwt_key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jwt_key_is_required() {
        for env in [Env::default(), Env::from_pairs([("JWT_KEY", "")])] {
            assert_eq!(Settings::from_env(&env).unwrap_err().to_string(), "JWT_KEY must be defined");
        }
    }

    #[test]
    fn defaults_follow_the_contract() {
        let settings = Settings::from_env(&Env::from_pairs([("JWT_KEY", "k")])).unwrap();
        assert_eq!(settings.addr.to_string(), "0.0.0.0:3000");
        assert_eq!(settings.database, DatabaseUrl::Sqlite("data/tickets.db".into()));
        assert_eq!(settings.nats.url, "nats://127.0.0.1:4222");
        assert!(!format!("{settings:?}").contains("\"k\""), "the key never shows");
    }
}
