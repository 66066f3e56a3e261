//! The session every page shares (who is signed in), and whether the page
//! has been hydrated yet.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::{Caller, CurrentUserReply, Failure, User};

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
    /// Asks the API who is signed in, for every page under this one.
    pub(crate) fn provide() {
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
pub(crate) fn mark_hydrated() {
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
