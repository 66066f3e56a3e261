//! `/tickets/:ticketId/edit`: the seller changes a listing's title and price
//! with `PUT /api/tickets/:id`. A reserved or sold ticket cannot be edited:
//! the page says so instead of offering a form that would be refused.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_params_map},
};
use serde_json::json;

use crate::{
    api::{self, Caller, Failure, Ticket},
    components::{
        form::{Alert, FieldError, invalid},
        status::{SeeOther, Unreachable},
    },
    pages::not_found::Missing,
    session::{use_hydrated, use_session},
};

/// The form for the ticket's seller; `Ticket not found` for anyone else.
#[component]
pub fn EditTicket() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let caller = Caller::current();
    let id = move || params.read().get("ticketId").unwrap_or_default();
    let ticket = Resource::new(id, move |id| {
        let caller = caller.clone();
        async move {
            if !api::is_object_id(&id) {
                return Err(Failure::Refused { status: 404, errors: Vec::new() });
            }
            caller.get::<Ticket>(&format!("/api/tickets/{id}")).await
        }
    });
    view! {
        <Title text="Edit listing"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (session.user.await, ticket.await) {
                    (Ok(None), _) => {
                        view! { <SeeOther path=format!("/auth/signin?next=/tickets/{}/edit", id())/> }.into_any()
                    }
                    (Ok(Some(user)), Ok(ticket)) if user.id == ticket.user_id => {
                        if ticket.status_word().is_some() {
                            view! {
                                <article class="card">
                                    <h1>{ticket.title}</h1>
                                    <p class="state" role="status">"Cannot edit a reserved ticket"</p>
                                </article>
                            }
                            .into_any()
                        } else {
                            view! { <EditForm ticket/> }.into_any()
                        }
                    }
                    (Ok(Some(_)), Ok(_)) => view! { <Missing what="Ticket not found"/> }.into_any(),
                    (_, Err(failure)) if failure.status() == Some(404) => {
                        view! { <Missing what="Ticket not found"/> }.into_any()
                    }
                    _ => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EditForm(ticket: Ticket) -> impl IntoView {
    let caller = Caller::current();
    let navigate = use_navigate();
    let hydrated = use_hydrated();
    let title = RwSignal::new(ticket.title.clone());
    // The API's own spelling of the price (`20`, `12.5`), edited as text.
    let price = RwSignal::new(ticket.price.to_string());
    // The server-rendered inputs show the values too (`bind:` sets only the property).
    let (initial_title, initial_price) = (title.get_untracked(), price.get_untracked());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let path = format!("/api/tickets/{}", ticket.id);
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        // As typed: the API reads the exact decimal and names what is wrong.
        let body = json!({ "title": title.get_untracked(), "price": price.get_untracked().trim() });
        let (caller, navigate, path) = (caller.clone(), navigate.clone(), path.clone());
        spawn_local(async move {
            match caller.put::<Ticket>(&path, body).await {
                Ok(_) => navigate("/tickets/mine", NavigateOptions::default()),
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="card form" on:submit=submit novalidate>
            <h1>"Edit listing"</h1>
            <div class="field">
                <label for="title">"Title"</label>
                <input id="title" name="title" type="text" required aria-describedby="title-error"
                    aria-invalid=invalid(failure, "title") value=initial_title bind:value=title/>
                <FieldError failure field="title"/>
            </div>
            <div class="field">
                <label for="price">"Price"</label>
                <input id="price" name="price" type="text" inputmode="decimal" required
                    aria-describedby="price-error" aria-invalid=invalid(failure, "price") value=initial_price
                    bind:value=price/>
                <FieldError failure field="price"/>
            </div>
            <Alert failure/>
            <button type="submit" class="button" disabled=move || busy.get() || !hydrated.get()>"Save"</button>
        </form>
    }
}
