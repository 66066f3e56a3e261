//! Settings from the environment, with the contract's names and defaults.

use std::time::Duration;

use common::config::{BaseSettings, ConfigError, Env, Secret};

/// Stripe's own API, used unless `STRIPE_API_BASE` says otherwise.
pub const DEFAULT_STRIPE_API_BASE: &str = "https://api.stripe.com/";

/// How long one Stripe call may take (contract 7, decided there).
pub const STRIPE_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORT`, `DATABASE_URL` (default `sqlite:data/payments.db`), NATS and `JWT_KEY`.
    pub base: BaseSettings,
    /// How to reach Stripe.
    pub stripe: StripeSettings,
}

/// The Stripe account and endpoint.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// The secret key (`STRIPE_KEY`, required).
    pub key: Secret,
    /// The API base (`STRIPE_API_BASE`), always ending in `/`: async-stripe
    /// appends `v1/…` to it as it is.
    pub api_base: String,
    /// Per-call timeout; [`STRIPE_TIMEOUT`] outside tests.
    pub timeout: Duration,
}

impl StripeSettings {
    /// Settings for `key` at `api_base` (a missing trailing `/` is added).
    pub fn new(key: Secret, api_base: &str) -> Self {
        let api_base = if api_base.ends_with('/') { api_base.to_owned() } else { format!("{api_base}/") };
        Self { key, api_base, timeout: STRIPE_TIMEOUT }
    }
}

impl Settings {
    /// Reads and checks every setting; the error is what the process prints.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let base = BaseSettings::from_env(env, "payments")?;
        let stripe_key = env.secret("STRIPE_KEY")?;
        let stripe = StripeSettings::new(stripe_key, &env.string_or("STRIPE_API_BASE", DEFAULT_STRIPE_API_BASE));
        Ok(Self { base, stripe })
    }
}

#[cfg(test)]
mod tests {
    use common::config::DatabaseUrl;

    use super::*;

    #[test]
    fn the_jwt_key_and_the_stripe_key_are_required() {
        let missing_jwt = Env::from_pairs([("STRIPE_KEY", "sk_test_x")]);
        assert_eq!(Settings::from_env(&missing_jwt).unwrap_err().to_string(), "JWT_KEY must be defined");
        let missing_stripe = Env::from_pairs([("JWT_KEY", "k"), ("STRIPE_KEY", "")]);
        assert_eq!(Settings::from_env(&missing_stripe).unwrap_err().to_string(), "STRIPE_KEY must be defined");
    }

    #[test]
    fn stripe_defaults_to_its_own_api_with_a_ten_second_timeout() {
        let settings = Settings::from_env(&Env::from_pairs([("JWT_KEY", "k"), ("STRIPE_KEY", "sk_test_x")])).unwrap();
        assert_eq!(settings.stripe.api_base, "https://api.stripe.com/");
        assert_eq!(settings.stripe.timeout, Duration::from_secs(10));
        assert_eq!(settings.stripe.key.expose(), "sk_test_x");
        assert_eq!(settings.base.database, DatabaseUrl::Sqlite("data/payments.db".into()));
    }

    #[test]
    fn the_stripe_api_base_always_ends_with_a_slash() {
        for (given, used) in
            [("http://127.0.0.1:3007", "http://127.0.0.1:3007/"), ("http://h/stripe/", "http://h/stripe/")]
        {
            let env = Env::from_pairs([("JWT_KEY", "k"), ("STRIPE_KEY", "sk_test_x"), ("STRIPE_API_BASE", given)]);
            assert_eq!(Settings::from_env(&env).unwrap().stripe.api_base, used, "{given}");
        }
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        let settings =
            Settings::from_env(&Env::from_pairs([("JWT_KEY", "jwt-secret"), ("STRIPE_KEY", "sk_test_secret")]))
                .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("jwt-secret") && !printed.contains("sk_test_secret"), "{printed}");
    }
}
