//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::header::Header,
    pages::{
        auth::{SignIn, SignOut, SignUp},
        landing::Landing,
        not_found::NotFound,
        order_index::MyOrders,
        order_show::OrderPage,
        ticket_edit::EditTicket,
        ticket_mine::MyListings,
        ticket_new::NewTicket,
        ticket_show::TicketPage,
    },
    payment,
    session::{Session, mark_hydrated},
};

/// The whole document, rendered on the server only: the `<head>` with the
/// stylesheet and the hydration script, and the app in `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stripe_key = payment::publishable_key();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="GitTix: buy and sell tickets."/>
                {stripe_key.map(|key| view! { <meta name=payment::KEY_META content=key/> })}
                <link rel="stylesheet" href="/pkg/client.css"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: the same on the server and in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        // The empty text under every page's own: between one page's title
        // and the next (a navigation waiting for data) the document is
        // "GitTix", never untitled (axe-core's document-title rule).
        <Title text="" formatter=|page: String| if page.is_empty() { "GitTix".to_owned() } else { format!("{page} · GitTix") }/>
        <Router>
            <Layout/>
        </Router>
    }
}

/// The header over whichever page the path picks. Every page is rendered
/// with all its data before the first byte goes out (`SsrMode::Async`), so
/// the HTML holds the data and a page can still answer 303 or 404.
#[component]
fn Layout() -> impl IntoView {
    Session::provide();
    mark_hydrated();
    view! {
        <Header/>
        <main class="container">
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing ssr=SsrMode::Async/>
                <Route path=path!("/auth/signup") view=SignUp ssr=SsrMode::Async/>
                <Route path=path!("/auth/signin") view=SignIn ssr=SsrMode::Async/>
                <Route path=path!("/auth/signout") view=SignOut ssr=SsrMode::Async/>
                <Route path=path!("/tickets/new") view=NewTicket ssr=SsrMode::Async/>
                <Route path=path!("/tickets/mine") view=MyListings ssr=SsrMode::Async/>
                <Route path=path!("/tickets/:ticketId/edit") view=EditTicket ssr=SsrMode::Async/>
                <Route path=path!("/tickets/:ticketId") view=TicketPage ssr=SsrMode::Async/>
                <Route path=path!("/orders") view=MyOrders ssr=SsrMode::Async/>
                <Route path=path!("/orders/:orderId") view=OrderPage ssr=SsrMode::Async/>
            </Routes>
        </main>
    }
}
