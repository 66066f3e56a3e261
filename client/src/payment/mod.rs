//! Paying for an order: a card token, then `POST /api/payments`.
//!
//! With `STRIPE_PUBLISHABLE_KEY` set, the card is typed into Stripe's own
//! field (Stripe.js Elements) and Stripe hands back a token; the card number
//! never touches this app. Without it (the local stack, tests), a form
//! clearly marked as test mode offers Stripe's test tokens instead.

mod stripe;

use std::time::Duration;

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_router::{NavigateOptions, hooks::use_navigate};
use serde_json::json;

use self::stripe::StripeCard;
use crate::{
    api::{self, Caller, ErrorItem, Failure, Payment},
    components::form::Alert,
    format,
    session::{use_hydrated, use_session},
};

/// The `<meta name>` that carries the publishable key to the browser.
pub const KEY_META: &str = "stripe-publishable-key";

/// Stripe's test tokens offered in test mode: token, label.
const TEST_CARDS: [(&str, &str); 2] = [
    ("tok_visa", "Visa test card: the payment succeeds (tok_visa)"),
    ("tok_chargeDeclined", "Declined test card: the bank says no (tok_chargeDeclined)"),
];

/// An order just placed reaches payments through an event; a payment that
/// races it is retried this many times, this far apart, before the 404 shows.
const PAY_TRIES: u32 = 8;
const PAY_RETRY: Duration = Duration::from_millis(500);

/// `STRIPE_PUBLISHABLE_KEY`: from the server's settings while rendering, from
/// the page's `<meta>` in the browser (so both render the same form).
pub fn publishable_key() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::config::PublicSettings>().and_then(|settings| settings.stripe_publishable_key)
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .query_selector(&format!("meta[name=\"{KEY_META}\"]"))
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .filter(|key| !key.is_empty())
    }
}

/// `Pay $20.00`: on 201 to `/orders`; a decline shows Stripe's message and
/// the form stays.
#[component]
pub fn PayForm(order_id: String, price: f64) -> impl IntoView {
    let key = publishable_key();
    let session = use_session();
    let caller = Caller::current();
    let navigate = use_navigate();
    let hydrated = use_hydrated();
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let test_token = RwSignal::new(TEST_CARDS[0].0);
    let card = StripeCard::new();
    if let Some(key) = key.clone() {
        Effect::new(move |_| card.mount(&key, "#card-element", failure));
    }
    let uses_stripe = key.is_some();

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let (caller, navigate, order_id) = (caller.clone(), navigate.clone(), order_id.clone());
        spawn_local(async move {
            let token = if uses_stripe { card.token().await } else { Ok(test_token.get_untracked().to_owned()) };
            let outcome = match token {
                Ok(token) => pay(&caller, &order_id, &token).await,
                Err(message) => Err(Failure::Refused { status: 400, errors: vec![ErrorItem { message, field: None }] }),
            };
            match outcome {
                Ok(_) => {
                    session.just_paid.set(Some(order_id));
                    navigate("/orders", NavigateOptions::default());
                }
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <form class="pay-form" on:submit=submit>
            {if uses_stripe {
                view! {
                    <div class="field">
                        <label for="card-element">"Card"</label>
                        <div id="card-element" class="card-input"></div>
                    </div>
                }.into_any()
            } else {
                view! { <TestCards test_token/> }.into_any()
            }}
            <Alert failure/>
            <button type="submit" class="button" disabled=move || busy.get() || !hydrated.get()>
                {format!("Pay {}", format::price(price))}
            </button>
        </form>
    }
}

/// The test-mode choice of token, marked as such.
#[component]
fn TestCards(test_token: RwSignal<&'static str>) -> impl IntoView {
    view! {
        <fieldset class="test-mode">
            <legend>"Test mode: no real card is charged"</legend>
            {TEST_CARDS
                .iter()
                .map(|(token, label)| view! {
                    <label class="choice">
                        <input type="radio" name="token" value=*token
                            prop:checked=move || test_token.get() == *token
                            on:change=move |_| test_token.set(token)/>
                        {*label}
                    </label>
                })
                .collect_view()}
        </fieldset>
    }
}

/// `POST /api/payments`, retried while payments has not heard of the order.
async fn pay(caller: &Caller, order_id: &str, token: &str) -> Result<Payment, Failure> {
    let mut tries = 0;
    loop {
        tries += 1;
        match caller.post::<Payment>("/api/payments", json!({ "orderId": order_id, "token": token })).await {
            Err(failure) if failure.status() == Some(404) && tries < PAY_TRIES => api::sleep(PAY_RETRY).await,
            outcome => return outcome,
        }
    }
}
