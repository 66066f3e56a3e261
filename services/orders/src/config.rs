//! Settings from the environment, with the contract's names and defaults.

use std::time::Duration;

use common::config::{BaseSettings, ConfigError, Env};

/// How long a reservation lasts unless `EXPIRATION_WINDOW_SECONDS` says otherwise.
pub const DEFAULT_EXPIRATION_WINDOW_SECONDS: u64 = 60;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORT`, `DATABASE_URL` (default `sqlite:data/orders.db`), NATS and `JWT_KEY`.
    pub base: BaseSettings,
    /// How long a new order holds its ticket (`EXPIRATION_WINDOW_SECONDS`).
    pub expiration_window: Duration,
}

impl Settings {
    /// Reads and checks every setting; the error is what the process prints.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let base = BaseSettings::from_env(env, "orders")?;
        let window = env.positive_int("EXPIRATION_WINDOW_SECONDS", DEFAULT_EXPIRATION_WINDOW_SECONDS)?;
        // As with PORT, an integer too large to use is refused with the same
        // message; u32 seconds (136 years) keeps `now + window` representable.
        let window = u32::try_from(window)
            .map_err(|_| ConfigError("EXPIRATION_WINDOW_SECONDS must be a positive integer".into()))?;
        Ok(Self { base, expiration_window: Duration::from_secs(u64::from(window)) })
    }
}

#[cfg(test)]
mod tests {
    use common::config::DatabaseUrl;

    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        let settings = Settings::from_env(&Env::from_pairs([("JWT_KEY", "k")])).unwrap();
        assert_eq!(settings.base.database, DatabaseUrl::Sqlite("data/orders.db".into()));
        assert_eq!(settings.expiration_window, Duration::from_secs(60));
    }

    #[test]
    fn the_expiration_window_must_be_a_positive_integer() {
        let set =
            |value| Settings::from_env(&Env::from_pairs([("JWT_KEY", "k"), ("EXPIRATION_WINDOW_SECONDS", value)]));
        assert_eq!(set("15").unwrap().expiration_window, Duration::from_secs(15));
        for bad in ["0", "-5", "1.5", "soon", "99999999999999"] {
            assert_eq!(
                set(bad).unwrap_err().to_string(),
                "EXPIRATION_WINDOW_SECONDS must be a positive integer",
                "EXPIRATION_WINDOW_SECONDS={bad}"
            );
        }
    }
}
