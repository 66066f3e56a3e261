//! `/orders`: the visitor's orders, each `<title> - <status>`.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{Caller, Order},
    components::status::{SeeOther, Unreachable},
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
                    (Ok(None), _) => view! { <SeeOther path="/auth/signin"/> }.into_any(),
                    (Ok(Some(_)), Ok(orders)) => view! { <OrderList orders/> }.into_any(),
                    _ => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OrderList(orders: Vec<Order>) -> impl IntoView {
    view! {
        <h1>"My Orders"</h1>
        {if orders.is_empty() {
            view! { <p class="empty">"You have no orders yet."</p> }.into_any()
        } else {
            view! {
                <ul class="orders">
                    {orders
                        .into_iter()
                        .map(|order| view! {
                            <li class=format!("order status-{}", order.status.replace(':', "-"))>
                                <a href=format!("/orders/{}", order.id)>
                                    {format!("{} - {}", order.ticket.title, order.status)}
                                </a>
                            </li>
                        })
                        .collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
