//! Reliability of the whole stack under faults, through the launcher and the
//! gateway: NATS and Redis restarted mid-flow, services killed between a
//! write and its publish, hostile input on every route, and 200 buyers at
//! once. In every case no order, payment or event is lost or duplicated,
//! and at the end the money reconciles: each order's charges minus refunds
//! at the fake Stripe are its price when complete, 0 otherwise.
//!
//! `CHAOS_ROUNDS` (default 3) repeats the kill/restart steps; `scripts/chaos.sh`
//! runs these with more rounds than CI can afford.

mod support;

use std::time::Duration;

use nix::sys::signal::Signal;
use rand::{Rng as _, SeedableRng as _, rngs::StdRng};
use serde_json::{Value, json};
use support::{
    Running, assert_money_reconciles, assert_no_duplicates, charges, count, order, restarted, sell, settled_events,
    sign_up, signal, start, start_on, start_with_window, wait_for_status,
};
use test_support::{ApiClient, Backend, eventually};

fn rounds() -> usize {
    std::env::var("CHAOS_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
}

async fn pay(api: &ApiClient, buyer: &str, order_id: &str) -> u16 {
    let reply = eventually(Duration::from_secs(30), "payments knows the order", || async {
        let reply = api.post("/api/payments", Some(buyer), &json!({"token": "tok_visa", "orderId": order_id})).await;
        (reply.code() != 404 && reply.code() != 502 && reply.code() != 503).then_some(reply)
    })
    .await;
    if reply.code() != 201 {
        eprintln!("payment for {order_id} answered {}: {}", reply.code(), reply.body);
    }
    reply.code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_nats_mid_flow_loses_and_duplicates_nothing() {
    // A window long enough that no order expires while NATS is away: this
    // test is about events surviving the restart, not about expiry.
    let Running { mut stack, api, fake_stripe, nats_url, data: _data, .. } = start_with_window("120").await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;
    let mut paid_orders = Vec::new();
    let mut titles = Vec::new();
    for round in 0..rounds() {
        let first = sell(&api, &seller, &format!("Before {round}"), 10.0).await;
        let placed = order(&api, &buyer, &first).await;
        let order_id = placed["id"].as_str().unwrap().to_owned();

        // NATS goes down (the launcher restarts it); writes go on meanwhile.
        let pid = signal(&stack, "nats", Signal::SIGTERM);
        let during = sell(&api, &seller, &format!("During {round}"), 20.0).await;
        titles.push(during.clone());
        assert_eq!(pay(&api, &buyer, &order_id).await, 201);
        restarted(&stack, "nats", pid).await;

        wait_for_status(&api, &buyer, &order_id, "complete", Duration::from_secs(40)).await;
        let later = order(&api, &buyer, &during).await;
        assert_eq!(later["ticket"]["price"], json!(20), "the ticket written during the outage arrived");
        paid_orders.push(order_id);
    }
    let expected = [("ticket.created", 2 * rounds()), ("order.created", 2 * rounds()), ("payment.created", rounds())];
    let events = settled_events(&nats_url, &expected).await;
    assert_no_duplicates(&events);
    assert_eq!(count(&events, "ticket.created"), 2 * rounds());
    assert_eq!(count(&events, "order.created"), 2 * rounds());
    assert_eq!(count(&events, "payment.created"), rounds());
    assert_eq!(charges(&fake_stripe).await.len(), rounds(), "one charge per paid order");
    assert_money_reconciles(&api, &fake_stripe, &[buyer]).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_redis_keeps_pending_expirations() {
    let running = start().await;
    let Running { api, .. } = &running;
    let seller = sign_up(api, "seller@example.com").await;
    let buyer = sign_up(api, "buyer@example.com").await;
    let metrics = format!("http://127.0.0.1:{}/metrics", running.port("EXPIRATION_PORT"));
    let mut placed = Vec::new();
    for round in 0..rounds() {
        let ticket = sell(api, &seller, &format!("Expiring {round}"), 5.0).await;
        placed.push((ticket.clone(), order(api, &buyer, &ticket).await["id"].as_str().unwrap().to_owned()));
    }
    // Every job is in Redis before Redis goes down.
    eventually(Duration::from_secs(20), "the jobs are scheduled", || async {
        let text = reqwest::get(&metrics).await.ok()?.text().await.ok()?;
        text.contains(&format!("expiration_jobs_scheduled_total {}", rounds())).then_some(())
    })
    .await;
    let pid = signal(&running.stack, "redis", Signal::SIGTERM);
    restarted(&running.stack, "redis", pid).await;
    for (ticket, order_id) in &placed {
        wait_for_status(api, &buyer, order_id, "cancelled", Duration::from_secs(40)).await;
        eventually(Duration::from_secs(20), "the ticket is for sale again", || async {
            api.get(&format!("/api/tickets/{ticket}"), None).await.body.get("orderId").is_none().then_some(())
        })
        .await;
    }
    let events = settled_events(&running.nats_url, &[("order.cancelled", rounds())]).await;
    assert_no_duplicates(&events);
    assert_eq!(count(&events, "order.cancelled"), rounds());
    assert_money_reconciles(api, &running.fake_stripe, &[buyer]).await;
    let mut running = running;
    running.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_services_between_a_write_and_its_publish_loses_nothing() {
    kill_between_write_and_publish(Backend::Sqlite).await;
}

mod mongo {
    /// The same kills on the MongoDB adapter, whose outbox is embedded in
    /// each document rather than a table.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn killing_services_between_a_write_and_its_publish_loses_nothing() {
        super::kill_between_write_and_publish(super::Backend::Mongo).await;
    }
}

async fn kill_between_write_and_publish(backend: Backend) {
    // A long reservation window: the test is about events surviving the
    // kills, and three restarts on a loaded machine can outlast 3 s.
    let Running { mut stack, api, fake_stripe, nats_url, data: _data, .. } = start_on(backend, "60").await;
    let seller = sign_up(&api, "seller@example.com").await;
    let buyer = sign_up(&api, "buyer@example.com").await;
    for round in 0..rounds() {
        // tickets dies right after answering 201: its relay may not have run.
        let ticket = sell(&api, &seller, &format!("Kill {round}"), 15.0).await;
        let pid = signal(&stack, "tickets", Signal::SIGKILL);
        restarted(&stack, "tickets", pid).await;
        let placed = order(&api, &buyer, &ticket).await;
        let order_id = placed["id"].as_str().unwrap().to_owned();

        // orders dies right after its write; then payments right after its own.
        let pid = signal(&stack, "orders", Signal::SIGKILL);
        assert_eq!(pay(&api, &buyer, &order_id).await, 201);
        let payments_pid = signal(&stack, "payments", Signal::SIGKILL);
        restarted(&stack, "orders", pid).await;
        restarted(&stack, "payments", payments_pid).await;
        wait_for_status(&api, &buyer, &order_id, "complete", Duration::from_secs(40)).await;
        eventually(Duration::from_secs(20), "the ticket shows its order", || async {
            (api.get(&format!("/api/tickets/{ticket}"), None).await.body["orderId"] == json!(order_id)).then_some(())
        })
        .await;
    }
    let expected = [("ticket.created", rounds()), ("order.created", rounds()), ("payment.created", rounds())];
    let events = settled_events(&nats_url, &expected).await;
    assert_no_duplicates(&events);
    assert_eq!(count(&events, "ticket.created"), rounds());
    assert_eq!(count(&events, "order.created"), rounds());
    assert_eq!(count(&events, "payment.created"), rounds());
    assert_eq!(charges(&fake_stripe).await.len(), rounds());
    assert_money_reconciles(&api, &fake_stripe, &[buyer]).await;
    stack.stop().await;
}

/// A random JSON value, biased towards the shapes routes look at.
fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    let fields = ["title", "price", "email", "password", "ticketId", "orderId", "token"];
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 10f64.powi(rng.random_range(-5..20))),
        4 => json!("x".repeat(rng.random_range(0..300))),
        5 => json!(
            ["", " ", "🎫", "a@b.co", "tok_visa", "19.999", "-1", "6561a0c0f1e2d3c4b5a69788"][rng.random_range(0..8)]
        ),
        6 if depth < 3 => Value::Array((0..rng.random_range(0..4)).map(|_| random_json(rng, depth + 1)).collect()),
        _ if depth < 3 => {
            let mut object = serde_json::Map::new();
            for _ in 0..rng.random_range(0..6) {
                object.insert(fields[rng.random_range(0..fields.len())].to_owned(), random_json(rng, depth + 1));
            }
            Value::Object(object)
        }
        _ => json!(rng.random::<u32>()),
    }
}

fn random_body(rng: &mut StdRng) -> Vec<u8> {
    match rng.random_range(0..6) {
        0 => (0..rng.random_range(0..200)).map(|_| rng.random::<u8>()).collect(),
        1 => {
            let text = serde_json::to_vec(&random_json(rng, 0)).unwrap();
            let cut = rng.random_range(0..=text.len());
            text[..cut].to_vec()
        }
        2 => format!("{{\"title\":\"{}\"}}", "a".repeat(70 * 1024)).into_bytes(),
        _ => serde_json::to_vec(&random_json(rng, 0)).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_on_every_route_gets_a_4xx_never_a_5xx() {
    let Running { mut stack, api, data: _data, .. } = start().await;
    let seller = sign_up(&api, "seller@example.com").await;
    let ticket = sell(&api, &seller, "Target", 10.0).await;
    let placed = order(&api, &seller, &ticket).await;
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let garbage_cookie = "express:sess=eyJqd3QiOiJub3BlIn0=; express:sess=%%%";
    let routes: Vec<(&str, String)> = vec![
        ("POST", "/api/users/signup".into()),
        ("POST", "/api/users/signin".into()),
        ("POST", "/api/users/signout".into()),
        ("GET", "/api/users/currentuser".into()),
        ("GET", "/api/tickets".into()),
        ("POST", "/api/tickets".into()),
        ("GET", format!("/api/tickets/{ticket}")),
        ("PUT", format!("/api/tickets/{ticket}")),
        ("PUT", "/api/tickets/not-an-id".into()),
        ("GET", "/api/tickets/ZZZZZZZZZZZZZZZZZZZZZZZZ".into()),
        ("POST", "/api/orders".into()),
        ("GET", "/api/orders".into()),
        ("GET", format!("/api/orders/{order_id}")),
        ("DELETE", "/api/orders/6561a0c0f1e2d3c4b5a69788".into()),
        ("DELETE", "/api/orders/%00".into()),
        ("POST", "/api/payments".into()),
        ("PATCH", "/api/payments".into()),
    ];
    let mut rng = StdRng::seed_from_u64(0x7ac4e7);
    let iterations = 40 * rounds();
    for _ in 0..iterations {
        for (method, path) in &routes {
            let cookie = match rng.random_range(0..3) {
                0 => None,
                1 => Some(seller.as_str()),
                _ => Some(garbage_cookie),
            };
            let body = random_body(&mut rng);
            let reply = api.send_raw(method.parse().unwrap(), path, cookie, body.clone()).await;
            assert!(
                reply.code() < 500,
                "{method} {path} answered {} to {:?}: {}",
                reply.code(),
                String::from_utf8_lossy(&body),
                reply.body
            );
            if reply.code() >= 400 {
                let message = &reply.body["errors"][0]["message"];
                assert!(
                    message.is_string(),
                    "{method} {path}: a {} without the error shape: {}",
                    reply.code(),
                    reply.body
                );
            }
        }
    }
    // Everything still answers, and nothing was corrupted.
    let ticket_now = api.get(&format!("/api/tickets/{ticket}"), None).await;
    assert_eq!((ticket_now.code(), ticket_now.body["title"].clone()), (200, json!("Target")));
    assert_eq!(
        api.get("/api/users/currentuser", Some(&seller)).await.body["currentUser"]["email"],
        "seller@example.com"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_buyers_never_oversell() {
    let Running { mut stack, api, fake_stripe, nats_url, data: _data, .. } = start().await;
    let seller = sign_up(&api, "seller@example.com").await;
    let mut tickets = Vec::new();
    for n in 0..40 {
        let price = 10.0 + f64::from(n) + 0.99;
        tickets.push((sell(&api, &seller, &format!("Seat {n}"), price).await, price));
    }
    // Orders must know every ticket before the rush.
    let warm = sign_up(&api, "warm@example.com").await;
    for (ticket, _) in &tickets {
        let placed = order(&api, &warm, ticket).await;
        let reply = api.delete(&format!("/api/orders/{}", placed["id"].as_str().unwrap()), Some(&warm)).await;
        assert_eq!(reply.code(), 204);
    }
    let buyers: Vec<String> = futures::future::join_all((0..200).map(|n| {
        let api = api.clone();
        async move { sign_up(&api, &format!("buyer{n}@example.com")).await }
    }))
    .await;

    let attempts = buyers.iter().enumerate().map(|(n, buyer)| {
        let (api, ticket) = (api.clone(), tickets[n % tickets.len()].0.clone());
        async move {
            let reply = eventually(Duration::from_secs(30), "the released ticket is free again", || async {
                let reply = api.post("/api/orders", Some(buyer), &json!({"ticketId": ticket})).await;
                (reply.code() == 201 || reply.body["errors"][0]["message"] == "Ticket is already reserved")
                    .then_some(reply)
            })
            .await;
            if reply.code() != 201 {
                return None;
            }
            let order_id = reply.body["id"].as_str().unwrap().to_owned();
            let paid = pay(&api, buyer, &order_id).await;
            Some((buyer.clone(), order_id, ticket, paid))
        }
    });
    let outcomes: Vec<_> = futures::future::join_all(attempts).await.into_iter().flatten().collect();
    let paid: Vec<_> = outcomes.iter().filter(|(_, _, _, status)| *status == 201).collect();
    assert!(!paid.is_empty());
    let mut sold = std::collections::HashSet::new();
    for (buyer, order_id, ticket, _) in &paid {
        assert!(sold.insert(ticket.clone()), "ticket {ticket} was sold twice");
        wait_for_status(&api, buyer, order_id, "complete", Duration::from_secs(40)).await;
    }
    let charged = charges(&fake_stripe).await;
    assert_eq!(charged.len(), paid.len(), "charges equal paid orders");
    let charged_cents: i64 = charged.iter().map(|c| c["amount"].as_i64().unwrap()).sum();
    let paid_cents: i64 = paid
        .iter()
        .map(|(_, _, ticket, _)| {
            let price = tickets.iter().find(|(id, _)| id == ticket).unwrap().1;
            (price * 100.0).round() as i64
        })
        .sum();
    assert_eq!(charged_cents, paid_cents, "every charge is the exact ticket price");
    let events = settled_events(&nats_url, &[("payment.created", paid.len())]).await;
    assert_no_duplicates(&events);
    assert_eq!(count(&events, "payment.created"), paid.len());
    let everyone: Vec<String> = buyers.iter().cloned().chain([warm]).collect();
    assert_money_reconciles(&api, &fake_stripe, &everyone).await;
    stack.stop().await;
}
