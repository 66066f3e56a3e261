//! A Stripe that cannot be used: 502 `Payment provider unavailable`, and
//! nothing stored, whatever the reason.

use std::time::Duration;

use common::{config::Secret, money::Cents};
use serde_json::json;
use test_support::{EventProbe, free_port, session_cookie};

use crate::helpers::{TestApp, spawn_app_with};

async fn assert_unavailable_and_nothing_stored(app: &TestApp) {
    let (buyer, cookie) = session_cookie("buyer@test.com");
    let order = app.open_order(&buyer, Cents(2000)).await;
    let mut probe = EventProbe::subscribe(&app.nats.url(), "payment.>").await;

    let reply = app.pay(&cookie, "tok_visa", &order.id).await;
    assert_eq!(reply.code(), 502);
    assert_eq!(reply.body, json!({"errors":[{"message":"Payment provider unavailable"}]}));
    app.assert_nothing_stored().await;
    assert!(probe.drain(Duration::from_millis(1000)).await.is_empty(), "no payment.created");
    assert!(app.order(&order.id).await.is_some(), "the order is still there to pay later");
}

#[tokio::test]
async fn an_unreachable_stripe_gives_502() {
    // Nothing listens on a fresh free port.
    let closed = format!("http://127.0.0.1:{}/", free_port());
    let app = spawn_app_with(|settings| settings.stripe.api_base = closed).await;
    assert_unavailable_and_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_key_stripe_refuses_gives_502() {
    let app = spawn_app_with(|settings| settings.stripe.key = Secret::new("sk_live_not_accepted")).await;
    assert_unavailable_and_nothing_stored(&app).await;
    assert!(app.stripe.charges().await.is_empty(), "nothing was charged");
}

#[tokio::test]
async fn a_stripe_that_does_not_answer_in_time_gives_502() {
    // Accepts connections (the kernel's backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", silent.local_addr().unwrap());
    let app = spawn_app_with(|settings| {
        settings.stripe.api_base = base;
        settings.stripe.timeout = Duration::from_millis(300);
    })
    .await;
    assert_unavailable_and_nothing_stored(&app).await;
    drop(silent);
}
