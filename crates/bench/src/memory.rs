//! The services' resident memory, read from `/proc`: now, the highest while
//! a load runs, and a process's own high-water mark.

use std::{path::Path, time::Duration};

use devstack::stack::Stack;

use crate::{
    CONNECTIONS, LOAD_FOR,
    load::{self, LoadResult, Target},
    report::{self, Memory},
};

/// The services whose memory is sampled.
const SERVICES: [&str; 5] = ["auth", "tickets", "orders", "payments", "expiration"];

/// Loads `target` while sampling every service's memory four times a second.
pub(crate) async fn load_sampling_memory(
    stack: &Stack,
    target: &Target<'_>,
    scratch: &Path,
) -> anyhow::Result<(LoadResult, Vec<Memory>)> {
    let pids: Vec<(&'static str, Option<u32>)> = SERVICES.iter().map(|s| (*s, stack.pid(s))).collect();
    let sampler = tokio::spawn(async move {
        let mut highest = Vec::new();
        for _ in 0..(LOAD_FOR.as_millis() / 250) {
            tokio::time::sleep(Duration::from_millis(250)).await;
            highest = report::max_memory(highest, resident(&pids));
        }
        highest
    });
    let measured = tokio::task::block_in_place(|| load::run(target, LOAD_FOR, CONNECTIONS, scratch))?;
    Ok((measured, sampler.await?))
}

/// Every service's resident memory now.
pub(crate) fn memory(stack: &Stack) -> Vec<Memory> {
    resident(&SERVICES.iter().map(|s| (*s, stack.pid(s))).collect::<Vec<_>>())
}

fn resident(pids: &[(&'static str, Option<u32>)]) -> Vec<Memory> {
    pids.iter()
        .map(|(name, pid)| Memory {
            service: (*name).to_owned(),
            rss_kib: pid.and_then(|pid| status_kib(pid, "VmRSS:")).unwrap_or(0),
        })
        .collect()
}

/// A memory line of a process's status (`VmRSS:`, `VmHWM:`), in KiB.
pub(crate) fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| line.strip_prefix(field)).and_then(|v| v.split_whitespace().next()?.parse().ok())
}
