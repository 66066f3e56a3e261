//! `/`: every ticket, reserved ones marked.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{Caller, Ticket},
    components::status::Unreachable,
    format,
};

/// Heading `Tickets` over a table of Title, Price and a `View` link.
#[component]
pub fn Landing() -> impl IntoView {
    let caller = Caller::current();
    let tickets = Resource::new(
        || (),
        move |()| {
            let caller = caller.clone();
            async move { caller.get::<Vec<Ticket>>("/api/tickets").await }
        },
    );
    view! {
        <Title text=""/>
        <h1>"Tickets"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tickets.await {
                    Ok(tickets) if tickets.is_empty() => {
                        view! { <p class="empty">"No tickets for sale yet."</p> }.into_any()
                    }
                    Ok(tickets) => view! { <TicketTable tickets/> }.into_any(),
                    Err(_) => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TicketTable(tickets: Vec<Ticket>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="tickets">
                <thead>
                    <tr><th scope="col">"Title"</th><th scope="col">"Price"</th><th scope="col">"Link"</th></tr>
                </thead>
                <tbody>
                    {tickets
                        .into_iter()
                        .map(|ticket| {
                            let reserved = ticket.order_id.is_some();
                            view! {
                                <tr class:reserved=reserved>
                                    <td>
                                        <span class="ticket-title">{ticket.title}</span>
                                        {reserved.then(|| view! { " " <span class="badge">"Reserved"</span> })}
                                    </td>
                                    <td class="price">{format::price(ticket.price)}</td>
                                    <td><a href=format!("/tickets/{}", ticket.id)>"View"</a></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
