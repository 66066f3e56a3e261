//! The fake Stripe over real HTTP: raw requests for the wire details, and the
//! real async-stripe client to prove that it understands every answer.

use std::collections::HashMap;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use stripe::{ApiErrorsType, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest as _};
use stripe_core::{
    ChargeStatus,
    charge::{CreateCharge, ListCharge, RetrieveCharge},
};
use stripe_types::Currency;
use test_support::FakeStripe;

/// What one raw request got back.
struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Value,
}

async fn post_charge(fake: &FakeStripe, key: Option<&str>, form: &[(&str, &str)]) -> Answer {
    let mut request = Client::new().post(format!("{}v1/charges", fake.url())).bearer_auth(FakeStripe::SECRET_KEY);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let body = serde_urlencoded::to_string(form).unwrap();
    let response = request.header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
    answer(response).await
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some_and(|value| value == "true");
    Answer { status, replayed, body: response.json().await.unwrap() }
}

fn charge_form(token: &str) -> Vec<(&str, &str)> {
    vec![("amount", "1999"), ("currency", "usd"), ("source", token), ("metadata[orderId]", "order-1")]
}

fn stripe_client(fake: &FakeStripe) -> stripe::Client {
    ClientBuilder::new(FakeStripe::SECRET_KEY).url(fake.url()).build().unwrap()
}

#[tokio::test]
async fn requests_without_a_test_secret_key_are_refused_with_an_authentication_error() {
    let fake = FakeStripe::start().await;
    let url = format!("{}v1/charges", fake.url());
    let cases = [
        (None, "no Authorization header"),
        (Some("Bearer sk_live_0123456789"), "a live key"),
        (Some("Bearer sk_test_"), "a test prefix with no key"),
        (Some("Basic c2tfdGVzdF94Og=="), "basic auth"),
    ];
    for (authorization, why) in cases {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let mut request =
                Client::new().request(method.clone(), &url).body("amount=1999&currency=usd&source=tok_visa");
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let Answer { status, body, .. } = answer(request.send().await.unwrap()).await;
            assert_eq!(status, 401, "{method} with {why}");
            assert_eq!(body["error"]["type"], "authentication_error", "{method} with {why}: {body}");
            assert!(body["error"]["message"].is_string(), "{method} with {why}: {body}");
        }
    }
    assert!(fake.charges().await.is_empty(), "nothing was charged");
}

#[tokio::test]
async fn tok_visa_is_charged_and_the_real_client_reads_the_charge_back() {
    let fake = FakeStripe::start().await;
    let client = stripe_client(&fake);
    let metadata = HashMap::from([("orderId".to_owned(), "6561a1d2e3f4a5b6c7d8e9f0".to_owned())]);
    let created = CreateCharge::new()
        .amount(1999)
        .currency(Currency::USD)
        .source("tok_visa")
        .description("Order 6561a1d2e3f4a5b6c7d8e9f0")
        .metadata(metadata.clone())
        .expand(vec!["balance_transaction".to_owned()]) // an unknown-to-the-fake parameter
        .send(&client)
        .await
        .expect("a complete charge object");
    assert!(created.id.as_str().starts_with("ch_"), "{}", created.id.as_str());
    assert_eq!((created.amount, created.currency, created.status), (1999, Currency::USD, ChargeStatus::Succeeded));
    assert!(created.paid && created.captured);
    assert_eq!(created.metadata, metadata, "bracket notation is decoded");
    assert_eq!(created.description.as_deref(), Some("Order 6561a1d2e3f4a5b6c7d8e9f0"));

    let retrieved = RetrieveCharge::new(created.id.clone()).send(&client).await.unwrap();
    assert_eq!((retrieved.id.as_str(), retrieved.amount), (created.id.as_str(), 1999));
    let listed = ListCharge::new().send(&client).await.expect("a Stripe list");
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].id.as_str(), created.id.as_str());
}

#[tokio::test]
async fn tok_charge_declined_gets_stripes_card_error() {
    let fake = FakeStripe::start().await;
    let raw = post_charge(&fake, None, &charge_form("tok_chargeDeclined")).await;
    assert_eq!(raw.status, 402);
    let expected = json!({"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}});
    assert_eq!(raw.body, expected);

    let error = CreateCharge::new()
        .amount(1999)
        .currency(Currency::USD)
        .source("tok_chargeDeclined")
        .send(&stripe_client(&fake))
        .await
        .expect_err("a decline");
    let StripeError::Stripe(details, status) = error else { panic!("not a Stripe error: {error:?}") };
    assert_eq!(status, 402);
    assert_eq!(details.type_, ApiErrorsType::CardError);
    assert_eq!(details.message.as_deref(), Some("Your card was declined."));
    assert!(fake.charges().await.is_empty(), "a decline is not a charge");
}

#[tokio::test]
async fn any_other_token_is_a_missing_resource() {
    let fake = FakeStripe::start().await;
    let raw = post_charge(&fake, None, &charge_form("abc")).await;
    assert_eq!(raw.status, 400);
    let expected = json!({"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such token: 'abc'","param":"source"}});
    assert_eq!(raw.body, expected);
}

#[tokio::test]
async fn amounts_must_be_whole_cents_within_stripes_usd_bounds() {
    let fake = FakeStripe::start().await;
    let cases = [
        ("19.99", 400, Some("Invalid integer: 19.99"), "a dollar amount is not an integer"),
        ("abc", 400, Some("Invalid integer: abc"), "text is not an integer"),
        ("49", 400, Some("amount_too_small"), "under 50 cents"),
        ("100000000", 400, Some("amount_too_large"), "over 99999999"),
        ("50", 200, None, "the minimum"),
        ("99999999", 200, None, "the maximum"),
    ];
    for (amount, status, expected, why) in cases {
        let raw = post_charge(&fake, None, &[("amount", amount), ("currency", "usd"), ("source", "tok_visa")]).await;
        assert_eq!(raw.status, status, "{why}: {}", raw.body);
        match expected {
            Some(message) if message.starts_with("Invalid") => {
                assert_eq!(raw.body["error"]["message"], message, "{why}")
            }
            Some(code) => assert_eq!(raw.body["error"]["code"], code, "{why}: {}", raw.body),
            None => assert_eq!(raw.body["amount"], json!(amount.parse::<i64>().unwrap()), "{why}"),
        }
        if status == 400 {
            assert_eq!(
                (raw.body["error"]["type"].clone(), raw.body["error"]["param"].clone()),
                (json!("invalid_request_error"), json!("amount")),
                "{why}"
            );
        }
    }
    let missing = post_charge(&fake, None, &[("currency", "usd"), ("source", "tok_visa")]).await;
    assert_eq!(
        (missing.status.as_u16(), missing.body["error"]["message"].clone()),
        (400, json!("Missing required param: amount."))
    );
    assert_eq!(fake.charges().await.len(), 2, "only the two valid amounts were charged");
}

#[tokio::test]
async fn a_repeat_with_the_same_key_and_parameters_replays_the_first_answer() {
    let fake = FakeStripe::start().await;
    let first = post_charge(&fake, Some("payment-1-0"), &charge_form("tok_visa")).await;
    let again = post_charge(&fake, Some("payment-1-0"), &charge_form("tok_visa")).await;
    assert_eq!((first.status, first.replayed), (StatusCode::OK, false));
    assert_eq!((again.status, again.replayed), (StatusCode::OK, true));
    assert_eq!(again.body, first.body, "the same charge, byte for byte");
    assert_eq!(fake.charges().await.len(), 1, "charged once");

    let declined = post_charge(&fake, Some("payment-2-0"), &charge_form("tok_chargeDeclined")).await;
    let declined_again = post_charge(&fake, Some("payment-2-0"), &charge_form("tok_chargeDeclined")).await;
    assert_eq!((declined_again.status, declined_again.replayed), (StatusCode::PAYMENT_REQUIRED, true));
    assert_eq!(declined_again.body, declined.body, "declines are replayed too");
}

#[tokio::test]
async fn the_real_client_sends_its_idempotency_key_and_gets_the_replay() {
    let fake = FakeStripe::start().await;
    let client = stripe_client(&fake);
    let charge = || {
        CreateCharge::new()
            .amount(2000)
            .currency(Currency::USD)
            .source("tok_visa")
            .customize()
            .request_strategy(RequestStrategy::Idempotent(IdempotencyKey::new("payment-x-0").unwrap()))
    };
    let first = charge().send(&client).await.unwrap();
    let second = charge().send(&client).await.unwrap();
    assert_eq!(first.id.as_str(), second.id.as_str());
    assert_eq!(fake.charges().await.len(), 1);
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_an_idempotency_error() {
    let fake = FakeStripe::start().await;
    post_charge(&fake, Some("payment-1-0"), &charge_form("tok_visa")).await;
    let other = post_charge(&fake, Some("payment-1-0"), &charge_form("tok_chargeDeclined")).await;
    assert_eq!((other.status, other.replayed), (StatusCode::BAD_REQUEST, false));
    assert_eq!(other.body["error"]["type"], "idempotency_error", "{}", other.body);
    assert_eq!(fake.charges().await.len(), 1);
}

#[tokio::test]
async fn a_request_refused_for_its_parameters_saves_nothing_under_its_key() {
    let fake = FakeStripe::start().await;
    let refused =
        post_charge(&fake, Some("payment-1-0"), &[("amount", "12.5"), ("currency", "usd"), ("source", "tok_visa")])
            .await;
    assert_eq!(refused.status, 400);
    let retried = post_charge(&fake, Some("payment-1-0"), &charge_form("tok_visa")).await;
    assert_eq!((retried.status, retried.replayed), (StatusCode::OK, false), "{}", retried.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_with_one_key_are_served_one_at_a_time() {
    let fake = FakeStripe::start().await;
    let form = charge_form("tok_visa");
    let requests = (0..8).map(|_| post_charge(&fake, Some("payment-1-0"), &form));
    let answers = futures::future::join_all(requests).await;
    assert!(answers.iter().all(|answer| answer.status == 200));
    assert_eq!(answers.iter().filter(|answer| !answer.replayed).count(), 1, "one request executed, the rest replayed");
    assert!(answers.iter().all(|answer| answer.body["id"] == answers[0].body["id"]));
    assert_eq!(fake.charges().await.len(), 1);
}

#[tokio::test]
async fn charges_are_listed_newest_first_and_retrieved_by_id() {
    let fake = FakeStripe::start().await;
    let mut ids = Vec::new();
    for amount in ["1000", "2000", "3000"] {
        let created =
            post_charge(&fake, None, &[("amount", amount), ("currency", "usd"), ("source", "tok_visa")]).await;
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let get = |path: String| async move {
        answer(Client::new().get(path).bearer_auth(FakeStripe::SECRET_KEY).send().await.unwrap()).await
    };

    let list = get(format!("{}v1/charges", fake.url())).await.body;
    assert_eq!(
        (list["object"].clone(), list["url"].clone(), list["has_more"].clone()),
        (json!("list"), json!("/v1/charges"), json!(false))
    );
    let listed: Vec<&str> =
        list["data"].as_array().unwrap().iter().map(|charge| charge["id"].as_str().unwrap()).collect();
    assert_eq!(listed, vec![ids[2].as_str(), ids[1].as_str(), ids[0].as_str()], "newest first");
    let page = get(format!("{}v1/charges?limit=2", fake.url())).await.body;
    assert_eq!((page["data"].as_array().unwrap().len(), page["has_more"].clone()), (2, json!(true)));

    let one = get(format!("{}v1/charges/{}", fake.url(), ids[1])).await;
    assert_eq!((one.status.as_u16(), one.body["amount"].clone()), (200, json!(2000)));
    let unknown = get(format!("{}v1/charges/ch_nope", fake.url())).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body["error"],
        json!({"type":"invalid_request_error","code":"resource_missing","message":"No such charge: 'ch_nope'","param":"id"})
    );
}

#[tokio::test]
async fn unknown_paths_get_an_error_in_stripes_shape() {
    let fake = FakeStripe::start().await;
    let reply = answer(
        Client::new()
            .get(format!("{}v1/payouts", fake.url()))
            .bearer_auth(FakeStripe::SECRET_KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["error"]["type"], "invalid_request_error");
}
