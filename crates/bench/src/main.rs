//! `bench`: measures the stack in one run and writes `docs/benchmarks.md`.
//! Run it through `scripts/bench.sh`, which builds everything in release mode.

mod flows;
mod load;
mod report;

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use common::config::Env;
use devstack::{options::Options, stack::Stack};
use test_support::{ApiClient, free_port};

use crate::{
    flows::Users,
    load::{LoadResult, Target},
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
    let out = std::env::args().nth(1).map_or_else(|| PathBuf::from("docs/benchmarks.md"), PathBuf::from);
    let data = tempfile::tempdir()?;
    let scratch = tempfile::tempdir()?;

    let names = ["PORT", "AUTH_PORT", "TICKETS_PORT", "ORDERS_PORT", "PAYMENTS_PORT", "EXPIRATION_PORT", "CLIENT_PORT"];
    let ports: Vec<(&str, String)> = names.into_iter().map(|n| (n, free_port().to_string())).collect();
    let port = |name: &str| ports.iter().find(|(n, _)| *n == name).map(|(_, p)| p.clone()).unwrap_or_default();
    let (nats, redis) = (format!("nats://127.0.0.1:{}", free_port()), format!("redis://127.0.0.1:{}", free_port()));
    let fake = free_port().to_string();
    let mut pairs: Vec<(&str, &str)> = ports.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend([
        ("FAKE_STRIPE_PORT", fake.as_str()),
        ("NATS_URL", nats.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("EXPIRATION_WINDOW_SECONDS", "2"),
        ("RUST_LOG", "warn"),
        ("LOG_FORMAT", "json"),
    ]);
    let options = Options::from_env(&Env::from_pairs(pairs), Some(bin_dir.clone()), Some(data.path().to_path_buf()))?;
    println!("starting the stack (release binaries from {})", bin_dir.display());
    let mut stack = Stack::start(options).await?;
    let result = measure(&stack, &port, &bin_dir, data.path(), scratch.path()).await;
    stack.stop().await;
    let report = result?;
    let notes = std::fs::read_to_string(&out)
        .ok()
        .and_then(|old| old.find(NOTES_HEADING).map(|at| old[at..].to_owned()))
        .unwrap_or_default();
    std::fs::write(&out, report.markdown() + &notes)?;
    println!("{}", report.markdown());
    println!("written to {}", out.display());
    Ok(())
}

async fn measure(
    stack: &Stack,
    port: &dyn Fn(&str) -> String,
    bin_dir: &std::path::Path,
    data: &std::path::Path,
    scratch: &std::path::Path,
) -> anyhow::Result<Report> {
    let gateway = format!("http://127.0.0.1:{}", port("PORT"));
    let api = ApiClient::new(&gateway);
    let jwt_key = std::fs::read_to_string(data.join("jwt-key"))?;
    let users = Users::new(jwt_key.trim());
    let services = ["auth", "tickets", "orders", "payments", "expiration"];

    // A realistic catalogue: 100 tickets for the list route.
    let mut ticket = String::new();
    for n in 0..100 {
        ticket = flows::sell(&api, &users.seller, &format!("Concert #{n}")).await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = memory(stack, &services);

    let direct = |name: &str| format!("http://127.0.0.1:{}", port(name));
    let cookie = Some(users.buyer.clone());
    let create = Some(r#"{"title":"Bench","price":12.5}"#.to_owned());
    let routes: Vec<Target<'_>> = [("gateway", gateway.clone()), ("direct", String::new())]
        .into_iter()
        .flat_map(|(via, base)| {
            let base_for = |svc: &str| if base.is_empty() { direct(svc) } else { base.clone() };
            vec![
                Target {
                    label: format!("GET /api/users/currentuser ({via})"),
                    url: format!("{}/api/users/currentuser", base_for("AUTH_PORT")),
                    method: "GET",
                    body: None,
                    cookie: cookie.clone(),
                },
                Target {
                    label: format!("GET /api/tickets/:id ({via})"),
                    url: format!("{}/api/tickets/{ticket}", base_for("TICKETS_PORT")),
                    method: "GET",
                    body: None,
                    cookie: None,
                },
                Target {
                    label: format!("GET /api/tickets ({via})"),
                    url: format!("{}/api/tickets", base_for("TICKETS_PORT")),
                    method: "GET",
                    body: None,
                    cookie: None,
                },
                Target {
                    label: format!("POST /api/tickets ({via})"),
                    url: format!("{}/api/tickets", base_for("TICKETS_PORT")),
                    method: "POST",
                    body: create.clone(),
                    cookie: cookie.clone(),
                },
            ]
        })
        .collect::<Vec<_>>();
    // Reads first, writes last: the write loads add a hundred thousand
    // tickets, which would make the reads that follow measure another list.
    let mut routes = routes;
    routes.sort_by_key(|target| target.method == "POST");
    // Then the unpaginated list once more, now over the whole catalogue the
    // writes made: its cost and the memory it takes at that size.
    routes.push(Target {
        label: "GET /api/tickets (direct, after the writes)".into(),
        url: format!("{}/api/tickets", direct("TICKETS_PORT")),
        method: "GET",
        body: None,
        cookie: None,
    });

    let hello_port = free_port();
    let mut hello = std::process::Command::new(bin_dir.join("hello")).env("PORT", hello_port.to_string()).spawn()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut loads: Vec<LoadResult> = Vec::new();
    let ceiling = load::run(
        &Target {
            label: "axum hello-world (ceiling)".into(),
            url: format!("http://127.0.0.1:{hello_port}/"),
            method: "GET",
            body: None,
            cookie: None,
        },
        LOAD_FOR,
        CONNECTIONS,
        scratch,
    );
    let _ = hello.kill();
    let _ = hello.wait();
    loads.push(ceiling?);

    let mut peak = idle.clone();
    for target in &routes {
        println!("load: {}", target.label);
        let sampler = {
            let pids: Vec<(String, Option<u32>)> = services.iter().map(|s| ((*s).to_owned(), stack.pid(s))).collect();
            tokio::spawn(async move {
                let mut highest = Vec::new();
                for _ in 0..(LOAD_FOR.as_millis() / 250) {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    let now: Vec<Memory> = pids
                        .iter()
                        .map(|(name, pid)| Memory {
                            service: name.clone(),
                            rss_kib: pid.and_then(rss_kib).unwrap_or(0),
                        })
                        .collect();
                    highest = report::max_memory(highest, now);
                }
                highest
            })
        };
        let scratch = scratch.to_path_buf();
        let measured = tokio::task::block_in_place(|| load::run(target, LOAD_FOR, CONNECTIONS, &scratch))?;
        loads.push(measured);
        peak = report::max_memory(peak, sampler.await?);
    }

    println!("waiting for the event backlog of the write load");
    let created =
        loads.iter().filter(|l| l.label.starts_with("POST")).map(|l| l.rps * LOAD_FOR.as_secs_f64()).sum::<f64>();
    let drain = (created.round() as u64, flows::backlog_drain(&api, &users).await?);
    println!("event propagation");
    let (orderable, reserved) = flows::propagation(&api, &users, 200).await?;
    println!("expiration accuracy");
    let lateness = flows::expiration_lateness(&api, &users, 50).await?;
    println!("contention");
    let contention = flows::contention(&api, &users, 1000).await?;
    println!("signin timing");
    let signin = flows::signin_timing(&api, 100).await?;
    Ok(Report { loads, idle, peak, drain, orderable, reserved, lateness, contention, signin })
}

/// Resident memory of every service now.
fn memory(stack: &Stack, services: &[&str]) -> Vec<Memory> {
    services
        .iter()
        .map(|s| Memory { service: (*s).to_owned(), rss_kib: stack.pid(s).and_then(rss_kib).unwrap_or(0) })
        .collect()
}

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| line.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
}
