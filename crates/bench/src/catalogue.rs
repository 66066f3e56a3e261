//! What listing a large catalogue costs the tickets service: its peak memory
//! while 32 connections read the whole list, the time to the first byte
//! meanwhile, and pages of 50 (contract 3.2's keyset paging).

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use nix::sys::signal::Signal;

use crate::{
    boot::Booted,
    flows::{Spread, Users, spread},
    load::{self, LoadResult, Target},
};

/// The catalogue size the list is measured at.
pub(crate) const CATALOGUE: usize = 265_000;
/// How long the whole list is loaded: 32 answers of ~40 MB at once share two
/// cores, so each takes over 10 s, and wrk counts only finished answers.
pub(crate) const LIST_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// What listing showed.
pub(crate) struct Catalogue {
    /// Tickets in the catalogue when it was listed.
    pub(crate) tickets: usize,
    /// The whole list, 32 connections at once.
    pub(crate) list: LoadResult,
    /// Peak resident memory (`VmHWM`) of a fresh tickets process during that load, in KiB.
    pub(crate) peak_kib: u64,
    /// Time to the first byte of the whole list while it was being loaded.
    pub(crate) first_byte: Spread,
    /// `?limit=50`, 32 connections.
    pub(crate) page: LoadResult,
}

/// Tops the catalogue up to `CATALOGUE` tickets, restarts tickets, then lists.
pub(crate) async fn measure(booted: &Booted, users: &Users, scratch: &std::path::Path) -> anyhow::Result<Catalogue> {
    let tickets_url = format!("{}/api/tickets", booted.url("TICKETS_PORT"));
    let mut tickets = count(&tickets_url).await?;
    // A first round of two seconds measures the write rate; each next one
    // writes what is missing at that rate, rounded down, so the catalogue
    // ends just above the target (a fixed guess of 5000 a second overshot
    // it by 40% once writes got faster).
    let mut rate = None;
    while tickets < CATALOGUE {
        let post = Target::post("top-up", tickets_url.clone(), r#"{"title":"Catalogue","price":12.5}"#, &users.seller);
        let missing = (CATALOGUE - tickets) as f64;
        let span = rate
            .map_or(Duration::from_secs(2), |rate: f64| Duration::from_secs((missing / rate).floor().max(1.0) as u64));
        let written = tokio::task::block_in_place(|| load::run(&post, span, crate::CONNECTIONS, scratch))?;
        rate = Some(written.rps.max(1.0));
        tickets = count(&tickets_url).await?;
    }
    restart_tickets(booted).await?;
    let list = Target::get("GET /api/tickets (whole catalogue, direct)", tickets_url.clone());
    let probe = tokio::spawn(first_bytes(tickets_url.clone(), LIST_FOR));
    let list = tokio::task::block_in_place(|| load::run(&list, LIST_FOR, crate::CONNECTIONS, scratch))?;
    let first_byte = probe.await??;
    let peak_kib = booted.stack.pid("tickets").and_then(|pid| crate::memory::status_kib(pid, "VmHWM:")).unwrap_or(0);
    let page = Target::get("GET /api/tickets?limit=50 (direct)", format!("{tickets_url}?limit=50"));
    let page = tokio::task::block_in_place(|| load::run(&page, crate::LOAD_FOR, crate::CONNECTIONS, scratch))?;
    Ok(Catalogue { tickets, list, peak_kib, first_byte, page })
}

/// How many tickets the whole list holds (its elements are skipped, not built).
async fn count(url: &str) -> anyhow::Result<usize> {
    let body = reqwest::get(url).await?.error_for_status()?.bytes().await?;
    let list: Vec<serde::de::IgnoredAny> = serde_json::from_slice(&body).context("the list is not an array")?;
    Ok(list.len())
}

/// Restarts tickets (SIGTERM; the launcher starts it again) and waits until it
/// is ready, so its peak memory is the list's own, not what the writes left.
async fn restart_tickets(booted: &Booted) -> anyhow::Result<()> {
    let old = booted.stack.signal("tickets", Signal::SIGTERM).context("tickets is not running")?;
    let ready = format!("{}/readyz", booted.url("TICKETS_PORT"));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let restarted = booted.stack.pid("tickets").is_some_and(|pid| pid != old);
        if restarted && reqwest::get(&ready).await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("tickets did not come back within 60 s")
}

/// Time to the first byte of the whole list, one request after another, for `span`.
async fn first_bytes(url: String, span: Duration) -> anyhow::Result<Spread> {
    let (http, deadline, mut samples) = (reqwest::Client::new(), Instant::now() + span, Vec::new());
    while Instant::now() < deadline {
        let started = Instant::now();
        let mut response = http.get(&url).send().await?.error_for_status()?;
        response.chunk().await?.context("an empty list body")?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        // Read the rest, as a browser would, before asking again.
        while response.chunk().await?.is_some() {}
    }
    Ok(spread(samples))
}
