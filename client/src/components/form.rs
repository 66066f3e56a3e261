//! Form pieces: an input's own error, and the alert above the button.

use leptos::prelude::*;

use crate::api::Failure;

/// The API's message for `field`, next to its input.
#[component]
pub fn FieldError(failure: RwSignal<Option<Failure>>, field: &'static str) -> impl IntoView {
    let message = move || failure.with(|failure| failure.as_ref().and_then(|failure| failure.field(field)));
    view! {
        {move || message().map(|message| view! {
            <p class="field-error" id=format!("{field}-error") role="alert">{message}</p>
        })}
    }
}

/// Messages that belong to no input (`Email in use`, `Your card was
/// declined.`), or the contract's message when the API is out of reach.
#[component]
pub fn Alert(failure: RwSignal<Option<Failure>>) -> impl IntoView {
    let messages = move || failure.with(|failure| failure.as_ref().map(Failure::general).unwrap_or_default());
    view! {
        {move || {
            let messages = messages();
            (!messages.is_empty()).then(|| view! {
                <div class="alert" role="alert">
                    <ul>{messages.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}</ul>
                </div>
            })
        }}
    }
}

/// `aria-invalid="true"` while the API has a message for `field`.
pub fn invalid(failure: RwSignal<Option<Failure>>, field: &'static str) -> impl Fn() -> Option<&'static str> + Copy {
    move || failure.with(|failure| failure.as_ref().and_then(|failure| failure.field(field)).map(|_| "true"))
}
