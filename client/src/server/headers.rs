//! Security headers on the client's answers (contract 9).
//!
//! Every answer says `nosniff`, may not be framed, and sends the origin only
//! as the referrer to other sites; with secure cookies (`COOKIE_SECURE`, the
//! same setting auth reads) browsers are also told to use HTTPS only. Pages
//! get a Content-Security-Policy that allows this origin, the inline scripts
//! Leptos writes (they carry the response's nonce), compiling the wasm
//! bundle, and Stripe.js: its script and frames from `js.stripe.com`, its
//! calls to `api.stripe.com`. Nothing else runs, loads or frames the page.

use axum::Router;
use http::{HeaderName, HeaderValue, header};
use leptos::prelude::*;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where Stripe.js comes from and what it talks to.
const STRIPE_SCRIPTS: &str = "https://js.stripe.com";
const STRIPE_API: &str = "https://api.stripe.com";

/// HSTS for a year, subdomains included: only sent when cookies are secure,
/// i.e. when the site is served over HTTPS (a local stack over plain HTTP
/// must not pin itself to HTTPS).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The policy for a page whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|nonce| format!(" 'nonce-{nonce}'")).unwrap_or_default();
    format!(
        "default-src 'self'; \
         script-src 'self'{nonce} 'wasm-unsafe-eval' {STRIPE_SCRIPTS}; \
         style-src 'self'; img-src 'self'; font-src 'self'; \
         connect-src 'self' {STRIPE_API}; \
         frame-src {STRIPE_SCRIPTS}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while a page renders (its response options and nonce are in
/// context): sets the page's Content-Security-Policy.
pub fn set_page_policy() {
    let nonce = leptos::nonce::use_nonce();
    let policy = content_security_policy(nonce.as_deref());
    // The policy is built from constants and a base64 nonce: always a valid value.
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&policy))
    {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the headers every answer carries to `router`.
pub fn every_answer(router: Router, cookies_secure: bool) -> Router {
    let mut headers = vec![
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    ];
    if cookies_secure {
        headers.push((header::STRICT_TRANSPORT_SECURITY, HSTS));
    }
    headers.into_iter().fold(router, |router, (name, value): (HeaderName, &'static str)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_nonce_and_stripe_only() {
        let policy = content_security_policy(Some("abc123"));
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval' https://js.stripe.com;"));
        assert!(policy.contains("connect-src 'self' https://api.stripe.com;"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!content_security_policy(None).contains("nonce"));
    }
}
