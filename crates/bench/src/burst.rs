//! A burst of 100 concurrent sign-ins against one auth process with its
//! default settings (the hash slots are the machine's cores): the peak
//! resident memory it reaches, what it answered and how fast. The stack's
//! auth runs with the limits lifted for the load tests, so this one is
//! started on its own, as a pod would run it.

use std::{collections::BTreeMap, path::Path, time::Instant};

use anyhow::bail;
use serde_json::json;
use test_support::AuthProcess;

use crate::flows::{Spread, spread};

/// Concurrent sign-ins in the burst.
pub(crate) const SIGNINS: usize = 100;

/// What the burst showed.
pub(crate) struct Burst {
    /// `VmHWM` of the auth process after the burst, in KiB.
    pub(crate) peak_rss_kib: u64,
    /// How many answers had each status.
    pub(crate) codes: BTreeMap<u16, usize>,
    /// Time to each answer, from the moment all were sent.
    pub(crate) latency: Spread,
}

/// Runs the burst against a fresh auth from `bin_dir`: a quarter right
/// passwords, a quarter wrong ones, half unknown emails (hashed too).
pub(crate) async fn signin_burst(bin_dir: &Path) -> anyhow::Result<Burst> {
    let auth = AuthProcess::start(&bin_dir.join("auth"), &[]).await;
    let api = &auth.api;
    let users: Vec<String> = (0..5).map(|n| format!("burst{n}@bench.dev")).collect();
    for email in &users {
        let reply = api.post("/api/users/signup", None, &json!({"email": email, "password": "password"})).await;
        if reply.code() != 201 {
            bail!("signup for the burst failed: {:?}", reply.body);
        }
    }
    let sent = Instant::now();
    let attempts = (0..SIGNINS).map(|n| {
        let (email, password) = match n % 4 {
            0 => (users[n % 5].clone(), "password"),
            1 => (users[n % 5].clone(), "wrong-password"),
            _ => (format!("nobody{n}@bench.dev"), "password"),
        };
        async move {
            let reply = api.post("/api/users/signin", None, &json!({"email": email, "password": password})).await;
            (reply.code(), sent.elapsed().as_secs_f64() * 1000.0)
        }
    });
    let answers = futures::future::join_all(attempts).await;
    let mut codes = BTreeMap::new();
    for (code, _) in &answers {
        *codes.entry(*code).or_default() += 1;
    }
    let latency = spread(answers.into_iter().map(|(_, ms)| ms).collect());
    Ok(Burst { peak_rss_kib: auth.peak_rss_kib(), codes, latency })
}
