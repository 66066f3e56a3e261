//! The order's own price and its refunds (issue 21): the price is fixed at
//! creation whatever the ticket costs later, and a `payment.refunded` shows
//! on the order as `refundedAmount`, once.

use common::{
    events::{PaymentRefunded, TicketUpdated},
    id::ObjectId,
    listener::Outcome,
    money::Cents,
};
use orders::refund::Refund;
use serde_json::json;
use test_support::{eventually, session_cookie};

use crate::helpers::{PATIENCE, spawn_app};

#[tokio::test]
async fn an_order_shows_the_price_fixed_at_creation_not_the_tickets_later_one() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "20").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let created = app.create_order(&cookie, &ticket.id).await;
    assert_eq!(created.body["price"], json!(20));
    let order = ObjectId::parse(created.body["id"].as_str().unwrap()).unwrap();

    let repriced = TicketUpdated {
        id: ticket.id.clone(),
        version: 1,
        title: "concert".into(),
        price: Cents(2550),
        user_id: ticket.user_id.clone(),
        order_id: Some(order.clone()),
        status: None,
    };
    app.publish(&repriced).await;
    app.wait_for_ticket(&ticket.id, "the new price reaches the replica", |t| t.version == 1).await;

    let shown = app.show_order(Some(&cookie), order.as_str()).await;
    assert_eq!((shown.body["price"].clone(), shown.body["ticket"]["price"].clone()), (json!(20), json!(25.5)));
    let listed = app.list_orders(Some(&cookie)).await;
    assert_eq!(listed.body[0]["price"], json!(20), "the list shows the same price");
    assert!(shown.body.get("refundedAmount").is_none(), "nothing refunded, nothing shown");
}

#[tokio::test]
async fn a_refund_shows_on_the_order_once_and_waits_for_an_unknown_order() {
    let app = spawn_app().await;
    let ticket = app.seed_ticket("concert", "19.99").await;
    let (_, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&cookie, &ticket.id).await;
    assert_eq!(app.cancel_order(Some(&cookie), order.as_str()).await.code(), 204);

    let refund = PaymentRefunded {
        id: ObjectId::generate(),
        order_id: order.clone(),
        stripe_id: "ch_test_1".into(),
        refund_id: Some("re_test_1".into()),
        amount: Cents(1999),
    };
    app.publish(&refund).await;
    eventually(PATIENCE, "the refund is recorded", || async { app.store.get::<Refund>(&refund.id).await.unwrap() })
        .await;
    assert_eq!(app.deliver(&refund).await, Outcome::Done, "a redelivery is a duplicate");

    let shown = app.show_order(Some(&cookie), order.as_str()).await;
    assert_eq!(
        (shown.body["status"].as_str(), shown.body["refundedAmount"].clone()),
        (Some("cancelled"), json!(19.99))
    );
    let listed = app.list_orders(Some(&cookie)).await;
    assert_eq!(listed.body[0]["refundedAmount"], json!(19.99));

    let unknown = PaymentRefunded { id: ObjectId::generate(), order_id: ObjectId::generate(), ..refund };
    assert_eq!(app.deliver(&unknown).await, Outcome::NotYet);
}
