//! Paths no page serves, and resources that do not exist.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::status::set_status;

/// A path no route serves: `Page not found`, 404.
#[component]
pub fn NotFound() -> impl IntoView {
    view! { <Missing what="Page not found"/> }
}

/// `what` (`Ticket not found`, `Order not found`) as the page, answered 404.
#[component]
pub fn Missing(what: &'static str) -> impl IntoView {
    set_status(404);
    view! {
        <Title text=what/>
        <section class="missing">
            <h1>{what}</h1>
            <p><a href="/">"Back to the tickets"</a></p>
        </section>
    }
}
