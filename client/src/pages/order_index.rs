//! `/orders`: the visitor's orders, each `<title> - <status in words>`, its
//! amount and its day.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{Caller, Order},
    components::{
        live::{Live, LiveStatus},
        status::{SeeOther, Unreachable},
    },
    format,
    session::use_session,
};

/// After a payment, the list is read again this often, at most this many
/// times, until orders has applied it and the order shows `complete`.
const REFRESH_EVERY: Duration = Duration::from_millis(500);
const REFRESH_AT_MOST: u32 = 40;

/// `My Orders` for signed-in visitors; others get 303 to sign in.
#[component]
pub fn MyOrders() -> impl IntoView {
    let session = use_session();
    let caller = Caller::current();
    let refreshes = RwSignal::new(0_u32);
    let orders = Resource::new(
        move || refreshes.get(),
        move |_| {
            let caller = caller.clone();
            async move { caller.get::<Vec<Order>>("/api/orders").await }
        },
    );
    // Watch the order just paid for until it completes.
    Effect::new(move |_| {
        let Some(Ok(orders)) = orders.get() else { return };
        let Some(paid) = session.just_paid.get_untracked() else { return };
        let complete = orders.iter().any(|order| order.id == paid && order.status == "complete");
        if complete || refreshes.get_untracked() >= REFRESH_AT_MOST {
            session.just_paid.set(None);
        } else {
            set_timeout(move || refreshes.update(|n| *n += 1), REFRESH_EVERY);
        }
    });
    view! {
        <Title text="My Orders"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (session.user.await, orders.await) {
                    (Ok(None), _) => view! { <SeeOther path="/auth/signin?next=/orders"/> }.into_any(),
                    (Ok(Some(_)), Ok(orders)) => view! { <OrderList orders/> }.into_any(),
                    _ => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OrderList(orders: Vec<Order>) -> impl IntoView {
    // The buyer's orders follow the live stream: a change replaces its
    // order, a new order is added at the end (the list is oldest first).
    let list = RwSignal::new(orders);
    let live = Live::new();
    live.subscribe("/api/orders/updates", "order", move |update: Order| {
        list.update(|orders| match orders.iter_mut().find(|order| order.id == update.id) {
            Some(order) => {
                if order.status != update.status {
                    let words = format::order_status(&update.status).to_lowercase();
                    live.announce(format!("{} is now {words}", update.ticket.title));
                }
                *order = update;
            }
            None => orders.push(update),
        });
    });
    view! {
        <h1>"My Orders"</h1>
        <LiveStatus live/>
        {move || {
            let orders = list.get();
            if orders.is_empty() {
                return view! { <p class="empty">"You have no orders yet."</p> }.into_any();
            }
            view! {
                <ul class="orders">
                    {orders
                        .into_iter()
                        .map(|order| view! {
                            <li class=format!("order status-{}", order.status.replace(':', "-"))>
                                <a href=format!("/orders/{}", order.id)>
                                    {format!("{} - {}", order.ticket.title, format::order_status(&order.status))}
                                </a>
                                <span class="muted">
                                    {format!(" · {} · {}", format::price(order.charged()), format::day(&order.expires_at))}
                                </span>
                            </li>
                        })
                        .collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
