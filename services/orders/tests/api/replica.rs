//! The ticket replica follows `ticket.created` / `ticket.updated` with the
//! version-1 rule: early updates wait, duplicates and stale ones are no-ops.

use common::{
    events::{TicketCreated, TicketUpdated},
    listener::Outcome,
    money::Cents,
};
use orders::ticket::Ticket;
use test_support::session_cookie;

use crate::helpers::{spawn_app, ticket_created};

fn update(ticket: &TicketCreated, version: i64, title: &str, price: i64) -> TicketUpdated {
    TicketUpdated {
        id: ticket.id.clone(),
        version,
        title: title.to_owned(),
        price: Cents(price),
        user_id: ticket.user_id.clone(),
        order_id: None,
        status: None,
    }
}

#[tokio::test]
async fn ticket_created_inserts_the_replica_once_and_a_duplicate_changes_nothing() {
    let app = spawn_app().await;
    let created = app.seed_ticket("concert", "19.99").await;
    let stored = app.ticket(&created.id).await.unwrap();
    assert_eq!(stored, Ticket { id: created.id.clone(), version: 0, title: "concert".into(), price_cents: 1999 });

    // The same ticket again, under a message id the stream's dedupe misses.
    let changed = TicketCreated { title: "other".into(), ..created.clone() };
    app.publish_as(&changed, "redelivered-copy").await;
    app.wait_for_acks("ticket.created", 2).await;
    assert_eq!(app.ticket(&created.id).await, Some(stored), "the duplicate is acked and ignored");
}

#[tokio::test]
async fn an_update_that_arrives_before_its_predecessor_waits_and_the_replica_ends_at_the_latest() {
    let app = spawn_app().await;
    let created = app.seed_ticket("concert", "20").await;

    app.publish(&update(&created, 2, "v2", 3000)).await;
    app.publish(&update(&created, 1, "v1", 2500)).await;

    let ticket = app.wait_for_ticket(&created.id, "the replica reaches v2", |t| t.version == 2).await;
    assert_eq!((ticket.title.as_str(), ticket.price_cents), ("v2", 3000));
    assert_eq!(app.consumed("ticket.updated", "dead_letter").await, 0, "nothing was dropped");
}

#[tokio::test]
async fn an_update_before_the_ticket_itself_waits_for_it() {
    let app = spawn_app().await;
    let created = ticket_created("concert", "20");

    app.publish(&update(&created, 1, "renamed", 2100)).await;
    app.publish(&created).await;

    let ticket = app.wait_for_ticket(&created.id, "the early update is applied", |t| t.version == 1).await;
    assert_eq!((ticket.title.as_str(), ticket.price_cents), ("renamed", 2100));
}

#[tokio::test]
async fn duplicate_and_stale_updates_change_nothing() {
    let app = spawn_app().await;
    let created = app.seed_ticket("concert", "20").await;
    app.publish(&update(&created, 1, "v1", 2500)).await;
    app.publish(&update(&created, 2, "v2", 3000)).await;
    let at_two = app.wait_for_ticket(&created.id, "v2 applied", |t| t.version == 2).await;

    app.publish_as(&update(&created, 2, "v2 again", 9900), "copy-of-v2").await;
    app.publish_as(&update(&created, 1, "late v1", 100), "copy-of-v1").await;
    app.wait_for_acks("ticket.updated", 4).await;
    assert_eq!(app.ticket(&created.id).await, Some(at_two));
}

#[tokio::test]
async fn the_version_one_rule_decides_each_delivery() {
    let app = spawn_app().await;
    let created = ticket_created("concert", "20");
    assert_eq!(app.deliver(&update(&created, 1, "x", 1)).await, Outcome::NotYet, "unknown ticket");
    assert_eq!(app.deliver(&created).await, Outcome::Done);
    assert_eq!(app.deliver(&created).await, Outcome::Done, "a repeated creation");
    assert_eq!(app.deliver(&update(&created, 3, "x", 1)).await, Outcome::NotYet, "two versions ahead");
    assert_eq!(app.deliver(&update(&created, 1, "v1", 1500)).await, Outcome::Done);
    assert_eq!(app.deliver(&update(&created, 1, "again", 1)).await, Outcome::Done, "a duplicate");
    assert_eq!(app.deliver(&update(&created, 0, "stale", 1)).await, Outcome::Done, "stale");
    let stored = app.ticket(&created.id).await.unwrap();
    assert_eq!((stored.version, stored.title.as_str(), stored.price_cents), (1, "v1", 1500));
}

#[tokio::test]
async fn events_orders_has_no_handler_for_are_acked_at_once() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    assert_eq!(app.cancel_order(Some(&cookie), order.as_str()).await.code(), 204);

    // Our own order.created / order.cancelled come back on the unfiltered consumer.
    app.wait_for_acks("order.created", 1).await;
    app.wait_for_acks("order.cancelled", 1).await;
    assert_eq!(app.consumed("order.created", "retry").await, 0);
}
