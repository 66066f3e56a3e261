//! `/`: the tickets, 50 a page, oldest first, with `Sold` and `Reserved`
//! marked. Pages are keyset pages of the API (`limit`, `after`), chosen by
//! the query string, so each is a plain link that works without scripts:
//! `?after=<last id of the page before>&back=<the earlier pages' keys>`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{
    api::{self, Caller, Ticket},
    components::{
        live::{Live, LiveStatus},
        status::Unreachable,
    },
    format,
};

/// Tickets on one page.
pub const PAGE_SIZE: usize = 50;

/// Where a page starts, and the starts of the pages before it (sent along
/// with the page's data for hydration, hence serde).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    /// The id the page starts after; `None` on the first page.
    after: Option<String>,
    /// The `after` of each earlier page but the first, oldest first.
    back: Vec<String>,
}

impl Position {
    /// From the query string; anything that is not an id is ignored.
    fn read(after: Option<String>, back: Option<String>) -> Self {
        let after = after.filter(|id| api::is_object_id(id));
        let back = match &after {
            Some(_) => {
                back.unwrap_or_default().split(',').filter(|id| api::is_object_id(id)).map(str::to_owned).collect()
            }
            None => Vec::new(),
        };
        Self { after, back }
    }

    /// The link to the page that starts after `last`.
    fn next(&self, last: &str) -> String {
        let mut back = self.back.clone();
        back.extend(self.after.clone());
        if back.is_empty() { format!("/?after={last}") } else { format!("/?after={last}&back={}", back.join(",")) }
    }

    /// The link to the page before, if this is not the first.
    fn previous(&self) -> Option<String> {
        self.after.as_ref()?;
        let mut back = self.back.clone();
        Some(match back.pop() {
            None => "/".to_owned(),
            Some(after) if back.is_empty() => format!("/?after={after}"),
            Some(after) => format!("/?after={after}&back={}", back.join(",")),
        })
    }
}

/// Heading `Tickets` over a table of Title, Price and a `View` link, and
/// `Previous` / `Next` links.
#[component]
pub fn Landing() -> impl IntoView {
    let caller = Caller::current();
    let query = use_query_map();
    let position = move || query.with(|q| Position::read(q.get("after"), q.get("back")));
    let tickets = Resource::new(position, move |position: Position| {
        let caller = caller.clone();
        async move {
            // One more than shown tells whether a next page exists.
            let mut path = format!("/api/tickets?limit={}", PAGE_SIZE + 1);
            if let Some(after) = &position.after {
                path.push_str(&format!("&after={after}"));
            }
            caller.get::<Vec<Ticket>>(&path).await.map(|tickets| (position, tickets))
        }
    });
    view! {
        <Title text=""/>
        <h1>"Tickets"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tickets.await {
                    Ok((position, tickets)) if tickets.is_empty() && position.after.is_none() => {
                        view! { <p class="empty">"No tickets for sale yet."</p> }.into_any()
                    }
                    Ok((position, mut tickets)) => {
                        let more = tickets.len() > PAGE_SIZE;
                        tickets.truncate(PAGE_SIZE);
                        let next = tickets.last().filter(|_| more).map(|last| position.next(&last.id));
                        let previous = position.previous();
                        view! {
                            <TicketTable tickets/>
                            <Pager previous next/>
                        }
                        .into_any()
                    }
                    Err(_) => view! { <Unreachable/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `Previous` and `Next`, each only where there is such a page.
#[component]
fn Pager(previous: Option<String>, next: Option<String>) -> impl IntoView {
    (previous.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {previous.map(|href| view! { <a href=href rel="prev">"Previous"</a> })}
                {next.map(|href| view! { <a href=href rel="next">"Next"</a> })}
            </nav>
        }
    })
}

#[component]
fn TicketTable(tickets: Vec<Ticket>) -> impl IntoView {
    if tickets.is_empty() {
        return view! { <p class="empty">"No more tickets."</p> }.into_any();
    }
    // The page's tickets follow the live stream (newer versions only).
    let rows = RwSignal::new(tickets);
    let live = Live::new();
    live.subscribe("/api/tickets/updates", "ticket", move |update: Ticket| {
        rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|row| row.id == update.id)
                && update.version > row.version
            {
                if row.status() != update.status() {
                    live.announce(format!("{} is now {}", update.title, update.status()));
                }
                *row = update;
            }
        });
    });
    view! {
        <LiveStatus live/>
        <div class="table-wrap">
            <table class="tickets">
                <thead>
                    <tr><th scope="col">"Title"</th><th scope="col">"Price"</th><th scope="col">"Link"</th></tr>
                </thead>
                <tbody>
                    {move || rows
                        .get()
                        .into_iter()
                        .map(|ticket| {
                            let word = ticket.status_word();
                            view! {
                                <tr class:reserved=word.is_some()>
                                    <td>
                                        <span class="ticket-title">{ticket.title}</span>
                                        {word.map(|word| view! { " " <span class="badge">{word}</span> })}
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
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "6561a0f0a1b2c3d4e5f60711";
    const B: &str = "6561a0f0a1b2c3d4e5f60712";
    const C: &str = "6561a0f0a1b2c3d4e5f60713";

    #[test]
    fn next_and_previous_walk_the_pages_back_and_forth() {
        let first = Position::read(None, None);
        assert_eq!((first.next(A), first.previous()), (format!("/?after={A}"), None));
        let second = Position::read(Some(A.into()), None);
        assert_eq!((second.next(B), second.previous()), (format!("/?after={B}&back={A}"), Some("/".to_owned())));
        let third = Position::read(Some(B.into()), Some(A.into()));
        assert_eq!(third.next(C), format!("/?after={C}&back={A},{B}"));
        assert_eq!(third.previous(), Some(format!("/?after={A}")));
        let fourth = Position::read(Some(C.into()), Some(format!("{A},{B}")));
        assert_eq!(fourth.previous(), Some(format!("/?after={B}&back={A}")));
    }

    #[test]
    fn anything_but_ids_in_the_query_is_ignored() {
        let position = Position::read(Some("<script>".into()), Some(A.into()));
        assert_eq!(position, Position::default());
        let position = Position::read(Some(A.into()), Some(format!("x,{B},\"")));
        assert_eq!(position.back, vec![B.to_owned()]);
    }
}
