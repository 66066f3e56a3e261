//! `/orders/:orderId`: the countdown and the payment form while the order is
//! open; `Order Expired`, `Order Cancelled` or `Paid` otherwise, and
//! `Refunded $…` when a charge for it was given back. The price is the
//! order's own, fixed when it was made.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{self, Caller, Failure, Order},
    components::{
        form::Alert,
        live::{Live, LiveStatus},
        status::{SeeOther, Unreachable},
    },
    format,
    pages::not_found::Missing,
    payment::PayForm,
    session::{use_hydrated, use_session},
};

/// How often the clock is read; the display changes once a second.
const TICK: Duration = Duration::from_millis(250);

/// An order and the clock of whoever fetched it (the server while rendering,
/// the browser after a navigation), so hydration starts from the very state
/// the server rendered.
type Fetched = (Order, i64);

/// The order page; anonymous visitors get 303 to sign in, and someone
/// else's or an unknown order is `Order not found`, 404.
#[component]
pub fn OrderPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let caller = Caller::current();
    let order = Resource::new(
        move || params.read().get("orderId").unwrap_or_default(),
        move |id| {
            let caller = caller.clone();
            async move {
                if !api::is_object_id(&id) {
                    return Err(Failure::Refused { status: 404, errors: Vec::new() });
                }
                let order = caller.get::<Order>(&format!("/api/orders/{id}")).await?;
                Ok::<Fetched, Failure>((order, format::now_ms()))
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (session.user.await, order.await) {
                    (Ok(None), _) => view! { <SeeOther path="/auth/signin"/> }.into_any(),
                    (Ok(Some(_)), Ok((order, fetched_at))) => view! { <OrderState order fetched_at/> }.into_any(),
                    // 401 is someone else's order; 404 an unknown one.
                    (Ok(Some(_)), Err(Failure::Refused { status: 401 | 404, .. })) => {
                        view! { <Missing what="Order not found"/> }.into_any()
                    }
                    _ => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What an order shows at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Open,
    Expired,
    Cancelled,
    Paid,
}

fn phase(status: &str, expires_ms: Option<i64>, now_ms: i64) -> Phase {
    let seconds_left = expires_ms.map_or(0, |expires| format::seconds_left(expires, now_ms));
    match status {
        "complete" => Phase::Paid,
        _ if seconds_left == 0 => Phase::Expired,
        "cancelled" => Phase::Cancelled,
        _ => Phase::Open,
    }
}

#[component]
fn OrderState(order: Order, fetched_at: i64) -> impl IntoView {
    let expires = format::parse_timestamp(&order.expires_at);
    // The server's clock while rendering; in the browser, its own clock
    // moved by the difference seen at hydration, so the countdown follows
    // the clock that decides expiry.
    let now = RwSignal::new(fetched_at);
    Effect::new(move |_| {
        let offset = fetched_at - format::now_ms();
        let offset = if offset.abs() > 2_000 { offset } else { 0 };
        let tick = move || now.set(format::now_ms() + offset);
        tick();
        if let Ok(handle) = set_interval_with_handle(tick, TICK) {
            on_cleanup(move || handle.clear());
        }
    });
    // Moves when the visitor cancels here, or when the live stream says so.
    let status = RwSignal::new(order.status.clone());
    let live = Live::new();
    let this = order.id.clone();
    live.subscribe("/api/orders/updates", "order", move |update: Order| {
        if update.id == this && status.get_untracked() != update.status {
            live.announce(format!("The order is now {}", format::order_status(&update.status).to_lowercase()));
            status.set(update.status);
        }
    });
    // The page's shape changes with the phase only; the seconds are text.
    let current = Memo::new(move |_| phase(&status.read(), expires, now.get()));
    let seconds = Memo::new(move |_| expires.map_or(0, |expires| format::seconds_left(expires, now.get())));
    let (order_id, title, price) = (order.id.clone(), order.ticket.title.clone(), order.charged());
    // A charge that landed after the order closed was given back.
    let refunded = order.refunded_amount.map(|amount| {
        view! { <p class="state refunded">"Refunded " {format::price(amount)}</p> }
    });
    view! {
        <Title text="Order"/>
        <article class="card order">
            <h1>{title}</h1>
            <p class="price">"Price: " {format::price(price)}</p>
            {move || match current.get() {
                Phase::Paid => view! { <p class="state paid">"Paid"</p> }.into_any(),
                Phase::Expired => view! { <p class="state expired">"Order Expired"</p> }.into_any(),
                Phase::Cancelled => view! { <p class="state cancelled">"Order Cancelled"</p> }.into_any(),
                Phase::Open => {
                    view! {
                        <p class="countdown" aria-live="polite">
                            "Time left to pay: " {seconds} " seconds"
                        </p>
                        <PayForm order_id=order_id.clone() price/>
                        <CancelOrder order_id=order_id.clone() status/>
                    }
                    .into_any()
                }
            }}
            {refunded}
            <LiveStatus live/>
        </article>
    }
}

/// `Cancel`: `DELETE /api/orders/:id`; on 204 the page shows `Order Cancelled`.
#[component]
fn CancelOrder(order_id: String, status: RwSignal<String>) -> impl IntoView {
    let caller = Caller::current();
    let hydrated = use_hydrated();
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let cancel = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (caller, path) = (caller.clone(), format!("/api/orders/{order_id}"));
        leptos::task::spawn_local(async move {
            match caller.delete(&path).await {
                Ok(()) => status.set("cancelled".to_owned()),
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };
    view! {
        <Alert failure/>
        <button type="button" class="button secondary" on:click=cancel disabled=move || busy.get() || !hydrated.get()>
            "Cancel order"
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_shows_what_its_status_and_the_clock_say() {
        let expires = Some(100_000);
        for (status, now, shown, why) in [
            ("created", 40_000, Phase::Open, "open, a minute left"),
            ("created", 99_001, Phase::Open, "open, rounded up"),
            ("awaiting:payment", 50_000, Phase::Open, "awaiting payment counts as open"),
            ("created", 100_000, Phase::Expired, "open at expiry: expired on its own"),
            ("cancelled", 120_000, Phase::Expired, "cancelled by expiry"),
            ("cancelled", 50_000, Phase::Cancelled, "cancelled before expiry"),
            ("complete", 120_000, Phase::Paid, "paid, even after expiry"),
        ] {
            assert_eq!(phase(status, expires, now), shown, "{why}");
        }
    }
}
