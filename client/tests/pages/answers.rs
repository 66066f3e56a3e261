//! Answers that are not the page itself: 303s for anonymous visitors, 404
//! pages, the JSON 404 for stray API paths, and the client's ops routes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{order, sell, sign_up, with_stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_404s_and_ops_routes_answer_as_the_contract_says() {
    with_stack(60, async |stack| {
        let api = &stack.api;
        let seller = sign_up(api, "seller@example.com").await;
        let buyer = sign_up(api, "buyer@example.com").await;
        let rival = sign_up(api, "rival@example.com").await;
        let ticket = sell(api, &seller, "Concert", 20.0).await;
        let placed = order(api, &buyer, &ticket).await;

        // Pages for signed-in visitors send others to sign in, with 303.
        for path in ["/tickets/new", "/orders", &format!("/orders/{placed}")] {
            let page = stack.page(path, None).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            // Sign-in comes back to the page that sent the visitor (the order page keeps the plain link).
            let back = if path.starts_with("/orders/") {
                "/auth/signin".to_owned()
            } else {
                format!("/auth/signin?next={path}")
            };
            assert_eq!(page.location.as_deref(), Some(back.as_str()), "{path}");
        }
        // And signed-in visitors have no business on the sign-in forms.
        for path in ["/auth/signin", "/auth/signup"] {
            let page = stack.page(path, Some(&buyer)).await;
            assert_eq!((page.status, page.location.as_deref()), (StatusCode::SEE_OTHER, Some("/")), "{path}");
        }
        // The forms and the sign-out page, for everyone else.
        let signup = stack.page("/auth/signup", None).await;
        assert_eq!(signup.status, StatusCode::OK);
        signup.shows(&["Sign Up", "Email Address", "Password"]);
        assert!(signup.html.contains("<label for=\"email\">Email Address</label>"), "labelled inputs");
        stack.page("/auth/signin", None).await.shows(&["Sign In", "Email Address", "Password"]);
        stack.page("/auth/signout", Some(&buyer)).await.shows(&["Signing you out..."]);
        stack.page("/tickets/new", Some(&seller)).await.shows(&["Create a Ticket", "Title", "Price", "Submit"]);

        // Missing things are pages that say so, with 404.
        for (path, cookie, message) in [
            ("/tickets/0123456789abcdef01234567", None, "Ticket not found"),
            ("/tickets/not-an-id", None, "Ticket not found"),
            ("/orders/0123456789abcdef01234567", Some(&buyer), "Order not found"),
            (&format!("/orders/{placed}") as &str, Some(&rival), "Order not found"),
            ("/no/such/page", None, "Page not found"),
        ] {
            let page = stack.page(path, cookie.map(String::as_str)).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
            assert!(page.content_type.starts_with("text/html"), "{path}: {}", page.content_type);
            page.shows(&["GitTix", message]);
        }

        // An API path no service serves reaches the client, which answers like the API.
        for path in ["/api/nothing", "/api/usersx", "/api", "/api/unknown/deeper"] {
            let reply = api.get(path, None).await;
            assert_eq!(reply.code(), 404, "{path}");
            assert_eq!(reply.body, json!({"errors": [{"message": "Not Found"}]}), "{path}");
            assert_eq!(reply.headers[reqwest::header::CONTENT_TYPE], "application/json", "{path}");
        }
        assert_eq!(api.post("/api/nothing", None, &json!({})).await.code(), 404);

        // The client's own ops routes (not routed through the one origin).
        let health = stack.client("/healthz").await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(serde_json::from_str::<Value>(&health.html).unwrap(), json!({"status": "ok"}));
        let ready = stack.client("/readyz").await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(serde_json::from_str::<Value>(&ready.html).unwrap()["status"], "ready");
        let metrics = stack.client("/metrics").await;
        assert_eq!(metrics.status, StatusCode::OK);
        assert!(
            metrics.html.contains("http_requests_total{") && metrics.html.contains("route=\"/tickets/{ticketId}\""),
            "page requests are counted by route template:\n{}",
            metrics.html
        );
    })
    .await;
}
