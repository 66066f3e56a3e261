//! Pins the JSON of every event: other teams' services read these bytes.

use serde_json::json;

use super::*;
use crate::{id::ObjectId, money::Cents, timestamp::Timestamp};

fn id(hex: &str) -> ObjectId {
    ObjectId::parse(hex).unwrap()
}

const TICKET: &str = "6561a0f0a1b2c3d4e5f60718";
const USER: &str = "6561a0c0f1e2d3c4b5a69788";
const ORDER: &str = "6561a1d2e3f4a5b6c7d8e9f0";

fn assert_pinned<E: Event + std::fmt::Debug + PartialEq>(event: &E, expected: serde_json::Value, message_id: &str) {
    let written: serde_json::Value = serde_json::from_str(&Outgoing::of(event).payload).unwrap();
    assert_eq!(written, expected, "{} JSON", E::SUBJECT);
    assert_eq!(&serde_json::from_value::<E>(expected).unwrap(), event, "{} reads back", E::SUBJECT);
    assert_eq!(event.message_id(), message_id);
}

#[test]
fn ticket_created() {
    let event =
        TicketCreated { id: id(TICKET), version: 0, title: "concert".into(), price: Cents(2000), user_id: id(USER) };
    assert_pinned(
        &event,
        json!({"id":TICKET,"version":0,"title":"concert","price":20,"userId":USER}),
        "ticket.created:6561a0f0a1b2c3d4e5f60718:0",
    );
}

#[test]
fn ticket_updated_carries_order_id_only_while_reserved() {
    let mut event = TicketUpdated {
        id: id(TICKET),
        version: 2,
        title: "concert".into(),
        price: Cents(1999),
        user_id: id(USER),
        order_id: Some(id(ORDER)),
        status: None,
    };
    assert_pinned(
        &event,
        json!({"id":TICKET,"version":2,"title":"concert","price":19.99,"userId":USER,"orderId":ORDER}),
        "ticket.updated:6561a0f0a1b2c3d4e5f60718:2",
    );
    event.order_id = None;
    event.version = 3;
    assert_pinned(
        &event,
        json!({"id":TICKET,"version":3,"title":"concert","price":19.99,"userId":USER}),
        "ticket.updated:6561a0f0a1b2c3d4e5f60718:3",
    );
    assert_eq!(event.status(), TicketStatus::Available, "an event without status reads it from orderId");
}

#[test]
fn ticket_updated_names_a_sold_ticket() {
    let event = TicketUpdated {
        id: id(TICKET),
        version: 4,
        title: "concert".into(),
        price: Cents(1999),
        user_id: id(USER),
        order_id: Some(id(ORDER)),
        status: Some(TicketStatus::Sold),
    };
    assert_pinned(
        &event,
        json!({"id":TICKET,"version":4,"title":"concert","price":19.99,"userId":USER,"orderId":ORDER,"status":"sold"}),
        "ticket.updated:6561a0f0a1b2c3d4e5f60718:4",
    );
    let legacy: TicketUpdated = serde_json::from_value(
        json!({"id":TICKET,"version":2,"title":"concert","price":19.99,"userId":USER,"orderId":ORDER}),
    )
    .unwrap();
    assert_eq!(legacy.status(), TicketStatus::Reserved);
}

#[test]
fn order_created_matches_the_contract_example() {
    let event = OrderCreated {
        id: id(ORDER),
        version: 0,
        status: OrderStatus::Created,
        user_id: id(USER),
        expires_at: Timestamp::parse("2026-11-24T10:01:00.000Z").unwrap(),
        ticket: OrderTicketSnapshot { id: id(TICKET), price: Cents(1999) },
    };
    let contract = r#"{"id":"6561a1d2e3f4a5b6c7d8e9f0","version":0,"status":"created","userId":"6561a0c0f1e2d3c4b5a69788","expiresAt":"2026-11-24T10:01:00.000Z","ticket":{"id":"6561a0f0a1b2c3d4e5f60718","price":19.99}}"#;
    assert_eq!(Outgoing::of(&event).payload, contract, "byte-for-byte the contract's example");
    assert_pinned(&event, serde_json::from_str(contract).unwrap(), "order.created:6561a1d2e3f4a5b6c7d8e9f0:0");
}

#[test]
fn order_cancelled() {
    let event = OrderCancelled { id: id(ORDER), version: 1, ticket: OrderTicketRef { id: id(TICKET) } };
    assert_pinned(
        &event,
        json!({"id":ORDER,"version":1,"ticket":{"id":TICKET}}),
        "order.cancelled:6561a1d2e3f4a5b6c7d8e9f0:1",
    );
}

#[test]
fn expiration_complete() {
    let event = ExpirationComplete { order_id: id(ORDER) };
    assert_pinned(&event, json!({"orderId":ORDER}), "expiration.complete:6561a1d2e3f4a5b6c7d8e9f0");
}

#[test]
fn payment_created() {
    let payment = "6561a2a2a2a2a2a2a2a2a2a2";
    let event = PaymentCreated { id: id(payment), order_id: id(ORDER), stripe_id: "ch_123".into() };
    assert_pinned(
        &event,
        json!({"id":payment,"orderId":ORDER,"stripeId":"ch_123"}),
        "payment.created:6561a2a2a2a2a2a2a2a2a2a2",
    );
}

#[test]
fn consumers_ignore_unknown_fields_and_refuse_incomplete_payloads() {
    let extra = json!({"orderId":ORDER,"reason":"timeout","__v":0});
    assert!(serde_json::from_value::<ExpirationComplete>(extra).is_ok());
    let missing = json!({"id":ORDER,"version":1});
    assert!(serde_json::from_value::<OrderCancelled>(missing).is_err());
    let bad_status = json!({"id":ORDER,"version":0,"status":"weird","userId":USER,"expiresAt":"2026-11-24T10:01:00.000Z","ticket":{"id":TICKET,"price":1}});
    assert!(serde_json::from_value::<OrderCreated>(bad_status).is_err());
}

#[test]
fn order_statuses_use_the_original_spelling() {
    for (status, text) in [
        (OrderStatus::Created, "created"),
        (OrderStatus::AwaitingPayment, "awaiting:payment"),
        (OrderStatus::Cancelled, "cancelled"),
        (OrderStatus::Complete, "complete"),
    ] {
        assert_eq!(serde_json::to_value(status).unwrap(), json!(text));
        assert_eq!(status.as_str(), text);
    }
    assert!(OrderStatus::AwaitingPayment.is_open() && !OrderStatus::Complete.is_open());
}

#[test]
fn payment_refunded() {
    let event = PaymentRefunded {
        id: id(USER),
        order_id: id(ORDER),
        stripe_id: "ch_1".into(),
        refund_id: Some("re_1".into()),
        amount: Cents(1999),
    };
    assert_pinned(
        &event,
        json!({"id":USER,"orderId":ORDER,"stripeId":"ch_1","refundId":"re_1","amount":19.99}),
        "payment.refunded:6561a0c0f1e2d3c4b5a69788",
    );
}
