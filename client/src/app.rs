//! The HTML shell, the route table, and the session every page shares.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    hooks::use_location,
    path,
};

use crate::{
    api::{Caller, CurrentUserReply, Failure, User},
    components::header::Header,
    pages::{
        auth::{SignIn, SignOut, SignUp},
        landing::Landing,
        not_found::NotFound,
        order_index::MyOrders,
        order_show::OrderPage,
        ticket_new::NewTicket,
        ticket_show::TicketPage,
    },
    payment,
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
        <Title formatter=|page: String| if page.is_empty() { "GitTix".to_owned() } else { format!("{page} · GitTix") }/>
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
                <Route path=path!("/tickets/:ticketId") view=TicketPage ssr=SsrMode::Async/>
                <Route path=path!("/orders") view=MyOrders ssr=SsrMode::Async/>
                <Route path=path!("/orders/:orderId") view=OrderPage ssr=SsrMode::Async/>
            </Routes>
        </main>
    }
}

/// Who is signed in, asked of the API on every page (contract 9): the
/// resource is keyed on the path, so each navigation asks again, and on a
/// counter that signing in, up or out bumps.
#[derive(Clone, Copy)]
pub struct Session {
    /// `GET /api/users/currentuser`.
    pub user: Resource<Result<Option<User>, Failure>>,
    version: RwSignal<u32>,
    /// The order just paid for, which My Orders watches until it completes.
    pub just_paid: RwSignal<Option<String>>,
}

impl Session {
    fn provide() {
        let location = use_location();
        let version = RwSignal::new(0_u32);
        let caller = Caller::current();
        let user = Resource::new(
            move || (location.pathname.get(), version.get()),
            move |_| {
                let caller = caller.clone();
                async move { caller.get::<CurrentUserReply>("/api/users/currentuser").await.map(|reply| reply.current_user) }
            },
        );
        provide_context(Self { user, version, just_paid: RwSignal::new(None) });
    }

    /// The visitor signed in, up or out: ask again.
    pub fn changed(&self) {
        self.version.update(|version| *version += 1);
    }
}

/// The session of the page being rendered.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Marks `<html data-hydrated>` once the browser has taken the page over, for
/// tests and for anyone debugging which pages are live.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

/// `false` while the page is only server-rendered HTML, `true` once it is
/// live. Buttons stay disabled until then, so nothing is submitted as a
/// plain HTML form (which would put a password in the URL).
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
