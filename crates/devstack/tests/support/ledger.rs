//! The money invariant (issue 21), read from the fake Stripe's own lists:
//! for each order, what its succeeded charges took minus what was refunded
//! equals its price when the order is `complete`, and 0 otherwise; and no
//! charge belongs to an order that none of the buyers has.

use std::{collections::HashMap, time::Duration};

use serde_json::Value;
use test_support::ApiClient;

/// How long the ledger may take to balance: settling runs in the
/// background (reconciler, refunds) within 30 s of the last fault, plus the
/// events that tell orders.
const BALANCES_WITHIN: Duration = Duration::from_secs(45);

/// Waits until every order of `buyers` balances at the fake Stripe, and
/// fails with the last imbalance seen if it does not.
pub async fn assert_money_reconciles(api: &ApiClient, fake_stripe: &str, buyers: &[String]) {
    let deadline = tokio::time::Instant::now() + BALANCES_WITHIN;
    loop {
        let Some(imbalance) = imbalance(api, fake_stripe, buyers).await else { return };
        assert!(tokio::time::Instant::now() < deadline, "money does not reconcile: {imbalance}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What does not balance now, if anything.
async fn imbalance(api: &ApiClient, fake_stripe: &str, buyers: &[String]) -> Option<String> {
    // Each order's status and price (cents), as its buyer sees it.
    let mut orders: HashMap<String, (String, i64)> = HashMap::new();
    for buyer in buyers {
        let reply = api.get("/api/orders", Some(buyer)).await;
        assert_eq!(reply.code(), 200, "{:?}", reply.body);
        for order in reply.body.as_array().cloned().unwrap_or_default() {
            let price = (order["price"].as_f64().expect("orders carry their price") * 100.0).round() as i64;
            let status = order["status"].as_str().unwrap_or_default().to_owned();
            orders.insert(order["id"].as_str().unwrap().to_owned(), (status, price));
        }
    }
    let mut refunded: HashMap<String, i64> = HashMap::new();
    for refund in refunds(fake_stripe).await.iter().filter(|refund| refund["status"] == "succeeded") {
        *refunded.entry(refund["charge"].as_str().unwrap().to_owned()).or_default() +=
            refund["amount"].as_i64().unwrap();
    }
    let mut held: HashMap<String, i64> = HashMap::new();
    for charge in super::charges(fake_stripe).await.iter().filter(|charge| charge["status"] == "succeeded") {
        let order = charge["metadata"]["orderId"].as_str().unwrap_or_default().to_owned();
        if !orders.contains_key(&order) {
            return Some(format!("charge {} is for no known order ({order:?})", charge["id"]));
        }
        let kept = charge["amount"].as_i64().unwrap() - refunded.get(charge["id"].as_str().unwrap()).unwrap_or(&0);
        *held.entry(order).or_default() += kept;
    }
    for (id, (status, price)) in &orders {
        let expected = if status == "complete" { *price } else { 0 };
        let kept = held.get(id).copied().unwrap_or(0);
        if kept != expected {
            return Some(format!("order {id} is {status} at {price} cents but Stripe keeps {kept} for it"));
        }
    }
    None
}

/// Every refund at the fake (it answers one page; asserted to be all).
async fn refunds(fake_stripe: &str) -> Vec<Value> {
    let reply: Value = reqwest::Client::new()
        .get(format!("{fake_stripe}/v1/refunds?limit=100"))
        .bearer_auth("sk_test_fake")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = reply["data"].as_array().cloned().unwrap_or_default();
    assert!(data.len() < 100 && reply["has_more"] == false, "100 refunds or more: page through them");
    data
}
