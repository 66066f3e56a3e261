//! Settings from the environment, with the contract's names and defaults.

use std::net::SocketAddr;

use std::time::Duration;

use common::config::{ConfigError, DatabaseUrl, Env, Secret};

use crate::limits::LimitSettings;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen (`PORT`, default 3000).
    pub addr: SocketAddr,
    /// The store (`DATABASE_URL`, default `sqlite:data/auth.db`).
    pub database: DatabaseUrl,
    /// Signs session tokens (`JWT_KEY`, required).
    pub jwt_key: Secret,
    /// Token and cookie lifetime (`JWT_TTL_SECONDS`, default one day).
    pub jwt_ttl_seconds: u64,
    /// Whether cookies carry `Secure` (`COOKIE_SECURE`, default true).
    pub cookie_secure: bool,
    /// Password hashes running at once (`PASSWORD_HASH_CONCURRENCY`, default
    /// the number of cores); as many again times [`QUEUE_PER_SLOT`] may wait.
    pub password_hash_concurrency: usize,
    /// The shared rate-limit counters (`REDIS_URL`, default
    /// `redis://127.0.0.1:6379`), the per-address limit
    /// (`AUTH_RATE_PER_MINUTE`, default 120, 0 = off) and the email
    /// lock-out window (15 minutes; tests shorten it).
    pub limits: LimitSettings,
    /// Proxies in front that append to `X-Forwarded-For` (`TRUSTED_PROXY_HOPS`, default 0).
    pub trusted_proxy_hops: usize,
}

/// Requests that may wait for each hash slot before 503 `Server busy`.
pub const QUEUE_PER_SLOT: usize = 4;

impl Settings {
    /// Reads and checks every setting; the error is what the process prints.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let jwt_key = env.secret("JWT_KEY")?;
        Ok(Self {
            addr: env.listen_addr()?,
            database: env.database("auth")?,
            jwt_key,
            jwt_ttl_seconds: env.positive_int("JWT_TTL_SECONDS", 86_400)?,
            cookie_secure: env.boolean("COOKIE_SECURE", true)?,
            password_hash_concurrency: usize::try_from(env.positive_int("PASSWORD_HASH_CONCURRENCY", cores())?)
                .unwrap_or(usize::MAX),
            limits: LimitSettings {
                redis_url: env.string_or("REDIS_URL", "redis://127.0.0.1:6379"),
                per_minute: count(env, "AUTH_RATE_PER_MINUTE", 120)?,
                lockout_window: Duration::from_secs(15 * 60),
            },
            trusted_proxy_hops: usize::try_from(count(env, "TRUSTED_PROXY_HOPS", 0)?).unwrap_or(usize::MAX),
        })
    }
}

/// A whole number, zero allowed: `<NAME> must be a whole number`.
fn count(env: &Env, name: &str, default: u64) -> Result<u64, ConfigError> {
    env.get(name).map_or(Ok(default), |raw| {
        raw.trim().parse().map_err(|_| ConfigError(format!("{name} must be a whole number")))
    })
}

/// The cores this process may use (cgroup CPU limits included).
fn cores() -> u64 {
    std::thread::available_parallelism().map_or(1, |cores| cores.get() as u64)
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
        assert_eq!(settings.database, DatabaseUrl::Sqlite("data/auth.db".into()));
        assert_eq!(settings.jwt_ttl_seconds, 86_400);
        assert!(settings.cookie_secure);
        assert_eq!(settings.password_hash_concurrency as u64, cores());
        assert_eq!(settings.limits.redis_url, "redis://127.0.0.1:6379");
        assert_eq!((settings.limits.per_minute, settings.trusted_proxy_hops), (120, 0));
        assert_eq!(settings.limits.lockout_window, Duration::from_secs(900));
        assert!(!format!("{settings:?}").contains("\"k\""), "the key never shows");
    }

    #[test]
    fn cookie_settings_are_checked() {
        let env = Env::from_pairs([("JWT_KEY", "k"), ("COOKIE_SECURE", "0"), ("JWT_TTL_SECONDS", "60")]);
        let settings = Settings::from_env(&env).unwrap();
        assert!(!settings.cookie_secure);
        assert_eq!(settings.jwt_ttl_seconds, 60);
        let env = Env::from_pairs([("JWT_KEY", "k"), ("PASSWORD_HASH_CONCURRENCY", "3")]);
        assert_eq!(Settings::from_env(&env).unwrap().password_hash_concurrency, 3);
        let env = Env::from_pairs([("JWT_KEY", "k"), ("PASSWORD_HASH_CONCURRENCY", "0")]);
        assert_eq!(
            Settings::from_env(&env).unwrap_err().to_string(),
            "PASSWORD_HASH_CONCURRENCY must be a positive integer"
        );
        let env = Env::from_pairs([("JWT_KEY", "k"), ("AUTH_RATE_PER_MINUTE", "0"), ("TRUSTED_PROXY_HOPS", "2")]);
        let settings = Settings::from_env(&env).unwrap();
        assert_eq!((settings.limits.per_minute, settings.trusted_proxy_hops), (0, 2));
        let env = Env::from_pairs([("JWT_KEY", "k"), ("TRUSTED_PROXY_HOPS", "-1")]);
        assert_eq!(Settings::from_env(&env).unwrap_err().to_string(), "TRUSTED_PROXY_HOPS must be a whole number");
        let env = Env::from_pairs([("JWT_KEY", "k"), ("COOKIE_SECURE", "maybe")]);
        assert_eq!(Settings::from_env(&env).unwrap_err().to_string(), "COOKIE_SECURE must be true or false");
    }
}
