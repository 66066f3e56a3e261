//! Answers that are more than a page: redirects and error statuses. On the
//! server they set the response (every route renders with all its data
//! before answering, so the status is still open); in the browser a redirect
//! is a client-side navigation.

use leptos::prelude::*;

/// Sends the visitor to `path`: `303 See Other` from the server, a
/// navigation (replacing this entry) in the browser.
#[component]
pub fn SeeOther(#[prop(into)] path: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(location)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&path))
    {
        response.set_status(http::StatusCode::SEE_OTHER);
        response.insert_header(http::header::LOCATION, location);
    }
    #[cfg(feature = "hydrate")]
    {
        use leptos_router::{NavigateOptions, hooks::use_navigate};
        let navigate = use_navigate();
        // After this render, not during it.
        request_animation_frame(move || {
            let here = path.split(['?', '#']).next().unwrap_or_default();
            if location_pathname().as_deref() != Some(here) {
                navigate(&path, NavigateOptions { replace: true, ..NavigateOptions::default() });
            }
        });
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let _ = path;
    view! { <p class="muted">"Redirecting…"</p> }
}

/// Sets the HTTP status of a server-rendered page (404 for a missing ticket,
/// 502 when the API is out of reach); nothing in the browser.
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(status))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// The page for an API that cannot be reached: the contract's message, and a
/// 502 from the server.
#[component]
pub fn Unreachable() -> impl IntoView {
    set_status(502);
    view! { <div class="alert" role="alert">{crate::api::UNREACHABLE}</div> }
}
