//! Settings from the environment: tickets reads only the shared ones.

use common::config::{BaseSettings, ConfigError, Env};

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORT`, `DATABASE_URL` (default `sqlite:data/tickets.db`), NATS and `JWT_KEY`.
    pub base: BaseSettings,
}

impl Settings {
    /// Reads and checks every setting; the error is what the process prints.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { base: BaseSettings::from_env(env, "tickets")? })
    }
}

#[cfg(test)]
mod tests {
    use common::config::DatabaseUrl;

    use super::*;

    #[test]
    fn the_store_is_named_after_the_service() {
        let settings = Settings::from_env(&Env::from_pairs([("JWT_KEY", "k")])).unwrap();
        assert_eq!(settings.base.database, DatabaseUrl::Sqlite("data/tickets.db".into()));
    }
}
