//! `/tickets/:ticketId`: one ticket, and `Purchase` for signed-in visitors
//! when it is available and not theirs (`Sold`, `Reserved` or `Your
//! listing` otherwise).

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::use_navigate, hooks::use_params_map};
use serde_json::json;

use crate::{
    api::{self, Caller, Failure, Order, Ticket},
    components::{
        form::Alert,
        live::{Live, LiveStatus},
        status::Unreachable,
    },
    format,
    pages::not_found::Missing,
    session::{use_hydrated, use_session},
};

/// A ticket just listed reaches orders through an event; a purchase that
/// races it is retried this many times, this far apart, before the 404 shows.
const PURCHASE_TRIES: u32 = 8;
const PURCHASE_RETRY: Duration = Duration::from_millis(500);

/// The title, `Price: $20.00`, and `Purchase` (or `Sign in to purchase`).
#[component]
pub fn TicketPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let caller = Caller::current();
    let ticket = Resource::new(
        move || params.read().get("ticketId").unwrap_or_default(),
        move |id| {
            let caller = caller.clone();
            async move {
                if !api::is_object_id(&id) {
                    return Err(Failure::Refused { status: 404, errors: Vec::new() });
                }
                caller.get::<Ticket>(&format!("/api/tickets/{id}")).await
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let viewer = session.user.await.ok().flatten().map(|user| user.id);
                match ticket.await {
                    Ok(ticket) => view! { <TicketDetails ticket viewer/> }.into_any(),
                    Err(failure) if failure.status() == Some(404) => {
                        view! { <Missing what="Ticket not found"/> }.into_any()
                    }
                    Err(_) => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TicketDetails(ticket: Ticket, viewer: Option<String>) -> impl IntoView {
    let id = ticket.id.clone();
    let current = RwSignal::new(ticket.clone());
    let live = Live::new();
    live.subscribe("/api/tickets/updates", "ticket", move |update: Ticket| {
        if update.id == id && update.version > current.with_untracked(|t| t.version) {
            live.announce(format!("{} is now {}", update.title, update.status()));
            current.set(update);
        }
    });
    // The action follows the status; it re-renders only when that changes.
    let status = Memo::new(move |_| current.with(|t| t.status().to_owned()));
    let action = move || {
        let ticket = current.get_untracked();
        let word = (status.get() != "available").then(|| ticket.status_word()).flatten();
        let mine = viewer.as_deref() == Some(ticket.user_id.as_str());
        match (word, &viewer) {
            (Some(word), _) => view! { <p><span class="badge">{word}</span></p> }.into_any(),
            (None, Some(_)) if mine => view! { <p><span class="badge">"Your listing"</span></p> }.into_any(),
            (None, Some(_)) => view! { <Purchase ticket_id=ticket.id.clone()/> }.into_any(),
            (None, None) => {
                let signin = format!("/auth/signin?next=/tickets/{}", ticket.id);
                view! { <p><a class="button" href=signin>"Sign in to purchase"</a></p> }.into_any()
            }
        }
    };
    view! {
        <Title text=ticket.title/>
        <article class="card ticket">
            <h1>{move || current.with(|t| t.title.clone())}</h1>
            <p class="price">"Price: " {move || current.with(|t| format::price(t.price))}</p>
            {action}
            <LiveStatus live/>
        </article>
    }
}

/// `POST /api/orders`; a 201 goes to the order's page.
#[component]
fn Purchase(ticket_id: String) -> impl IntoView {
    let caller = Caller::current();
    let navigate = use_navigate();
    let hydrated = use_hydrated();
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let purchase = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let (caller, navigate, ticket_id) = (caller.clone(), navigate.clone(), ticket_id.clone());
        spawn_local(async move {
            let mut tries = 0;
            let outcome = loop {
                tries += 1;
                match caller.post::<Order>("/api/orders", json!({ "ticketId": ticket_id })).await {
                    Err(failure) if failure.status() == Some(404) && tries < PURCHASE_TRIES => {
                        api::sleep(PURCHASE_RETRY).await;
                    }
                    outcome => break outcome,
                }
            };
            match outcome {
                Ok(order) => navigate(&format!("/orders/{}", order.id), NavigateOptions::default()),
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <Alert failure/>
        <button type="button" class="button" on:click=purchase disabled=move || busy.get() || !hydrated.get()>
            "Purchase"
        </button>
    }
}
