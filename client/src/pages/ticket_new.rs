//! `/tickets/new`: put a ticket up for sale.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{NavigateOptions, hooks::use_navigate};
use serde_json::json;

use crate::{
    api::{Caller, Failure, Ticket},
    components::{
        form::{Alert, FieldError, invalid},
        status::{SeeOther, Unreachable},
    },
    session::{use_hydrated, use_session},
};

/// `Create a Ticket` for signed-in visitors; others get 303 to sign in.
#[component]
pub fn NewTicket() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Sell Tickets"/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => view! { <TicketForm/> }.into_any(),
                    Ok(None) => view! { <SeeOther path="/auth/signin?next=/tickets/new"/> }.into_any(),
                    Err(_) => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TicketForm() -> impl IntoView {
    let caller = Caller::current();
    let navigate = use_navigate();
    let hydrated = use_hydrated();
    let title = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        // The price goes as typed (a digit string is valid), so the API reads
        // its exact decimal value and names whatever is wrong with it.
        let body = json!({ "title": title.get_untracked(), "price": price.get_untracked().trim() });
        let (caller, navigate) = (caller.clone(), navigate.clone());
        spawn_local(async move {
            match caller.post::<Ticket>("/api/tickets", body).await {
                Ok(_) => navigate("/", NavigateOptions::default()),
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <form class="card form" on:submit=submit novalidate>
            <h1>"Create a Ticket"</h1>
            <div class="field">
                <label for="title">"Title"</label>
                <input id="title" name="title" type="text" required aria-describedby="title-error" aria-invalid=invalid(failure, "title") bind:value=title/>
                <FieldError failure field="title"/>
            </div>
            <div class="field">
                <label for="price">"Price"</label>
                <input id="price" name="price" type="text" inputmode="decimal" required placeholder="0.00"
                    aria-describedby="price-error" aria-invalid=invalid(failure, "price") bind:value=price/>
                <FieldError failure field="price"/>
            </div>
            <Alert failure/>
            <button type="submit" class="button" disabled=move || busy.get() || !hydrated.get()>"Submit"</button>
        </form>
    }
}
