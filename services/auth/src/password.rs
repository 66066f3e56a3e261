//! Passwords: argon2id hashes made and checked on the blocking pool, at most
//! a bounded number at once ([`HashSlots`]).
//!
//! A hash costs tens of milliseconds of CPU on purpose, so it never runs on
//! the async worker threads (that would stall every other request). Signin
//! always verifies something: when the email is unknown it verifies against
//! a dummy hash made at start-up, so "no such user" and "wrong password"
//! take the same time and an attacker cannot probe which emails exist.

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::phc::{Output, ParamsString, Salt},
};
use common::ApiError;
use prometheus_client::metrics::counter::Counter;
use rand::distr::{Alphanumeric, SampleString as _};

use crate::hash_slots::{HashMemory, HashSlots};

/// argon2id memory per hash, in KiB: 9 MiB with 4 passes is one of OWASP's
/// equivalent minimums (19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5).
///
/// The arithmetic against the pod's 128 MiB limit: the process idles at
/// about 15 MiB; each running hash adds its 9 MiB block plus a few KiB, and
/// waiting requests hold only their small bodies. With the Kubernetes
/// manifest's `PASSWORD_HASH_CONCURRENCY=2` that is ~33 MiB; even 8
/// concurrent hashes (an 8-core default) stay at ~87 MiB, under the limit
/// with room. The default 19 MiB would give 167 MiB at 8. Hashes stored
/// with other parameters still verify (the PHC string carries them).
const MEMORY_KIB: u32 = 9 * 1024;
/// Passes over the memory, traded against the smaller block (see above).
const PASSES: u32 = 4;
/// The largest memory a stored hash may ask for, in KiB (64 MiB): a slot
/// grows to verify a hash made with bigger parameters (argon2's old default
/// is 19 MiB) and shrinks back after, so a damaged or hostile PHC string in
/// the database cannot make one verification take the pod's memory.
const MAX_STORED_MEMORY_KIB: u32 = 64 * 1024;
/// Random salt bytes per hash (argon2's recommended 16).
const SALT_LEN: usize = 16;

/// Hashes and verifies passwords. Cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    /// The hash checked when the email is unknown; never matches anything a
    /// user can type (its password is random and thrown away).
    dummy_hash: Arc<str>,
    /// Every verification, real or dummy, so operators (and tests) can see
    /// that signin did the work either way.
    verifications: Counter,
    /// Bounds how many hashes run (and wait) at once.
    slots: HashSlots,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

impl Passwords {
    /// Makes the dummy hash (one hash's time, at start-up).
    pub async fn new(verifications: Counter, slots: HashSlots) -> anyhow::Result<Self> {
        let throwaway = Alphanumeric.sample_string(&mut rand::rng(), 32);
        let dummy_hash =
            slots.run(move |memory| hash(&throwaway, memory)).await.map_err(|error| anyhow::anyhow!("{error}"))??;
        Ok(Self { dummy_hash: dummy_hash.into(), verifications, slots })
    }

    /// The argon2id PHC string for `password`, with a random salt; 503 when
    /// every slot and the queue are taken.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        Ok(self.slots.run(move |memory| hash(&password, memory)).await??)
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown
    /// email) it checks the dummy hash and answers `false` in the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self.slots.run(move |memory| verify(&password, &hash, memory)).await?;
        self.verifications.inc();
        Ok(known && matches)
    }
}

/// A new argon2id PHC string for `password`, computed in the slot's memory.
fn hash(password: &str, memory: &mut HashMemory) -> anyhow::Result<String> {
    let failed = |error: &dyn std::fmt::Display| anyhow::anyhow!("argon2 failed: {error}");
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|e| failed(&e))?;
    let salt = Salt::new(&rand::random::<[u8; SALT_LEN]>()).map_err(|e| failed(&e))?;
    let mut out = [0; Params::DEFAULT_OUTPUT_LEN];
    run(Algorithm::Argon2id, Version::V0x13, params.clone(), password, &salt, &mut out, memory)
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to `stored` (a PHC string, with whatever
/// parameters it was made), computed in the slot's memory; anything
/// unreadable is a refusal.
fn verify(password: &str, stored: &str, memory: &mut HashMemory) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(phc.algorithm.as_str()), Params::try_from(&phc)) else {
        return false;
    };
    let version = match phc.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    if params.m_cost() > MAX_STORED_MEMORY_KIB {
        tracing::warn!(m_cost = params.m_cost(), "a stored password hash asks for more memory than allowed");
        return false;
    }
    let mut out = vec![0; expected.len()];
    let computed = run(algorithm, version, params, password, salt, &mut out, memory);
    // Output compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|output| &output == expected)
}

/// One argon2 computation in `memory`, grown to the parameters' size and
/// shrunk back to the default size after a bigger one.
fn run(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
    memory: &mut HashMemory,
) -> argon2::Result<()> {
    let blocks = params.block_count();
    memory.resize(blocks, Block::new());
    let result = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        out,
        &mut memory[..blocks],
    );
    let usual = MEMORY_KIB as usize;
    if memory.len() > usual {
        memory.truncate(usual);
        memory.shrink_to_fit();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let passwords = Passwords::new(Counter::default(), HashSlots::new(2, 2)).await.unwrap();
        let first = passwords.hash("hunter42".into()).await.unwrap();
        let second = passwords.hash("hunter42".into()).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=9216,t=4,p=1$"), "{first}");
        assert_ne!(first, second, "a fresh salt each time");
        assert!(passwords.verify("hunter42".into(), Some(first.clone())).await.unwrap());
        assert!(!passwords.verify("hunter43".into(), Some(first)).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_stored_with_the_old_default_parameters_still_verify() {
        let passwords = Passwords::new(Counter::default(), HashSlots::new(2, 2)).await.unwrap();
        let old = argon2::PasswordHasher::hash_password(&Argon2::default(), b"hunter42").unwrap().to_string();
        assert!(old.contains("m=19456,t=2"), "{old}");
        assert!(passwords.verify("hunter42".into(), Some(old.clone())).await.unwrap());
        assert!(!passwords.verify("hunter43".into(), Some(old)).await.unwrap());
    }

    #[tokio::test]
    async fn a_stored_hash_asking_for_too_much_memory_is_refused_unrun() {
        let passwords = Passwords::new(Counter::default(), HashSlots::new(1, 0)).await.unwrap();
        let made = passwords.hash("hunter42".into()).await.unwrap();
        let greedy = made.replace("m=9216", "m=4194304");
        assert!(!passwords.verify("hunter42".into(), Some(greedy)).await.unwrap());
        assert!(passwords.verify("hunter42".into(), Some(made)).await.unwrap(), "the slot still works");
    }

    #[tokio::test]
    async fn an_unknown_user_is_checked_against_the_dummy_and_refused() {
        let counter = Counter::default();
        let passwords = Passwords::new(counter.clone(), HashSlots::new(2, 2)).await.unwrap();
        assert!(!passwords.verify("anything".into(), None).await.unwrap());
        assert_eq!(counter.get(), 1, "the dummy hash was verified");
    }

    #[tokio::test]
    async fn a_damaged_stored_hash_is_a_refusal_not_a_crash() {
        let passwords = Passwords::new(Counter::default(), HashSlots::new(2, 2)).await.unwrap();
        assert!(!passwords.verify("pw".into(), Some("not a phc string".into())).await.unwrap());
    }
}
