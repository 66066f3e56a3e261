//! Measurements that follow events through the system, over the gateway.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use common::{id::ObjectId, session::Sessions, timestamp::Timestamp};
use serde_json::json;
use test_support::ApiClient;

/// p50 and p99 of a sample, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spread {
    /// Median.
    pub(crate) p50: f64,
    /// 99th percentile.
    pub(crate) p99: f64,
    /// Sample size.
    pub(crate) n: usize,
}

/// Percentiles of `samples` (milliseconds).
pub(crate) fn spread(mut samples: Vec<f64>) -> Spread {
    samples.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        if samples.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1]
    };
    Spread { p50: pick(0.50), p99: pick(0.99), n: samples.len() }
}

/// A seller and a buyer with session cookies minted with the stack's key.
pub(crate) struct Users {
    /// Sells tickets.
    pub(crate) seller: String,
    /// Buys them.
    pub(crate) buyer: String,
    sessions: Sessions,
}

impl Users {
    /// Cookies signed with `jwt_key` (read from the stack's data folder).
    pub(crate) fn new(jwt_key: &str) -> Self {
        let sessions = Sessions::new(jwt_key, 3600, false);
        let seller = cookie(&sessions, "seller@bench.dev");
        let buyer = cookie(&sessions, "buyer@bench.dev");
        Self { seller, buyer, sessions }
    }

    /// A fresh user's cookie.
    pub(crate) fn another(&self, n: usize) -> String {
        cookie(&self.sessions, &format!("buyer{n}@bench.dev"))
    }
}

fn cookie(sessions: &Sessions, email: &str) -> String {
    let (token, _) = sessions.issue(&ObjectId::generate(), email).expect("signing");
    sessions.cookie_for(&token).to_str().expect("ascii").split(';').next().expect("pair").to_owned()
}

/// Creates a ticket and returns its id.
pub(crate) async fn sell(api: &ApiClient, seller: &str, title: &str) -> anyhow::Result<String> {
    let reply = api.post("/api/tickets", Some(seller), &json!({"title": title, "price": 25})).await;
    if reply.code() != 201 {
        bail!("cannot create a ticket: {} {}", reply.code(), reply.body);
    }
    Ok(reply.body["id"].as_str().context("ticket id")?.to_owned())
}

/// After the write load: how long until a ticket created now can be ordered,
/// that is until the outbox relay and the orders listener have worked through
/// the `ticket.created` backlog the load left behind.
pub(crate) async fn backlog_drain(api: &ApiClient, users: &Users) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let ticket = sell(api, &users.seller, "after the load").await?;
    loop {
        let reply = api.post("/api/orders", Some(&users.buyer), &json!({"ticketId": ticket})).await;
        match reply.code() {
            201 => return Ok(started.elapsed()),
            404 if started.elapsed() < Duration::from_secs(600) => tokio::time::sleep(Duration::from_millis(50)).await,
            code => bail!("ordering after the load answered {code}: {}", reply.body),
        }
    }
}

/// `POST /api/tickets` → orderable, and `POST /api/orders` → reserved, `runs` times.
pub(crate) async fn propagation(api: &ApiClient, users: &Users, runs: usize) -> anyhow::Result<(Spread, Spread)> {
    let (mut to_orderable, mut to_reserved) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let started = Instant::now();
        let ticket = sell(api, &users.seller, &format!("propagation {run}")).await?;
        let ordered = loop {
            let reply = api.post("/api/orders", Some(&users.buyer), &json!({"ticketId": ticket})).await;
            match reply.code() {
                201 => break Instant::now(),
                404 if started.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_millis(1)).await
                }
                code => bail!("ordering answered {code}: {}", reply.body),
            }
        };
        to_orderable.push(ordered.duration_since(started).as_secs_f64() * 1000.0);
        loop {
            let reply = api.get(&format!("/api/tickets/{ticket}"), None).await;
            if reply.body.get("orderId").is_some() {
                to_reserved.push(ordered.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            if ordered.elapsed() > Duration::from_secs(10) {
                bail!("ticket {ticket} was never reserved");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    Ok((spread(to_orderable), spread(to_reserved)))
}

/// How late after `expiresAt` orders are seen cancelled (window set by the stack).
pub(crate) async fn expiration_lateness(api: &ApiClient, users: &Users, orders: usize) -> anyhow::Result<Spread> {
    let mut placed = Vec::new();
    for n in 0..orders {
        let ticket = sell(api, &users.seller, &format!("expiry {n}")).await?;
        let reply = loop {
            let reply = api.post("/api/orders", Some(&users.buyer), &json!({"ticketId": ticket})).await;
            if reply.code() == 201 {
                break reply;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let expires = Timestamp::parse(reply.body["expiresAt"].as_str().context("expiresAt")?).context("expiresAt")?;
        placed.push((reply.body["id"].as_str().context("order id")?.to_owned(), expires));
    }
    let checks = placed.into_iter().map(|(order, expires)| {
        let (api, buyer) = (api.clone(), users.buyer.clone());
        async move {
            loop {
                let reply = api.get(&format!("/api/orders/{order}"), Some(&buyer)).await;
                if reply.body["status"] == "cancelled" {
                    let late = Timestamp::now().unix_millis() - expires.unix_millis();
                    return late as f64;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    Ok(spread(futures::future::join_all(checks).await))
}

/// `buyers` concurrent orders for one ticket: (winners, refused, elapsed).
pub(crate) async fn contention(
    api: &ApiClient,
    users: &Users,
    buyers: usize,
) -> anyhow::Result<(usize, usize, Duration)> {
    let ticket = sell(api, &users.seller, "contended").await?;
    // Wait until orders knows the ticket, with a buyer who then cancels.
    let probe = users.another(usize::MAX);
    let probe_order = loop {
        let reply = api.post("/api/orders", Some(&probe), &json!({"ticketId": ticket})).await;
        if reply.code() == 201 {
            break reply.body["id"].as_str().context("order id")?.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    api.delete(&format!("/api/orders/{probe_order}"), Some(&probe)).await;
    let cookies: Vec<String> = (0..buyers).map(|n| users.another(n)).collect();
    let started = Instant::now();
    let attempts = cookies.iter().map(|cookie| {
        let (api, ticket) = (api.clone(), ticket.clone());
        async move { api.post("/api/orders", Some(cookie), &json!({"ticketId": ticket})).await }
    });
    let replies = futures::future::join_all(attempts).await;
    let elapsed = started.elapsed();
    let winners = replies.iter().filter(|r| r.code() == 201).count();
    let refused = replies
        .iter()
        .filter(|r| r.code() == 400 && r.body["errors"][0]["message"] == "Ticket is already reserved")
        .count();
    Ok((winners, refused, elapsed))
}

/// Signin time for a wrong password and for an unknown email, `runs` each,
/// interleaved so both see the same machine load. The two must be close:
/// otherwise timing tells an attacker which emails have accounts.
pub(crate) async fn signin_timing(api: &ApiClient, runs: usize) -> anyhow::Result<(Spread, Spread)> {
    // Auth locks an email out after 10 failed signins, so each account takes
    // fewer than that.
    const PER_ACCOUNT: usize = 9;
    let account = |n: usize| format!("timing{}@bench.dev", n / PER_ACCOUNT);
    for n in (0..runs).step_by(PER_ACCOUNT) {
        let signup = api.post("/api/users/signup", None, &json!({"email": account(n), "password": "right-pw"})).await;
        if signup.code() != 201 {
            bail!("signup for the timing run failed: {:?}", signup.body);
        }
    }
    let (mut wrong, mut unknown) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for n in 0..runs {
        let (known, nobody) = (account(n), format!("nobody{n}@bench.dev"));
        for (email, samples) in [(known.as_str(), &mut wrong), (nobody.as_str(), &mut unknown)] {
            let started = Instant::now();
            let reply =
                api.post("/api/users/signin", None, &json!({"email": email, "password": format!("no{n}")})).await;
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
            if reply.code() != 400 {
                bail!("signin for {email} answered {}", reply.code());
            }
        }
    }
    Ok((spread(wrong), spread(unknown)))
}
