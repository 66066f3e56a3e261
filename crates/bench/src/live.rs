//! Live-update latency (contract 3.5): how long a ticket change takes to
//! reach the browsers watching `GET /api/tickets/updates`. The live client
//! promises an update within about a second; that is a speed goal, and the
//! tests never assert timings, so it is measured here instead, beside the
//! run before.
//!
//! Subscribers connect through the gateway, as browsers do, and stay open
//! while a seller creates and reprices tickets at a modest, steady rate. Each
//! write is timed from just before its request, so a figure is what a
//! watcher sees after the seller clicks: the write itself, the outbox relay,
//! NATS, the stream and the gateway. A change a subscriber never received
//! counts as missed rather than being left out of the percentiles.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use serde_json::json;
use test_support::{ApiClient, Opened, SseEvent, SseStream};

use crate::flows::{Spread, sell, spread};

/// Open streams, as many browsers watching the landing page.
pub(crate) const SUBSCRIBERS: usize = 20;
/// Ticket changes made while they watch: half creations, half price edits.
pub(crate) const CHANGES: usize = 100;
/// Pause between two changes (10 a second: busy for one seller, quiet for the stack).
const PACE: Duration = Duration::from_millis(100);
/// How long the subscribers keep listening after the last change.
const GRACE: Duration = Duration::from_secs(5);

/// What the subscribers saw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LiveLatency {
    /// Write → event, over every (change, subscriber) pair that arrived.
    pub(crate) latency: Spread,
    /// The slowest delivery, in milliseconds.
    pub(crate) max: f64,
    /// Pairs that never arrived within the grace period.
    pub(crate) missed: usize,
}

/// One change made: the ticket, the version it produced, and when its
/// request left.
#[derive(Debug, Clone)]
struct Write {
    id: String,
    version: u64,
    sent: Instant,
}

/// One `event: ticket` a subscriber received, and when.
#[derive(Debug, Clone, PartialEq)]
struct Receipt {
    id: String,
    version: u64,
    at: Instant,
}

/// The ticket and version an event carries; `None` for other events.
fn receipt(event: &SseEvent, at: Instant) -> Option<Receipt> {
    if event.name != "ticket" {
        return None;
    }
    let id = event.data.get("id")?.as_str()?.to_owned();
    let version = event.data.get("version")?.as_u64()?;
    Some(Receipt { id, version, at })
}

/// Matches every write with each subscriber's first receipt of it (a copy
/// relayed twice counts once), in milliseconds from the write's request.
fn tally(writes: &[Write], subscribers: &[Vec<Receipt>]) -> LiveLatency {
    let (mut delays, mut missed) = (Vec::new(), 0);
    for received in subscribers {
        let mut first: HashMap<(&str, u64), Instant> = HashMap::new();
        for receipt in received {
            first.entry((receipt.id.as_str(), receipt.version)).or_insert(receipt.at);
        }
        for write in writes {
            match first.get(&(write.id.as_str(), write.version)) {
                Some(at) => delays.push(at.saturating_duration_since(write.sent).as_secs_f64() * 1000.0),
                None => missed += 1,
            }
        }
    }
    let max = delays.iter().copied().fold(f64::NAN, f64::max);
    LiveLatency { latency: spread(delays), max, missed }
}

/// Opens the subscribers on `api`'s origin, makes the changes as `seller`,
/// and tallies what arrived.
pub(crate) async fn latency(api: &ApiClient, seller: &str) -> anyhow::Result<LiveLatency> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut listeners = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        let mut stream = subscribe(api.base()).await?;
        let stop = Arc::clone(&stop);
        listeners.push(tokio::spawn(async move {
            let mut received = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match stream.next_event(Duration::from_millis(200)).await {
                    Ok(Some(event)) => received.extend(receipt(&event, Instant::now())),
                    Ok(None) => break,
                    Err(()) => {}
                }
            }
            received
        }));
    }

    let mut writes = Vec::with_capacity(CHANGES);
    let mut pace = tokio::time::interval(PACE);
    for n in 0..CHANGES / 2 {
        pace.tick().await;
        let sent = Instant::now();
        let id = sell(api, seller, &format!("live {n}")).await?;
        writes.push(Write { id: id.clone(), version: 0, sent });
        pace.tick().await;
        let sent = Instant::now();
        let reply = api
            .put(&format!("/api/tickets/{id}"), Some(seller), &json!({"title": format!("live {n}"), "price": 26}))
            .await;
        if reply.code() != 200 {
            bail!("repricing a ticket answered {}: {}", reply.code(), reply.body);
        }
        writes.push(Write { id, version: reply.body["version"].as_u64().context("version")?, sent });
    }
    tokio::time::sleep(GRACE).await;
    stop.store(true, Ordering::Relaxed);
    let mut received = Vec::with_capacity(SUBSCRIBERS);
    for listener in listeners {
        received.push(listener.await?);
    }
    Ok(tally(&writes, &received))
}

/// One stream, retried while the service is still confirming its NATS
/// subscriptions (503, contract 3.5).
async fn subscribe(base: &str) -> anyhow::Result<SseStream> {
    for _ in 0..20 {
        match SseStream::open(base, "/api/tickets/updates", None).await {
            Opened::Stream(stream) => return Ok(stream),
            Opened::Refused(status, _) if status == 503 => tokio::time::sleep(Duration::from_millis(250)).await,
            Opened::Refused(status, body) => bail!("the ticket stream answered {status}: {body}"),
        }
    }
    bail!("the ticket stream stayed unavailable")
}

impl LiveLatency {
    /// The report's section.
    pub(crate) fn markdown(&self) -> String {
        format!(
            "\n## Live updates\n\n{SUBSCRIBERS} subscribers to `GET /api/tickets/updates` through the gateway while a \
             seller makes {CHANGES} changes, one every {} ms (half new tickets, half price edits): the time from just \
             before each write's request until each subscriber has its `event: ticket` (the live client's goal: \
             within 1 s). Missed: a change a subscriber had not received {} s after the last write.\n\n\
             | Measure | p50 (ms) | p99 (ms) | Max (ms) | Delivered | Missed |\n|---|---:|---:|---:|---:|---:|\n\
             | A change until each subscriber has it | {:.1} | {:.1} | {:.1} | {} | {} |\n",
            PACE.as_millis(),
            GRACE.as_secs(),
            self.latency.p50,
            self.latency.p99,
            self.max,
            self.latency.n,
            self.missed
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;
    use test_support::SseEvent;

    use super::{Receipt, Write, receipt, tally};

    fn event(name: &str, data: serde_json::Value) -> SseEvent {
        SseEvent { name: name.to_owned(), data }
    }

    #[test]
    fn only_ticket_events_with_an_id_and_a_version_are_receipts() {
        let at = Instant::now();
        let ticket = event("ticket", json!({"id": "a1", "version": 3, "title": "x"}));
        assert_eq!(receipt(&ticket, at), Some(Receipt { id: "a1".into(), version: 3, at }));
        assert_eq!(receipt(&event("order", json!({"id": "a1", "version": 3})), at), None);
        assert_eq!(receipt(&event("ticket", json!({"id": "a1"})), at), None);
        assert_eq!(receipt(&event("ticket", json!({"id": 7, "version": 1})), at), None);
    }

    #[test]
    fn each_pair_counts_its_first_copy_and_an_absent_one_is_missed() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let writes =
            [Write { id: "a".into(), version: 0, sent: t0 }, Write { id: "a".into(), version: 1, sent: ms(100) }];
        let got = |id: &str, version, at| Receipt { id: id.into(), version, at };
        let subscribers = [
            // Both changes, the first relayed twice, and someone else's.
            vec![got("a", 0, ms(10)), got("a", 0, ms(500)), got("b", 0, ms(20)), got("a", 1, ms(130))],
            // Only the first change.
            vec![got("a", 0, ms(40))],
        ];
        let live = tally(&writes, &subscribers);
        assert_eq!((live.latency.n, live.missed), (3, 1));
        assert!((live.latency.p50 - 30.0).abs() < 1e-6, "{live:?}");
        assert!((live.max - 40.0).abs() < 1e-6, "{live:?}");
    }

    #[test]
    fn an_event_seen_before_its_write_was_timed_counts_as_instant() {
        let t0 = Instant::now();
        let writes = [Write { id: "a".into(), version: 0, sent: t0 + Duration::from_millis(5) }];
        let live = tally(&writes, &[vec![Receipt { id: "a".into(), version: 0, at: t0 }]]);
        assert_eq!((live.latency.n, live.missed, live.max), (1, 0, 0.0));
    }

    #[test]
    fn nothing_delivered_reads_as_no_figure_and_all_missed() {
        let writes = [Write { id: "a".into(), version: 0, sent: Instant::now() }];
        let live = tally(&writes, &[Vec::new(), Vec::new()]);
        assert_eq!(live.missed, 2);
        assert!(live.max.is_nan() && live.latency.p50.is_nan());
    }
}
