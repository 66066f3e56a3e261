//! `bench`: measures the stack in one run and writes `docs/benchmarks.md`.
//! Run it through `scripts/bench.sh`, which builds everything in release mode.
//! `bench --live-only` (or `--scale-only`) runs just the live-update (or
//! at-scale) flows on a stack of the binaries beside it and prints their
//! section, writing nothing: a quick check of one change.

mod boot;
mod burst;
mod catalogue;
mod flows;
mod live;
mod load;
mod memory;
mod previous;
mod report;
mod scale;
mod stores;

use std::{path::Path, time::Duration};

use anyhow::Context as _;
use test_support::{ApiClient, free_port};

use crate::{
    boot::{Booted, boot},
    flows::Users,
    load::{LoadResult, Target},
    memory::{load_sampling_memory, memory},
    report::{Memory, Report},
};

/// Each load test runs this long.
const LOAD_FOR: Duration = Duration::from_secs(10);
/// Concurrent connections per load test.
const CONNECTIONS: u32 = 32;
/// Where the hand-written reading of the numbers starts in the report; a
/// re-run replaces the measured part above it and keeps the text below.
const NOTES_HEADING: &str = "\n## Reading the numbers";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bin_dir = std::env::current_exe()?.parent().context("bin dir")?.to_path_buf();
    match std::env::args().nth(1).as_deref() {
        Some("--live-only") => return live_only(&bin_dir).await,
        Some("--scale-only") => return scale_only(&bin_dir).await,
        _ => {}
    }
    let out = std::env::args().nth(1).map_or_else(|| "docs/benchmarks.md".into(), std::path::PathBuf::from);
    let scratch = tempfile::tempdir()?;

    println!("starting the stack (release binaries from {})", bin_dir.display());
    let mut booted = boot(&bin_dir, None).await?;
    let result = measure(&booted, &bin_dir, scratch.path()).await;
    booted.stack.stop().await;
    let mut report = result?;
    report.stores = stores::compare(&bin_dir, scratch.path()).await?;

    // The previous report: its measured part goes beside the new figures,
    // its hand-written notes are kept.
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    let (old_measured, notes) = old.split_at(old.find(NOTES_HEADING).unwrap_or(old.len()));
    let measured = previous::beside(&report.markdown(), old_measured);
    std::fs::write(&out, measured.clone() + notes)?;
    println!("{measured}");
    println!("written to {}", out.display());
    Ok(())
}

/// Every measurement on one stack, in an order where each leaves the next a
/// known state: reads, then writes, then the events the writes caused.
async fn measure(booted: &Booted, bin_dir: &Path, scratch: &Path) -> anyhow::Result<Report> {
    let api = ApiClient::new(booted.url("PORT"));
    let users = Users::new(&booted.jwt_key()?);
    let ticket = seed_catalogue(&api, &users).await?;
    let idle = memory(&booted.stack);
    let (loads, peak) = load_routes(booted, bin_dir, scratch, &ticket, &users, &idle).await?;
    let drain = drain_after_writes(&api, &users, &loads).await?;
    let events = event_flows(&api, &users).await?;
    let scale = scale::measure(booted, &users, scratch).await?;
    println!("signin timing");
    let signin = flows::signin_timing(&api, 100).await?;
    println!("signin burst");
    let burst = burst::signin_burst(bin_dir).await?;
    Ok(Report {
        loads,
        idle,
        peak,
        drain,
        orderable: events.orderable,
        reserved: events.reserved,
        live: events.live,
        lateness: events.lateness,
        contention: events.contention,
        signin,
        burst,
        scale,
        stores: Vec::new(),
    })
}

/// A realistic catalogue for the list route: 100 tickets. Returns the last one's id.
async fn seed_catalogue(api: &ApiClient, users: &Users) -> anyhow::Result<String> {
    let mut ticket = String::new();
    for n in 0..100 {
        ticket = flows::sell(api, &users.seller, &format!("Concert #{n}")).await?;
    }
    // Let the events of the seeding settle before memory is read.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(ticket)
}

/// The ceiling, then every route under load, with each service's highest
/// memory over all of them (starting from `idle`).
async fn load_routes(
    booted: &Booted,
    bin_dir: &Path,
    scratch: &Path,
    ticket: &str,
    users: &Users,
    idle: &[Memory],
) -> anyhow::Result<(Vec<LoadResult>, Vec<Memory>)> {
    let mut loads = vec![ceiling(bin_dir, scratch)?];
    let mut peak = idle.to_vec();
    for target in routes(booted, ticket, &users.buyer) {
        println!("load: {}", target.label);
        let (measured, highest) = load_sampling_memory(&booted.stack, &target, scratch).await?;
        loads.push(measured);
        peak = report::max_memory(peak, highest);
    }
    Ok((loads, peak))
}

/// The tickets the write loads created, and how long after them a new
/// ticket took to become orderable (their events draining).
async fn drain_after_writes(api: &ApiClient, users: &Users, loads: &[LoadResult]) -> anyhow::Result<(u64, Duration)> {
    println!("waiting for the event backlog of the write load");
    let created =
        loads.iter().filter(|l| l.label.starts_with("POST")).map(|l| l.rps * LOAD_FOR.as_secs_f64()).sum::<f64>();
    Ok((created.round() as u64, flows::backlog_drain(api, users).await?))
}

/// What the event flows on a quiet stack measured.
struct EventFlows {
    orderable: flows::Spread,
    reserved: flows::Spread,
    live: live::LiveLatency,
    lateness: flows::Spread,
    contention: (usize, usize, Duration),
}

/// Propagation, live updates, expiration accuracy and contention, in turn.
async fn event_flows(api: &ApiClient, users: &Users) -> anyhow::Result<EventFlows> {
    println!("event propagation");
    let (orderable, reserved) = flows::propagation(api, users, 200).await?;
    println!("live updates");
    let live = live::latency(api, &users.seller).await?;
    println!("expiration accuracy");
    let lateness = flows::expiration_lateness(api, users, 50).await?;
    println!("contention");
    let contention = flows::contention(api, users, 1000).await?;
    Ok(EventFlows { orderable, reserved, live, lateness, contention })
}

/// `--live-only`: the live-update flow alone, printed.
async fn live_only(bin_dir: &Path) -> anyhow::Result<()> {
    println!("starting the stack (binaries from {})", bin_dir.display());
    let mut booted = boot(bin_dir, None).await?;
    let users = Users::new(&booted.jwt_key()?);
    let result = live::latency(&ApiClient::new(booted.url("PORT")), &users.seller).await;
    booted.stack.stop().await;
    println!("{}", result?.markdown());
    Ok(())
}

/// `--scale-only`: the at-scale flows alone on a fresh stack, printed.
async fn scale_only(bin_dir: &Path) -> anyhow::Result<()> {
    println!("starting the stack (binaries from {})", bin_dir.display());
    let (mut booted, scratch) = (boot(bin_dir, None).await?, tempfile::tempdir()?);
    let users = Users::new(&booted.jwt_key()?);
    let result = scale::measure(&booted, &users, scratch.path()).await;
    booted.stack.stop().await;
    println!("{}", result?.markdown());
    Ok(())
}

/// The routes to load, through the gateway and direct. Reads first, writes
/// last: the write loads add a hundred thousand tickets, which would make the
/// reads that follow measure another list (`scale` lists the big catalogue).
fn routes(booted: &Booted, ticket: &str, cookie: &str) -> Vec<Target<'static>> {
    let mut routes = Vec::new();
    for via in ["gateway", "direct"] {
        let base = |port: &str| booted.url(if via == "gateway" { "PORT" } else { port });
        let (auth, tickets) = (base("AUTH_PORT"), base("TICKETS_PORT"));
        routes.extend([
            Target::get(format!("GET /api/users/currentuser ({via})"), format!("{auth}/api/users/currentuser"))
                .with_cookie(cookie),
            Target::get(format!("GET /api/tickets/:id ({via})"), format!("{tickets}/api/tickets/{ticket}")),
            Target::get(format!("GET /api/tickets ({via})"), format!("{tickets}/api/tickets")),
            Target::post(
                format!("POST /api/tickets ({via})"),
                format!("{tickets}/api/tickets"),
                r#"{"title":"Bench","price":12.5}"#,
                cookie,
            ),
        ]);
    }
    routes.sort_by_key(|target| target.method == "POST");
    routes
}

/// An axum hello-world on the same machine: the ceiling for any route.
fn ceiling(bin_dir: &Path, scratch: &Path) -> anyhow::Result<LoadResult> {
    let port = free_port();
    let mut hello = std::process::Command::new(bin_dir.join("hello")).env("PORT", port.to_string()).spawn()?;
    std::thread::sleep(Duration::from_millis(300));
    let target = Target::get("axum hello-world (ceiling)", format!("http://127.0.0.1:{port}/"));
    let measured = load::run(&target, LOAD_FOR, CONNECTIONS, scratch);
    let _ = hello.kill();
    let _ = hello.wait();
    measured
}
