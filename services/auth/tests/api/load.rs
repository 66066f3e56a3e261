//! Hostile load on the real binary: a burst of signins must not take the
//! process past its memory budget (the pod limit is 128 MiB).

use futures::future::join_all;
use test_support::AuthProcess;

use crate::helpers::credentials;

const BINARY: &str = env!("CARGO_BIN_EXE_auth");
/// The budget the issue sets: well under the pod's 128 MiB.
const PEAK_RSS_LIMIT_KIB: u64 = 96 * 1024;

#[tokio::test]
async fn a_hundred_concurrent_signins_stay_within_the_memory_budget_and_answer_cleanly() {
    let auth = AuthProcess::start(std::path::Path::new(BINARY), &[("PASSWORD_HASH_CONCURRENCY", "4")]).await;
    let users: Vec<String> = (0..5).map(|n| format!("load{n}@test.com")).collect();
    for email in &users {
        assert_eq!(auth.api.post("/api/users/signup", None, &credentials(email, "password")).await.code(), 201);
    }

    // Half known emails (right and wrong passwords), half unknown ones,
    // which hash too (the dummy hash).
    let attempts = (0..100).map(|n| {
        let (email, password) = match n % 4 {
            0 => (users[n % 5].clone(), "password"),
            1 => (users[n % 5].clone(), "wrong-password"),
            _ => (format!("nobody{n}@test.com"), "password"),
        };
        let api = auth.api.clone();
        async move { api.post("/api/users/signin", None, &credentials(&email, password)).await }
    });
    let replies = join_all(attempts).await;

    let mut codes = std::collections::BTreeMap::<u16, usize>::new();
    for reply in &replies {
        *codes.entry(reply.code()).or_default() += 1;
        assert!([200, 400, 429, 503].contains(&reply.code()), "unexpected answer {reply:?}");
        if reply.code() == 503 {
            assert_eq!(reply.body["errors"][0]["message"], "Server busy, try again");
            assert!(reply.headers.contains_key("retry-after"), "503 says when to retry");
        }
    }
    assert!(codes.get(&200).is_some_and(|n| *n > 0) || codes.get(&400).is_some_and(|n| *n > 0), "{codes:?}");
    let peak = auth.peak_rss_kib();
    assert!(peak < PEAK_RSS_LIMIT_KIB, "peak RSS {peak} KiB over the budget; answers {codes:?}");

    // Still up, and serving once the burst is over.
    let after = auth.api.post("/api/users/signin", None, &credentials(&users[0], "password")).await;
    assert_eq!(after.code(), 200, "{after:?}");
}
