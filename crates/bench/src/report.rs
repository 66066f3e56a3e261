//! The Markdown written to `docs/benchmarks.md`.

use std::{fmt::Write as _, time::Duration};

use crate::{flows::Spread, load::LoadResult};

/// Resident memory of one service.
#[derive(Debug, Clone)]
pub(crate) struct Memory {
    /// Service name.
    pub(crate) service: String,
    /// VmRSS in KiB.
    pub(crate) rss_kib: u64,
}

/// Element-wise maximum of two samples of the same services.
pub(crate) fn max_memory(a: Vec<Memory>, b: Vec<Memory>) -> Vec<Memory> {
    if a.is_empty() {
        return b;
    }
    a.into_iter()
        .map(|m| {
            let other = b.iter().find(|o| o.service == m.service).map_or(0, |o| o.rss_kib);
            Memory { rss_kib: m.rss_kib.max(other), ..m }
        })
        .collect()
}

/// Everything one run measured.
pub(crate) struct Report {
    /// Load tests, the ceiling first.
    pub(crate) loads: Vec<LoadResult>,
    /// RSS after start-up and seeding.
    pub(crate) idle: Vec<Memory>,
    /// Highest RSS seen during the load tests.
    pub(crate) peak: Vec<Memory>,
    /// Tickets the write load created, and how long after it a new ticket
    /// took to become orderable (the event backlog draining).
    pub(crate) drain: (u64, Duration),
    /// `POST /api/tickets` → orderable, on a quiet stack.
    pub(crate) orderable: Spread,
    /// `POST /api/orders` → ticket reserved.
    pub(crate) reserved: Spread,
    /// A ticket change → each live-stream subscriber has it.
    pub(crate) live: crate::live::LiveLatency,
    /// Cancellation lateness after `expiresAt`.
    pub(crate) lateness: Spread,
    /// (winners, refused, elapsed) for 1000 buyers of one ticket.
    pub(crate) contention: (usize, usize, Duration),
    /// Failed signins: (wrong password, unknown email).
    pub(crate) signin: (Spread, Spread),
    /// The write load and its drain on each store adapter.
    pub(crate) stores: Vec<crate::stores::StoreRow>,
    /// 100 concurrent sign-ins against an auth with default settings.
    pub(crate) burst: crate::burst::Burst,
    /// The event pipeline, steady writes and the big catalogue.
    pub(crate) scale: crate::scale::Scale,
}

impl Report {
    /// The report as Markdown, with the machine and the date.
    pub(crate) fn markdown(&self) -> String {
        let mut md = String::from("# Benchmarks\n\n");
        let _ = writeln!(md, "Measured by `scripts/bench.sh` on {} ({}), {}.\n", machine(), cores(), today());
        md.push_str(
            "Release build of the static musl binaries the images hold (mimalloc as their allocator), whole stack \
             through the launcher (SQLite stores, local NATS with JetStream, Redis with AOF, \
             fake Stripe), `RUST_LOG=warn`; load from `wrk` (2 threads, 32 connections, 10 s per route) on the same \
             machine, so the load generator shares the two cores with the services.\n\n",
        );
        md.push_str("## HTTP throughput and latency\n\n| Route | Requests/s | p50 (ms) | p99 (ms) | Non-2xx |\n|---|---:|---:|---:|---:|\n");
        for load in &self.loads {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {:.2} | {:.2} | {} |",
                load.label, load.rps, load.p50_ms, load.p99_ms, load.errors
            );
        }
        md.push_str("\n## Resident memory (MiB)\n\n| Service | Idle | Under load (peak) |\n|---|---:|---:|\n");
        for idle in &self.idle {
            let peak = self.peak.iter().find(|p| p.service == idle.service).map_or(0, |p| p.rss_kib);
            let _ = writeln!(
                md,
                "| {} | {:.1} | {:.1} |",
                idle.service,
                idle.rss_kib as f64 / 1024.0,
                peak as f64 / 1024.0
            );
        }
        let (created, drained) = self.drain;
        let _ = writeln!(
            md,
            "\n## Events\n\nThe two write loads above created {created} tickets, each a `ticket.created` event through \
             the outbox relay to the orders replica. A ticket created right after the load became orderable {:.1} s \
             later, once that backlog had drained. Then, on the quiet stack:\n",
            drained.as_secs_f64()
        );
        md.push_str("| Measure | p50 (ms) | p99 (ms) | Runs |\n|---|---:|---:|---:|\n");
        for (label, spread) in [
            ("`POST /api/tickets` until the ticket is orderable", self.orderable),
            ("`POST /api/orders` until the ticket is reserved", self.reserved),
            ("Order cancelled after `expiresAt` (lateness)", self.lateness),
        ] {
            let _ = writeln!(md, "| {label} | {:.1} | {:.1} | {} |", spread.p50, spread.p99, spread.n);
        }
        md.push_str(&self.live.markdown());
        let (winners, refused, elapsed) = self.contention;
        let _ = writeln!(
            md,
            "\n## Contention\n\n1000 concurrent buyers of one ticket: **{winners}** order created, {refused} refused with \
             `Ticket is already reserved`, all answered in {:.0} ms.\n",
            elapsed.as_secs_f64() * 1000.0
        );
        let (wrong, unknown) = self.signin;
        md.push_str(
            "## Failed signins\n\nBoth run one argon2id verification (an unknown email is checked against a dummy \
             hash), so their timing does not tell which emails have accounts.\n\n\
             | Signin with | p50 (ms) | p99 (ms) | Runs |\n|---|---:|---:|---:|\n",
        );
        for (label, spread) in [("a wrong password", wrong), ("an unknown email", unknown)] {
            let _ = writeln!(md, "| {label} | {:.1} | {:.1} | {} |", spread.p50, spread.p99, spread.n);
        }
        md.push_str(&self.scale.markdown());
        md.push_str(&self.burst_markdown());
        md.push_str(&self.stores_markdown());
        md
    }

    fn burst_markdown(&self) -> String {
        let burst = &self.burst;
        let answers = burst.codes.iter().map(|(code, n)| format!("{code}: {n}")).collect::<Vec<_>>().join(", ");
        let mut md = format!(
            "\n## Sign-in burst\n\n{} concurrent sign-ins (a quarter right passwords, a quarter wrong ones, half \
             unknown emails) against one auth process with its default settings ({} hash slots, one per core): its peak \
             resident memory (`VmHWM`; the budget is 96 MiB, the pod's limit 128 MiB) and the time to each answer.\n\n\
             | Measure | Value |\n|---|---:|\n",
            crate::burst::SIGNINS,
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        );
        let _ = writeln!(md, "| Peak resident memory (MiB) | {:.1} |", burst.peak_rss_kib as f64 / 1024.0);
        let _ = writeln!(md, "| Answer p50 (ms) | {:.0} |", burst.latency.p50);
        let _ = writeln!(md, "| Answer p99 (ms) | {:.0} |", burst.latency.p99);
        let _ = writeln!(md, "| Answers by status | {answers} |");
        md
    }

    fn stores_markdown(&self) -> String {
        let mut md = String::from(
            "\n## The two stores side by side\n\nA fresh stack per store: `POST /api/tickets` (direct) for 5 s, then \
             the time until a ticket created after that load can be ordered (the outbox relay and the orders \
             listener working through the backlog of `ticket.created`). SecantusDB is a Python server speaking \
             MongoDB's wire protocol, not `mongod`: the MongoDB row measures the adapter's shape (round trips, \
             outbox scans), not MongoDB's speed.\n\n\
             | Store | Requests/s | p50 (ms) | p99 (ms) | Tickets created | Backlog drained after the load (s) |\n\
             |---|---:|---:|---:|---:|---:|\n",
        );
        for row in &self.stores {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {:.2} | {:.2} | {} | {:.1} |",
                row.store,
                row.rps,
                row.p50_ms,
                row.p99_ms,
                row.created,
                row.drained.as_secs_f64()
            );
        }
        md
    }
}

fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn cores() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or_else(String::new, |kib| format!(", {:.0} GiB RAM", kib as f64 / 1024.0 / 1024.0));
    format!("{cores} cores{memory}")
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{}-{:02}-{:02}", now.year(), u8::from(now.month()), now.day())
}
