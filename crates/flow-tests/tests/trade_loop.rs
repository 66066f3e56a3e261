//! The trade loop across services: tickets and orders, each a real service
//! on port 0 with its own store, meeting only through one private NATS.
//!
//! A seller lists a ticket; orders learns of it and takes an order; tickets
//! reserves it (so the seller can no longer edit it); the buyer cancels;
//! tickets releases it (editable again); another buyer orders it again.
//!
//! The loop runs once on SQLite and once (`mongo::…`) on the MongoDB-wire
//! server at `MONGO_URL`, the adapter every Kubernetes deployment uses.

use std::time::Duration;

use common::config::{BaseSettings, DatabaseUrl, Secret};
use serde_json::{Value, json};
use test_support::{
    ApiClient, Backend, Reply, RunningService, TEST_JWT_KEY, TestNats, TestStore, eventually, init_test_tracing,
    session_cookie,
};

/// Patience for one hop across the bus (publish, consume, apply).
const PATIENCE: Duration = Duration::from_secs(15);

/// Both services, running against one NATS server.
struct Stack {
    tickets: ApiClient,
    orders: ApiClient,
    /// Kept so the services run until the test ends.
    _running: (RunningService, RunningService),
    _nats: TestNats,
    _stores: (TestStore, TestStore),
}

async fn start_stack(backend: Backend) -> Stack {
    init_test_tracing();
    let nats = TestNats::start();
    let (tickets_store, orders_store) = (TestStore::on(backend, "tickets"), TestStore::on(backend, "orders"));
    let loopback = "127.0.0.1:0".parse().unwrap();

    let base = |database: &DatabaseUrl| BaseSettings {
        addr: loopback,
        database: database.clone(),
        nats: nats.settings(),
        jwt_key: Secret::new(TEST_JWT_KEY),
    };
    let tickets_app =
        tickets::startup::Application::build(tickets::config::Settings { base: base(&tickets_store.url) })
            .await
            .expect("tickets builds");
    let orders_app = orders::startup::Application::build(orders::config::Settings {
        base: base(&orders_store.url),
        expiration_window: Duration::from_secs(600),
        sweep: orders::sweeper::Sweep::default(),
    })
    .await
    .expect("orders builds");

    let tickets = RunningService::spawn(tickets_app.port(), |stop| tickets_app.run_until_stopped(stop)).ready().await;
    let orders = RunningService::spawn(orders_app.port(), |stop| orders_app.run_until_stopped(stop)).ready().await;
    Stack {
        tickets: tickets.api.clone(),
        orders: orders.api.clone(),
        _running: (tickets, orders),
        _nats: nats,
        _stores: (tickets_store, orders_store),
    }
}

impl Stack {
    async fn ticket(&self, id: &str) -> Value {
        let reply = self.tickets.get(&format!("/api/tickets/{id}"), None).await;
        assert_eq!(reply.code(), 200, "{:?}", reply.body);
        reply.body
    }

    /// Waits until the tickets service shows ticket `id` satisfying `check`.
    async fn wait_for_ticket(&self, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        eventually(PATIENCE, what, || async {
            let ticket = self.ticket(id).await;
            check(&ticket).then_some(ticket)
        })
        .await
    }

    /// Orders ticket `id` as `cookie`, once orders' replica knows the ticket
    /// (until then orders answers 404: the `ticket.created` is on its way).
    async fn order_when_orderable(&self, cookie: &str, id: &str) -> Reply {
        eventually(PATIENCE, "orders knows the ticket", || async {
            let reply = self.orders.post("/api/orders", Some(cookie), &json!({ "ticketId": id })).await;
            (reply.code() != 404).then_some(reply)
        })
        .await
    }

    async fn edit(&self, cookie: &str, id: &str, title: &str, price: Value) -> Reply {
        self.tickets.put(&format!("/api/tickets/{id}"), Some(cookie), &json!({ "title": title, "price": price })).await
    }
}

fn message(reply: &Reply) -> &str {
    reply.body["errors"][0]["message"].as_str().unwrap_or_default()
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_ticket_is_listed_ordered_reserved_cancelled_released_and_ordered_again() {
        super::the_trade_loop(super::Backend::Sqlite).await;
    }
}

mod mongo {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_ticket_is_listed_ordered_reserved_cancelled_released_and_ordered_again() {
        super::the_trade_loop(super::Backend::Mongo).await;
    }
}

async fn the_trade_loop(backend: Backend) {
    let stack = start_stack(backend).await;
    let (seller, seller_cookie) = session_cookie("seller@test.com");
    let (buyer, buyer_cookie) = session_cookie("buyer@test.com");
    let (_, second_cookie) = session_cookie("second@test.com");

    // The seller lists a ticket.
    let listed =
        stack.tickets.post("/api/tickets", Some(&seller_cookie), &json!({"title": "concert", "price": 20})).await;
    assert_eq!(listed.code(), 201, "{:?}", listed.body);
    assert_eq!(listed.body["userId"], json!(seller));
    let ticket_id = listed.body["id"].as_str().unwrap().to_owned();
    assert!(listed.body.get("orderId").is_none(), "a new ticket is free");

    // Orders learns of it through ticket.created, and the buyer orders it.
    let ordered = stack.order_when_orderable(&buyer_cookie, &ticket_id).await;
    assert_eq!(ordered.code(), 201, "{:?}", ordered.body);
    let order_id = ordered.body["id"].as_str().unwrap().to_owned();
    assert_eq!(ordered.body["userId"], json!(buyer));
    assert_eq!(ordered.body["ticket"], json!({"id": ticket_id, "title": "concert", "price": 20, "version": 0}));

    // Tickets reserves it through order.created: the seller cannot edit it.
    stack.wait_for_ticket(&ticket_id, "tickets reserves the ticket", |t| t["orderId"] == json!(order_id)).await;
    let refused = stack.edit(&seller_cookie, &ticket_id, "concert (moved)", json!(25)).await;
    assert_eq!((refused.code(), message(&refused)), (400, "Cannot edit a reserved ticket"));
    let taken = stack.orders.post("/api/orders", Some(&second_cookie), &json!({ "ticketId": ticket_id })).await;
    assert_eq!((taken.code(), message(&taken)), (400, "Ticket is already reserved"));

    // The buyer cancels; tickets releases it through order.cancelled.
    let cancelled = stack.orders.delete(&format!("/api/orders/{order_id}"), Some(&buyer_cookie)).await;
    assert_eq!(cancelled.code(), 204, "{:?}", cancelled.body);
    let released =
        stack.wait_for_ticket(&ticket_id, "tickets releases the ticket", |t| t.get("orderId").is_none()).await;
    assert_eq!(released["version"], json!(2), "reserved (v1), then released (v2)");

    // The seller can edit it again, and orders' replica follows.
    let edited = stack.edit(&seller_cookie, &ticket_id, "concert (moved)", json!(25.5)).await;
    assert_eq!(edited.code(), 200, "{:?}", edited.body);
    assert_eq!((edited.body["title"].clone(), edited.body["version"].clone()), (json!("concert (moved)"), json!(3)));

    let followed = eventually(PATIENCE, "orders' replica follows the edit (v3)", || async {
        let reply = stack.orders.get(&format!("/api/orders/{order_id}"), Some(&buyer_cookie)).await;
        (reply.body["ticket"]["version"] == json!(3)).then_some(reply)
    })
    .await;
    assert_eq!(followed.body["status"], json!("cancelled"), "the first order stays cancelled");
    assert_eq!(
        followed.body["ticket"],
        json!({"id": ticket_id, "title": "concert (moved)", "price": 25.5, "version": 3})
    );

    // Another buyer orders it again, at the new price.
    let again = stack.orders.post("/api/orders", Some(&second_cookie), &json!({ "ticketId": ticket_id })).await;
    assert_eq!(again.code(), 201, "{:?}", again.body);
    let second_order = again.body["id"].as_str().unwrap().to_owned();
    assert_ne!(second_order, order_id);
    assert_eq!(again.body["ticket"], json!({"id": ticket_id, "title": "concert (moved)", "price": 25.5, "version": 3}));
    stack
        .wait_for_ticket(&ticket_id, "tickets reserves it for the second order", |t| {
            t["orderId"] == json!(second_order)
        })
        .await;
    let refused_again = stack.edit(&seller_cookie, &ticket_id, "concert (again)", json!(30)).await;
    assert_eq!((refused_again.code(), message(&refused_again)), (400, "Cannot edit a reserved ticket"));
}
