//! Passwords: argon2id hashes made and checked on the blocking pool.
//!
//! A hash costs tens of milliseconds of CPU on purpose, so it never runs on
//! the async worker threads (that would stall every other request). Signin
//! always verifies something: when the email is unknown it verifies against
//! a dummy hash made at start-up, so "no such user" and "wrong password"
//! take the same time and an attacker cannot probe which emails exist.

use std::sync::Arc;

use anyhow::Context as _;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher as _, PasswordVerifier as _},
};
use prometheus_client::metrics::counter::Counter;
use rand::distr::{Alphanumeric, SampleString as _};

/// Hashes and verifies passwords. Cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    /// The hash checked when the email is unknown; never matches anything a
    /// user can type (its password is random and thrown away).
    dummy_hash: Arc<str>,
    /// Every verification, real or dummy, so operators (and tests) can see
    /// that signin did the work either way.
    verifications: Counter,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

impl Passwords {
    /// Makes the dummy hash (one hash's time, at start-up).
    pub async fn new(verifications: Counter) -> anyhow::Result<Self> {
        let throwaway = Alphanumeric.sample_string(&mut rand::rng(), 32);
        let dummy_hash = hash(throwaway).await?;
        Ok(Self { dummy_hash: dummy_hash.into(), verifications })
    }

    /// The argon2id PHC string for `password`, with a random salt.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        hash(password).await
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown
    /// email) it checks the dummy hash and answers `false` in the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<bool> {
        self.verifications.inc();
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = tokio::task::spawn_blocking(move || {
            Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
        })
        .await
        .context("the password check panicked")?;
        Ok(known && matches)
    }
}

async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("argon2 failed: {error}"))
    })
    .await
    .context("the password hash panicked")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let passwords = Passwords::new(Counter::default()).await.unwrap();
        let first = passwords.hash("hunter42".into()).await.unwrap();
        let second = passwords.hash("hunter42".into()).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_ne!(first, second, "a fresh salt each time");
        assert!(passwords.verify("hunter42".into(), Some(first.clone())).await.unwrap());
        assert!(!passwords.verify("hunter43".into(), Some(first)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_is_checked_against_the_dummy_and_refused() {
        let counter = Counter::default();
        let passwords = Passwords::new(counter.clone()).await.unwrap();
        assert!(!passwords.verify("anything".into(), None).await.unwrap());
        assert_eq!(counter.get(), 1, "the dummy hash was verified");
    }

    #[tokio::test]
    async fn a_damaged_stored_hash_is_a_refusal_not_a_crash() {
        let passwords = Passwords::new(Counter::default()).await.unwrap();
        assert!(!passwords.verify("pw".into(), Some("not a phc string".into())).await.unwrap());
    }
}
