//! Cost at scale: how fast the event pipeline drains a backlog, how quickly a
//! new ticket becomes orderable under a steady write rate, and (in
//! `catalogue`) what listing a large catalogue costs the tickets service.

use std::{
    fmt::Write as _,
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use nix::sys::signal::Signal;
use serde_json::json;
use test_support::ApiClient;

use crate::{
    boot::Booted,
    catalogue::{CATALOGUE, Catalogue},
    flows::{Spread, Users, sell, spread},
    load::{self, Target},
};

/// The steady write rate, and for how long.
pub(crate) const STEADY_RATE: u64 = 1000;
pub(crate) const STEADY_FOR: Duration = Duration::from_secs(30);

/// What the three flows measured.
pub(crate) struct Scale {
    /// Events the orders listener worked through after a pause, and how long that took.
    pub(crate) backlog: (u64, Duration),
    /// `outbox_pending` on tickets when the write load behind that backlog ended.
    pub(crate) relay_pending: u64,
    /// Writes answered 201 during the steady run (of `STEADY_RATE × STEADY_FOR` sent).
    pub(crate) steady_created: usize,
    /// `POST /api/tickets` → orderable, sampled during the steady run.
    pub(crate) steady_orderable: Spread,
    /// The big catalogue, listed.
    pub(crate) catalogue: Catalogue,
}

/// Runs the three flows in order; together they grow the catalogue past `CATALOGUE`.
pub(crate) async fn measure(booted: &Booted, users: &Users, scratch: &std::path::Path) -> anyhow::Result<Scale> {
    println!("scale: the orders listener draining a paused backlog");
    let (backlog, relay_pending) = paused_backlog(booted, users, scratch).await?;
    println!("scale: {STEADY_RATE} ticket writes a second for {}s", STEADY_FOR.as_secs());
    let (steady_created, steady_orderable) = steady(booted, users).await?;
    println!("scale: listing the catalogue");
    let catalogue = crate::catalogue::measure(booted, users, scratch).await?;
    Ok(Scale { backlog, relay_pending, steady_created, steady_orderable, catalogue })
}

/// Pauses orders (SIGSTOP), writes tickets for 10 s, resumes it and times how
/// long until a ticket written last is orderable: the listener's drain rate
/// over a backlog it could not keep up with as it happened. Also reads how
/// many events the relay still held when the writes stopped.
async fn paused_backlog(
    booted: &Booted,
    users: &Users,
    scratch: &std::path::Path,
) -> anyhow::Result<((u64, Duration), u64)> {
    let api = ApiClient::new(booted.url("PORT"));
    booted.stack.signal("orders", Signal::SIGSTOP).context("orders is not running")?;
    let post = Target::post(
        "backlog",
        format!("{}/api/tickets", booted.url("TICKETS_PORT")),
        r#"{"title":"Backlog","price":12.5}"#,
        &users.seller,
    );
    let written = tokio::task::block_in_place(|| load::run(&post, crate::LOAD_FOR, crate::CONNECTIONS, scratch));
    let pending = outbox_pending(&booted.url("TICKETS_PORT")).await;
    let last = sell(&api, &users.seller, "end of the backlog").await;
    booted.stack.signal("orders", Signal::SIGCONT).context("orders is not running")?;
    let (written, last) = (written?, last?);
    let started = Instant::now();
    loop {
        let reply = api.post("/api/orders", Some(&users.buyer), &json!({"ticketId": last})).await;
        match reply.code() {
            201 => break,
            404 if started.elapsed() < Duration::from_secs(600) => tokio::time::sleep(Duration::from_millis(20)).await,
            code => bail!("ordering after the paused backlog answered {code}: {}", reply.body),
        }
    }
    let events = (written.rps * crate::LOAD_FOR.as_secs_f64()).round() as u64 + 1;
    Ok(((events, started.elapsed()), pending?))
}

/// `STEADY_RATE` ticket writes a second for `STEADY_FOR`, paced (not as fast
/// as possible), while a probe creates a ticket and orders it, again and again.
async fn steady(booted: &Booted, users: &Users) -> anyhow::Result<(usize, Spread)> {
    let http = reqwest::Client::new();
    let url = format!("{}/api/tickets", booted.url("TICKETS_PORT"));
    let deadline = Instant::now() + STEADY_FOR;
    let probe = {
        let (api, seller, buyer) = (ApiClient::new(booted.url("PORT")), users.seller.clone(), users.buyer.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                samples.push(orderable_after(&api, &seller, &buyer).await?);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            anyhow::Ok(samples)
        })
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1) / STEADY_RATE as u32);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut writes = Vec::new();
    while Instant::now() < deadline {
        tick.tick().await;
        let request = http
            .post(&url)
            .header(reqwest::header::COOKIE, &users.seller)
            .json(&json!({"title": "Steady", "price": 12.5}))
            .send();
        writes.push(tokio::spawn(async move { request.await.is_ok_and(|r| r.status() == 201) }));
    }
    let mut created = 0;
    for write in writes {
        created += usize::from(write.await?);
    }
    Ok((created, spread(probe.await??)))
}

/// Milliseconds from a ticket's `POST` until orders accepts an order for it.
async fn orderable_after(api: &ApiClient, seller: &str, buyer: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let ticket = sell(api, seller, "steady probe").await?;
    loop {
        let reply = api.post("/api/orders", Some(buyer), &json!({"ticketId": ticket})).await;
        match reply.code() {
            201 => return Ok(started.elapsed().as_secs_f64() * 1000.0),
            404 if started.elapsed() < Duration::from_secs(30) => tokio::time::sleep(Duration::from_millis(1)).await,
            code => bail!("ordering during the steady load answered {code}: {}", reply.body),
        }
    }
}

/// `outbox_pending` from a service's `/metrics`.
async fn outbox_pending(base: &str) -> anyhow::Result<u64> {
    let text = reqwest::get(format!("{base}/metrics")).await?.text().await?;
    text.lines()
        .find_map(|line| line.strip_prefix("outbox_pending "))
        .and_then(|value| value.trim().parse().ok())
        .context("no outbox_pending in /metrics")
}

impl Scale {
    /// The report's section: one table of figures, one of routes, with fixed
    /// labels so the next run can put its figures beside these.
    pub(crate) fn markdown(&self) -> String {
        let (events, drained) = self.backlog;
        let mut md = format!(
            "\n## At scale\n\n**Event pipeline**: orders paused (SIGSTOP) while `POST /api/tickets` ran for {} s, \
             then resumed; the time until the last ticket written was orderable is its listener working through the \
             backlog. **Steady writes**: {STEADY_RATE} `POST /api/tickets` a second for {} s (paced, not as fast as \
             possible) while a probe creates a ticket and orders it, again and again. **Catalogue**: topped up to at \
             least {CATALOGUE} tickets, tickets restarted (so its peak is what listing costs, not what the writes \
             left), then {} connections read the whole list for {} s while one more reader times its first byte; \
             then pages of 50 for {} s.\n\n| Measure | Value |\n|---|---:|\n",
            crate::LOAD_FOR.as_secs(),
            STEADY_FOR.as_secs(),
            crate::CONNECTIONS,
            crate::catalogue::LIST_FOR.as_secs(),
            crate::LOAD_FOR.as_secs(),
        );
        let rows: [(&str, String); 11] = [
            ("Events in the paused backlog", events.to_string()),
            ("Unpublished in the outbox when the writes stopped", self.relay_pending.to_string()),
            ("Backlog drained after resuming (s)", format!("{:.1}", drained.as_secs_f64())),
            ("Events/s through the listener", format!("{:.0}", events as f64 / drained.as_secs_f64().max(0.001))),
            ("Steady writes answered 201", self.steady_created.to_string()),
            ("Steady: `POST /api/tickets` until orderable, p50 (ms)", format!("{:.1}", self.steady_orderable.p50)),
            ("Steady: `POST /api/tickets` until orderable, p99 (ms)", format!("{:.1}", self.steady_orderable.p99)),
            ("Tickets in the catalogue", self.catalogue.tickets.to_string()),
            ("Whole list, tickets' peak memory (MiB)", format!("{:.1}", self.catalogue.peak_kib as f64 / 1024.0)),
            ("Whole list, first byte p50 (ms)", format!("{:.1}", self.catalogue.first_byte.p50)),
            ("Whole list, first byte p99 (ms)", format!("{:.1}", self.catalogue.first_byte.p99)),
        ];
        for (label, value) in rows {
            let _ = writeln!(md, "| {label} | {value} |");
        }
        md.push_str("\n| Route | Requests/s | p50 (ms) | p99 (ms) | Non-2xx |\n|---|---:|---:|---:|---:|\n");
        for load in [&self.catalogue.list, &self.catalogue.page] {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {:.2} | {:.2} | {} |",
                load.label, load.rps, load.p50_ms, load.p99_ms, load.errors
            );
        }
        md
    }
}
