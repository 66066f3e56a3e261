//! `GET /api/tickets` without `limit` is streamed from the store in batches
//! (contract 3.2): more tickets than one batch come out whole, in id order,
//! filtered as asked, and the answer is written as it goes (no length up front).

use common::{id::ObjectId, money::Cents};
use serde_json::Value;
use tickets::ticket::Ticket;

use crate::helpers::{spawn_app, user};

/// More than two of the route's batches (256), and not a multiple of one.
const MANY: usize = 600;

fn ids(body: &Value) -> Vec<String> {
    body.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_list_longer_than_a_batch_streams_whole_in_id_order_with_its_filters() {
    let app = spawn_app().await;
    let (seller, _) = user();
    let (other, _) = user();
    let mut stored = Vec::new();
    for i in 0..MANY {
        let owner = if i % 3 == 0 { other.clone() } else { seller.clone() };
        let mut ticket = Ticket::new(format!("Ticket {i}"), Cents(1000 + i as i64), owner);
        if i % 5 == 0 {
            ticket = ticket.held_by(Some(ObjectId::generate()));
        }
        app.store.insert(&ticket, &[]).await.unwrap();
        stored.push(ticket);
    }
    stored.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let expect = |keep: &dyn Fn(&Ticket) -> bool| {
        stored.iter().filter(|t| keep(t)).map(|t| t.id.as_str().to_owned()).collect::<Vec<_>>()
    };

    let response = reqwest::get(format!("{}/api/tickets", app.api.base())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().get("content-length").is_none(), "streamed, so no length up front");
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).expect("one valid JSON array");
    assert_eq!(ids(&body), expect(&|_| true));
    let first = &stored[0];
    assert_eq!(body[0]["title"], first.title.as_str());
    assert_eq!(body[0].get("orderId").is_some(), first.order_id.is_some());

    let available = app.api.get("/api/tickets?status=available", None).await;
    assert_eq!(ids(&available.body), expect(&|t| t.order_id.is_none()));
    let reserved = app.api.get("/api/tickets?status=reserved", None).await;
    assert_eq!(ids(&reserved.body), expect(&|t| t.order_id.is_some()));
    let theirs = app.api.get(&format!("/api/tickets?userId={other}"), None).await;
    assert_eq!(ids(&theirs.body), expect(&|t| t.user_id == other));
    let middle = stored[300].id.as_str();
    let after = app.api.get(&format!("/api/tickets?after={middle}"), None).await;
    assert_eq!(ids(&after.body), expect(&|t| t.id.as_str() > middle));
    let nobody = app.api.get(&format!("/api/tickets?userId={}", ObjectId::generate()), None).await;
    assert_eq!(nobody.body, serde_json::json!([]));
}

#[tokio::test]
async fn a_list_that_fits_one_read_is_a_plain_body_and_frees_its_permit() {
    let app = spawn_app().await;
    let (seller, _) = user();
    for i in 0..3 {
        app.store.insert(&Ticket::new(format!("Ticket {i}"), Cents(1000), seller.clone()), &[]).await.unwrap();
    }
    // More requests, one after another, than the route has permits: a permit
    // kept by an answered list would hang one of them.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let rounds = cores * tickets::routes::list_tickets::LISTS_PER_CORE + 4;
    for _ in 0..rounds {
        let response = reqwest::get(format!("{}/api/tickets", app.api.base())).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("content-length").is_some(), "one read, so its length up front");
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(body.as_array().unwrap().len(), 3);
    }
}
