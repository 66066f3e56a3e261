//! Live updates (contract 3.5): a page subscribes to a Server-Sent Events
//! stream with the browser's `EventSource` and folds each update into what
//! it shows, within a second of the change. Status changes are announced in
//! an ARIA live region; if the stream drops, the page says so and offers a
//! reload, rather than silently going stale.
//!
//! On the server nothing is subscribed; the markup is the same on both sides
//! (an empty region), so hydration matches.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// What a page needs to show the stream's state.
#[derive(Clone, Copy)]
pub struct Live {
    /// Set when the stream dropped.
    pub dropped: RwSignal<bool>,
    /// The latest announcement (`Concert is now sold`).
    pub note: RwSignal<String>,
}

impl Live {
    /// A stream state with nothing announced.
    pub fn new() -> Self {
        Self { dropped: RwSignal::new(false), note: RwSignal::new(String::new()) }
    }

    /// Announces `text` in the live region.
    pub fn announce(self, text: String) {
        self.note.set(text);
    }

    /// Subscribes to `url` (in the browser) and calls `on` with each `event`
    /// whose data parses as `T`.
    pub fn subscribe<T: DeserializeOwned + 'static>(
        self,
        url: &'static str,
        event: &'static str,
        on: impl Fn(T) + 'static,
    ) {
        #[cfg(feature = "hydrate")]
        open(url, event, on, self.dropped);
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, event, on);
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "hydrate")]
fn open<T: DeserializeOwned + 'static>(url: &str, event: &str, on: impl Fn(T) + 'static, dropped: RwSignal<bool>) {
    use wasm_bindgen::{JsCast as _, closure::Closure};

    let Ok(source) = web_sys::EventSource::new(url) else {
        dropped.set(true);
        return;
    };
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
        if let Some(text) = message.data().as_string()
            && let Ok(update) = serde_json::from_str::<T>(&text)
        {
            on(update);
        }
    });
    let _ = source.add_event_listener_with_callback(event, on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page's stream.
    on_message.forget();
    let closer = source.clone();
    let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
        closer.close();
        dropped.set(true);
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.close());
}

/// The live region, and a reload link once the stream has dropped.
#[component]
pub fn LiveStatus(live: Live) -> impl IntoView {
    view! {
        <p class="live-note" role="status" aria-live="polite">{move || live.note.get()}</p>
        {move || live.dropped.get().then(|| view! {
            <p class="live-dropped" role="alert">
                "Live updates stopped. " <a href="" on:click=|_| reload()>"Reload the page"</a>
            </p>
        })}
    }
}

/// Reloads the page (the link's own `href=""` does it without scripts).
fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
