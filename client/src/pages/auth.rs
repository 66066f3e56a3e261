//! `/auth/signup`, `/auth/signin` and `/auth/signout`. The browser posts to
//! the API itself, so the answer's `Set-Cookie` lands directly.

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use serde_json::{Value, json};

use crate::{
    api::{Caller, Failure, User},
    components::{
        form::{Alert, FieldError, invalid},
        status::{SeeOther, Unreachable},
    },
    format,
    session::{use_hydrated, use_session},
};

/// Which of the two forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    SignUp,
    SignIn,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::SignUp => "Sign Up",
            Self::SignIn => "Sign In",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Self::SignUp => "/api/users/signup",
            Self::SignIn => "/api/users/signin",
        }
    }
}

/// `Sign Up`: email and password, then `?next=` (a path here) or `/`.
#[component]
pub fn SignUp() -> impl IntoView {
    view! { <AuthPage kind=Kind::SignUp/> }
}

/// `Sign In`: email and password, then `?next=` (a path here) or `/`.
#[component]
pub fn SignIn() -> impl IntoView {
    view! { <AuthPage kind=Kind::SignIn/> }
}

/// The form for visitors; signed-in visitors are sent on at once.
#[component]
fn AuthPage(kind: Kind) -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let next = move || format::safe_next(query.read().get("next").as_deref());
    view! {
        <Title text=kind.label()/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => view! { <SeeOther path=next()/> }.into_any(),
                    _ => view! { <AuthForm kind next=next()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuthForm(kind: Kind, next: String) -> impl IntoView {
    let session = use_session();
    let caller = Caller::current();
    let navigate = use_navigate();
    let hydrated = use_hydrated();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let body = json!({ "email": email.get_untracked(), "password": password.get_untracked() });
        let (caller, navigate, next) = (caller.clone(), navigate.clone(), next.clone());
        spawn_local(async move {
            match caller.post::<User>(kind.endpoint(), body).await {
                Ok(_) => {
                    failure.set(None);
                    session.changed();
                    navigate(&next, NavigateOptions::default());
                }
                Err(error) => {
                    failure.set(Some(error));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <form class="card form" on:submit=submit novalidate>
            <h1>{kind.label()}</h1>
            <div class="field">
                <label for="email">"Email Address"</label>
                <input id="email" name="email" type="email" autocomplete="email" required
                    aria-describedby="email-error" aria-invalid=invalid(failure, "email") bind:value=email/>
                <FieldError failure field="email"/>
            </div>
            <div class="field">
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" required
                    aria-describedby="password-error" aria-invalid=invalid(failure, "password")
                    autocomplete=if kind == Kind::SignUp { "new-password" } else { "current-password" }
                    bind:value=password/>
                <FieldError failure field="password"/>
            </div>
            <Alert failure/>
            <button type="submit" class="button" disabled=move || busy.get() || !hydrated.get()>
                {kind.label()}
            </button>
        </form>
    }
}

/// `Signing you out...`: the browser posts the sign-out, then goes to `/`.
#[component]
pub fn SignOut() -> impl IntoView {
    let session = use_session();
    let caller = Caller::current();
    let navigate = use_navigate();
    let failed = RwSignal::new(false);
    Effect::new(move |_| {
        let (caller, navigate) = (caller.clone(), navigate.clone());
        spawn_local(async move {
            match caller.post::<Value>("/api/users/signout", json!({})).await {
                Ok(_) => {
                    session.changed();
                    navigate("/", NavigateOptions { replace: true, ..NavigateOptions::default() });
                }
                Err(_) => failed.set(true),
            }
        });
    });
    view! {
        <Title text="Sign Out"/>
        {move || if failed.get() {
            view! { <Unreachable/> }.into_any()
        } else {
            view! { <p class="signing-out">"Signing you out..."</p> }.into_any()
        }}
    }
}
