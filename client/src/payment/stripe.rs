//! Stripe.js Elements, for when a publishable key is set: Stripe's card
//! field is mounted into the form, and `createToken` turns it into the token
//! payments charges. Stripe's script is loaded on first use, from Stripe (it
//! must never be self-hosted).

use leptos::prelude::*;

use crate::api::Failure;

/// Stripe's script.
#[cfg(feature = "hydrate")]
const STRIPE_JS: &str = "https://js.stripe.com/v3/";

/// Shown when Stripe.js cannot be loaded or refuses the key.
#[cfg(feature = "hydrate")]
const UNAVAILABLE: &str = "Card payments are unavailable right now, please try again later";

/// The card field of one payment form.
#[derive(Clone, Copy)]
pub(super) struct StripeCard {
    #[cfg(feature = "hydrate")]
    mounted: StoredValue<Option<browser::Mounted>, LocalStorage>,
}

impl StripeCard {
    pub(super) fn new() -> Self {
        Self {
            #[cfg(feature = "hydrate")]
            mounted: StoredValue::new_local(None),
        }
    }

    /// Loads Stripe.js if needed, then mounts the card field into `selector`.
    /// A failure (no network, a bad key) shows in the form's alert.
    pub(super) fn mount(self, key: &str, selector: &'static str, failure: RwSignal<Option<Failure>>) {
        #[cfg(feature = "hydrate")]
        {
            let key = key.to_owned();
            let mounted = self.mounted;
            let start = move || match browser::mount(&key, selector) {
                Ok(card) => mounted.set_value(Some(card)),
                Err(message) => failure.set(Some(refusal(message))),
            };
            let unavailable = move || failure.set(Some(refusal(UNAVAILABLE.to_owned())));
            if let Err(message) = browser::with_stripe_js(STRIPE_JS, start, unavailable) {
                failure.set(Some(refusal(message)));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, selector, failure);
    }

    /// The token for the card typed in, or Stripe's message about it.
    pub(super) async fn token(self) -> Result<String, String> {
        #[cfg(feature = "hydrate")]
        {
            let pending = self.mounted.with_value(|mounted| mounted.as_ref().map(browser::Mounted::create_token));
            match pending {
                Some(pending) => browser::read_token(pending).await,
                None => Err("The card form is still loading, please try again".to_owned()),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            Err("Card payments need the browser".to_owned())
        }
    }
}

#[cfg(feature = "hydrate")]
fn refusal(message: String) -> Failure {
    Failure::Refused { status: 400, errors: vec![crate::api::ErrorItem { message, field: None }] }
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue, prelude::*};
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        /// The object `Stripe(key)` returns.
        type Stripe;
        /// `stripe.elements()`.
        type Elements;
        /// A mounted Element (the card field).
        type Element;

        #[wasm_bindgen(catch, js_name = Stripe)]
        fn new_stripe(key: &str) -> Result<Stripe, JsValue>;
        #[wasm_bindgen(method)]
        fn elements(this: &Stripe) -> Elements;
        #[wasm_bindgen(method, js_name = createToken)]
        fn create_token(this: &Stripe, element: &Element) -> Promise;
        #[wasm_bindgen(method)]
        fn create(this: &Elements, kind: &str) -> Element;
        #[wasm_bindgen(method, catch)]
        fn mount(this: &Element, selector: &str) -> Result<(), JsValue>;
    }

    /// Stripe and its mounted card field.
    pub(super) struct Mounted {
        stripe: Stripe,
        card: Element,
    }

    impl Mounted {
        pub(super) fn create_token(&self) -> Promise {
            self.stripe.create_token(&self.card)
        }
    }

    /// Runs `then` once `window.Stripe` exists, loading the script if needed;
    /// `failed` if the script cannot be loaded.
    pub(super) fn with_stripe_js(
        src: &str,
        then: impl FnOnce() + 'static,
        failed: impl FnOnce() + 'static,
    ) -> Result<(), String> {
        let window = web_sys::window().ok_or("no window")?;
        if Reflect::has(&window, &JsValue::from_str("Stripe")).unwrap_or(false) {
            then();
            return Ok(());
        }
        let document = window.document().ok_or("no document")?;
        let script: web_sys::HtmlScriptElement = document
            .create_element("script")
            .map_err(|_| "cannot load Stripe")?
            .dyn_into()
            .map_err(|_| "cannot load Stripe")?;
        script.set_src(src);
        let onload = Closure::once_into_js(then);
        script.set_onload(Some(onload.unchecked_ref()));
        let source = src.to_owned();
        let onerror = Closure::once_into_js(move || {
            leptos::logging::warn!("Stripe.js could not be loaded from {source}");
            failed();
        });
        script.set_onerror(Some(onerror.unchecked_ref()));
        document.head().ok_or("no head")?.append_child(&script).map_err(|_| "cannot load Stripe")?;
        Ok(())
    }

    /// `Stripe(key).elements().create('card').mount(selector)`.
    pub(super) fn mount(key: &str, selector: &str) -> Result<Mounted, String> {
        let stripe = new_stripe(key).map_err(|_| super::UNAVAILABLE.to_owned())?;
        let card = stripe.elements().create("card");
        card.mount(selector).map_err(|_| super::UNAVAILABLE.to_owned())?;
        Ok(Mounted { stripe, card })
    }

    /// `{token: {id}}` → the id; `{error: {message}}` → the message.
    pub(super) async fn read_token(pending: Promise) -> Result<String, String> {
        let result = JsFuture::from(pending).await.map_err(|_| "The card could not be checked".to_owned())?;
        let field = |object: &JsValue, name: &str| Reflect::get(object, &JsValue::from_str(name)).ok();
        if let Some(error) = field(&result, "error").filter(|error| error.is_object()) {
            let message = field(&error, "message").and_then(|message| message.as_string());
            return Err(message.unwrap_or_else(|| "The card could not be checked".to_owned()));
        }
        field(&result, "token")
            .and_then(|token| field(&token, "id"))
            .and_then(|id| id.as_string())
            .ok_or_else(|| "The card could not be checked".to_owned())
    }
}
