//! The fake Stripe's money-reconciling parts over real HTTP: charge search,
//! refunds (read by the real async-stripe client), and the fault tokens.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use stripe::{ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest as _};
use stripe_core::{charge::SearchCharge, refund::CreateRefund};
use test_support::FakeStripe;

async fn post(fake: &FakeStripe, path: &str, key: Option<&str>, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = Client::new().post(format!("{}{path}", fake.url())).bearer_auth(FakeStripe::SECRET_KEY);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.form(form).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn charge(fake: &FakeStripe, token: &str, order: &str) -> String {
    let form = [("amount", "1999"), ("currency", "usd"), ("source", token), ("metadata[orderId]", order)];
    let (status, body) = post(fake, "v1/charges", None, &form).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

fn stripe_client(fake: &FakeStripe) -> stripe::Client {
    ClientBuilder::new(FakeStripe::SECRET_KEY).url(fake.url()).build().unwrap()
}

#[tokio::test]
async fn charges_are_searched_by_metadata_with_the_real_client() {
    let fake = FakeStripe::start().await;
    let first = charge(&fake, "tok_visa", "order-1").await;
    charge(&fake, "tok_visa", "order-2").await;
    let second = charge(&fake, "tok_visa", "order-1").await;

    let found = SearchCharge::new("metadata['orderId']:'order-1'").send(&stripe_client(&fake)).await.unwrap();
    let ids: Vec<&str> = found.data.iter().map(|charge| charge.id.as_str()).collect();
    assert_eq!(ids, [second.as_str(), first.as_str()], "newest first, only order-1's");
    let response = Client::new()
        .get(format!("{}v1/charges/search?query=amount%3E10", fake.url()))
        .bearer_auth(FakeStripe::SECRET_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "other queries are not understood");
}

#[tokio::test]
async fn a_refund_gives_the_whole_charge_back_once_and_replays_under_its_key() {
    let fake = FakeStripe::start().await;
    let charge_id = charge(&fake, "tok_visa", "order-1").await;

    let key = IdempotencyKey::new(format!("refund-{charge_id}")).unwrap();
    let create = CreateRefund::new().charge(charge_id.as_str());
    let refund = create
        .customize()
        .request_strategy(RequestStrategy::Idempotent(key.clone()))
        .send(&stripe_client(&fake))
        .await
        .unwrap();
    assert_eq!(refund.amount, 1999);
    let replayed = create
        .customize()
        .request_strategy(RequestStrategy::Idempotent(key))
        .send(&stripe_client(&fake))
        .await
        .unwrap();
    assert_eq!(replayed.id, refund.id, "the same key replays the first refund");

    let charge = fake.charges().await.remove(0);
    assert_eq!((charge["amount_refunded"].as_i64(), charge["refunded"].as_bool()), (Some(1999), Some(true)));
    assert_eq!(charge["refunds"]["data"][0]["id"], refund.id.as_str());
    assert_eq!(fake.refunds().await.len(), 1);

    let (status, again) = post(&fake, "v1/refunds", Some("another-key"), &[("charge", &charge_id)]).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("charge_already_refunded")));
    let (status, unknown) = post(&fake, "v1/refunds", None, &[("charge", "ch_unknown")]).await;
    assert_eq!((status, unknown["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("resource_missing")));
    assert_eq!(fake.refunds().await.len(), 1, "refusals refund nothing");
}

#[tokio::test]
async fn a_partial_refund_leaves_the_rest_and_refunds_are_listed_by_charge() {
    let fake = FakeStripe::start().await;
    let (one, two) = (charge(&fake, "tok_visa", "o").await, charge(&fake, "tok_visa", "o").await);
    let (status, _) = post(&fake, "v1/refunds", None, &[("charge", &one), ("amount", "999")]).await;
    assert_eq!(status, 200);
    post(&fake, "v1/refunds", None, &[("charge", &two)]).await;
    let charge = fake.charges().await.into_iter().find(|charge| charge["id"] == one.as_str()).unwrap();
    assert_eq!((charge["amount_refunded"].as_i64(), charge["refunded"].as_bool()), (Some(999), Some(false)));

    let listed: Value = Client::new()
        .get(format!("{}v1/refunds?charge={one}", fake.url()))
        .bearer_auth(FakeStripe::SECRET_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["data"][0]["charge"], one.as_str());
}

#[tokio::test]
async fn a_lost_response_charges_and_closes_the_connection_and_its_key_replays_the_charge() {
    let fake = FakeStripe::start().await;
    let form = [("amount", "1999"), ("currency", "usd"), ("source", "tok_visa_lost_response")];
    let sent = Client::new()
        .post(format!("{}v1/charges", fake.url()))
        .bearer_auth(FakeStripe::SECRET_KEY)
        .header("Idempotency-Key", "lost-1")
        .form(&form)
        .send()
        .await;
    assert!(sent.is_err(), "no answer at all: {sent:?}");
    let charges = fake.charges().await;
    assert_eq!(charges.len(), 1, "but it charged");

    // Stripe saved the answer under the key: the retry gets the charge.
    let (status, body) = post(&fake, "v1/charges", Some("lost-1"), &form).await;
    assert_eq!((status, body["id"].clone()), (StatusCode::OK, charges[0]["id"].clone()));
}

#[tokio::test]
async fn a_slow_charge_is_made_at_once_and_answered_after_fifteen_seconds() {
    let fake = FakeStripe::start().await;
    let form = [("amount", "1999"), ("currency", "usd"), ("source", "tok_visa_slow")];
    let client = Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
    let sent = client.post(format!("{}v1/charges", fake.url())).bearer_auth(FakeStripe::SECRET_KEY).form(&form).send();
    let error = sent.await.expect_err("no answer within 2 s");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(fake.charges().await.len(), 1, "charged while the answer waits");
}
