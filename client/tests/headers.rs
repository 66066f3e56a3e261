//! The client's security headers (contract 9), over HTTP: every answer is
//! `nosniff`, unframeable and sends a trimmed referrer; pages carry a
//! Content-Security-Policy whose nonce is the one on their inline scripts;
//! HSTS only when cookies are secure.

use client::server::{config::Settings, startup::Application};
use common::config::Env;
use test_support::free_port;

/// The client with `COOKIE_SECURE=secure` and no API behind it (pages then
/// render the "try again" page, which is still a page).
async fn spawn_client(secure: &str) -> (String, tokio::sync::oneshot::Sender<()>) {
    let api = format!("http://127.0.0.1:{}", free_port());
    let env =
        Env::from_pairs([("API_BASE_URL", api.as_str()), ("SITE_DIR", "/nonexistent"), ("COOKIE_SECURE", secure)]);
    let mut settings = Settings::from_env(&env).unwrap();
    settings.addr = "127.0.0.1:0".parse().unwrap();
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    (base, stop)
}

async fn get(url: &str) -> (reqwest::header::HeaderMap, String) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    (headers, response.text().await.unwrap())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn every_answer_is_nosniff_unframeable_and_sends_a_trimmed_referrer() {
    let (base, _stop) = spawn_client("true").await;
    for path in ["/", "/orders", "/no/such/page", "/api/nothing", "/favicon.svg", "/pkg/client.js"] {
        let (headers, _) = get(&format!("{base}{path}")).await;
        assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(header(&headers, "x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(header(&headers, "referrer-policy"), Some("strict-origin-when-cross-origin"), "{path}");
        assert_eq!(
            header(&headers, "strict-transport-security"),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
        assert_eq!(headers.get_all("x-frame-options").iter().count(), 1, "{path}: once");
    }
}

#[tokio::test]
async fn pages_carry_a_policy_whose_nonce_is_on_their_inline_scripts() {
    let (base, _stop) = spawn_client("true").await;
    let mut nonces = Vec::new();
    for path in ["/", "/tickets/new", "/no/such/page"] {
        let (headers, html) = get(&format!("{base}{path}")).await;
        let policy = header(&headers, "content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP"));
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval' https://js.stripe.com;",
            "connect-src 'self' https://api.stripe.com;",
            "frame-src https://js.stripe.com;",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {directive} missing from {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
        assert!(nonce.len() >= 16, "{path}: a short nonce {nonce}");
        let scripts: Vec<&str> =
            html.split("<script").skip(1).map(|rest| rest.split('>').next().unwrap_or_default()).collect();
        assert!(!scripts.is_empty(), "{path}: no script in {html}");
        for script in scripts {
            assert!(script.contains(&format!("nonce=\"{nonce}\"")), "{path}: <script{script}> lacks the nonce");
        }
        nonces.push(nonce.to_owned());
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a new nonce per answer");
}

#[tokio::test]
async fn without_secure_cookies_there_is_no_hsts() {
    let (base, _stop) = spawn_client("false").await;
    let (headers, _) = get(&format!("{base}/")).await;
    assert_eq!(header(&headers, "strict-transport-security"), None);
    assert_eq!(header(&headers, "x-frame-options"), Some("DENY"));
    assert!(header(&headers, "content-security-policy").is_some());
}
