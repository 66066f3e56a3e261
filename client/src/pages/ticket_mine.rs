//! `/tickets/mine`: the signed-in seller's listings, each with its status
//! and, while it is available, an `Edit` link.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{Caller, Ticket},
    components::status::{SeeOther, Unreachable},
    format,
    session::use_session,
};

/// `My listings` for signed-in visitors; others get 303 to sign in.
#[component]
pub fn MyListings() -> impl IntoView {
    let session = use_session();
    let caller = Caller::current();
    let listings = Resource::new(
        || (),
        move |()| {
            let caller = caller.clone();
            async move {
                match session.user.await? {
                    // The seller's whole (filtered) list: a seller has a handful.
                    Some(seller) => {
                        caller.get::<Vec<Ticket>>(&format!("/api/tickets?userId={}", seller.id)).await.map(Some)
                    }
                    None => Ok(None),
                }
            }
        },
    );
    view! {
        <Title text="My listings"/>
        <h1>"My listings"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (session.user.await, listings.await) {
                    (Ok(None), _) => view! { <SeeOther path="/auth/signin?next=/tickets/mine"/> }.into_any(),
                    (Ok(Some(_)), Ok(Some(tickets))) if tickets.is_empty() => {
                        view! { <p class="empty">"You have no listings yet."</p> }.into_any()
                    }
                    (Ok(Some(_)), Ok(Some(tickets))) => view! { <Listings tickets/> }.into_any(),
                    _ => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Listings(tickets: Vec<Ticket>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="tickets">
                <thead>
                    <tr>
                        <th scope="col">"Title"</th><th scope="col">"Price"</th>
                        <th scope="col">"Status"</th><th scope="col">"Link"</th>
                    </tr>
                </thead>
                <tbody>
                    {tickets
                        .into_iter()
                        .map(|ticket| {
                            let word = ticket.status_word().unwrap_or("Available");
                            let available = ticket.status_word().is_none();
                            view! {
                                <tr>
                                    <td><a href=format!("/tickets/{}", ticket.id)>{ticket.title.clone()}</a></td>
                                    <td class="price">{format::price(ticket.price)}</td>
                                    <td>{word}</td>
                                    <td>
                                        {available.then(|| view! {
                                            <a href=format!("/tickets/{}/edit", ticket.id)>"Edit"</a>
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
