//! Settings from the environment, with the contract's names and defaults.

use std::time::Duration;

use common::config::{BaseSettings, ConfigError, Env};

use crate::sweeper::Sweep;

/// How long a reservation lasts unless `EXPIRATION_WINDOW_SECONDS` says otherwise.
pub const DEFAULT_EXPIRATION_WINDOW_SECONDS: u64 = 60;
/// How often the sweeper looks for overdue open orders (`EXPIRY_SWEEP_SECONDS`).
pub const DEFAULT_EXPIRY_SWEEP_SECONDS: u64 = 5;
/// How long past `expiresAt` an open order is left to the expiration service
/// before the sweeper cancels it (`EXPIRY_GRACE_SECONDS`).
pub const DEFAULT_EXPIRY_GRACE_SECONDS: u64 = 30;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORT`, `DATABASE_URL` (default `sqlite:data/orders.db`), NATS and `JWT_KEY`.
    pub base: BaseSettings,
    /// How long a new order holds its ticket (`EXPIRATION_WINDOW_SECONDS`).
    pub expiration_window: Duration,
    /// The sweeper's interval and grace (`EXPIRY_SWEEP_SECONDS`, `EXPIRY_GRACE_SECONDS`).
    pub sweep: Sweep,
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
        let sweep = Sweep {
            every: Duration::from_secs(seconds(env, "EXPIRY_SWEEP_SECONDS", DEFAULT_EXPIRY_SWEEP_SECONDS)?),
            grace: Duration::from_secs(seconds(env, "EXPIRY_GRACE_SECONDS", DEFAULT_EXPIRY_GRACE_SECONDS)?),
        };
        Ok(Self { base, expiration_window: Duration::from_secs(u64::from(window)), sweep })
    }
}

/// A positive number of seconds, at most a day (a longer sweep or grace
/// would leave a lost expiry unnoticed for longer than anyone waits).
fn seconds(env: &Env, name: &str, default: u64) -> Result<u64, ConfigError> {
    match env.positive_int(name, default)? {
        value if value <= 86_400 => Ok(value),
        _ => Err(ConfigError(format!("{name} must be a positive integer of at most 86400"))),
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
        assert_eq!(settings.sweep, Sweep { every: Duration::from_secs(5), grace: Duration::from_secs(30) });
    }

    #[test]
    fn the_sweep_settings_are_positive_seconds_up_to_a_day() {
        let set = |name, value| Settings::from_env(&Env::from_pairs([("JWT_KEY", "k"), (name, value)]));
        assert_eq!(set("EXPIRY_SWEEP_SECONDS", "1").unwrap().sweep.every, Duration::from_secs(1));
        assert_eq!(set("EXPIRY_GRACE_SECONDS", "2").unwrap().sweep.grace, Duration::from_secs(2));
        for name in ["EXPIRY_SWEEP_SECONDS", "EXPIRY_GRACE_SECONDS"] {
            for bad in ["0", "-1", "soon"] {
                assert_eq!(set(name, bad).unwrap_err().to_string(), format!("{name} must be a positive integer"));
            }
            assert_eq!(
                set(name, "86401").unwrap_err().to_string(),
                format!("{name} must be a positive integer of at most 86400")
            );
        }
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
