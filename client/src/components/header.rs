//! The header: the brand, and links that depend on who is signed in.

use leptos::prelude::*;

use crate::session::use_session;

/// `GitTix`, then `Sign Up`/`Sign In`, or `Sell Tickets`/`My Orders`/`Sign Out`.
#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="site-header">
            <nav class="nav container" aria-label="Main">
                <a class="brand" href="/">"GitTix"</a>
                // Keeps the old links while a navigation asks again.
                <Transition fallback=|| view! { <ul class="nav-links"></ul> }>
                    {move || Suspend::new(async move {
                        let signed_in = matches!(session.user.await, Ok(Some(_)));
                        view! { <NavLinks signed_in/> }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn NavLinks(signed_in: bool) -> impl IntoView {
    let links: &[(&str, &str)] = if signed_in {
        &[
            ("Sell Tickets", "/tickets/new"),
            ("My listings", "/tickets/mine"),
            ("My Orders", "/orders"),
            ("Sign Out", "/auth/signout"),
        ]
    } else {
        &[("Sign Up", "/auth/signup"), ("Sign In", "/auth/signin")]
    };
    view! {
        <ul class="nav-links">
            {links
                .iter()
                .map(|(label, href)| view! { <li><a href=*href>{*label}</a></li> })
                .collect_view()}
        </ul>
    }
}
