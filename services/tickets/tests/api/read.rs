//! `GET /api/tickets` and `GET /api/tickets/{id}`.

use serde_json::json;

use crate::helpers::{spawn_app, user};

#[tokio::test]
async fn the_list_holds_every_ticket_oldest_first() {
    let app = spawn_app().await;
    assert_eq!(app.api.get("/api/tickets", None).await.body, json!([]));
    let (seller, cookie) = user();
    let (_, other) = user();
    let first = app.create_ticket(&cookie, "First", 10.0).await;
    let second = app.create_ticket(&other, "Second", 12.5).await;
    let third = app.create_ticket(&cookie, "Third", 20.0).await;
    let reply = app.api.get("/api/tickets", None).await;
    assert_eq!(reply.code(), 200);
    let ids: Vec<&str> = reply.body.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str(), third.as_str()]);
    assert_eq!(
        reply.body[0],
        json!({"id": first, "title": "First", "price": 10, "userId": seller, "version": 0, "status": "available"})
    );
    assert_eq!(reply.body[1]["price"], json!(12.5));
}

#[tokio::test]
async fn a_ticket_is_shown_by_id_in_either_case() {
    let app = spawn_app().await;
    let (_, cookie) = user();
    let id = app.create_ticket(&cookie, "Concert", 20.0).await;
    let reply = app.show(&id.as_str().to_uppercase()).await;
    assert_eq!(
        (reply.code(), reply.body["title"].clone(), reply.body["id"].clone()),
        (200, json!("Concert"), json!(id))
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let app = spawn_app().await;
    let not_found = json!({"errors":[{"message":"Not Found"}]});
    for id in ["6561a0c0f1e2d3c4b5a69788", "abc", "6561a0c0f1e2d3c4b5a6978z", "123456789012"] {
        let reply = app.show(id).await;
        assert_eq!((reply.code(), reply.body.clone()), (404, not_found.clone()), "{id}");
    }
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn pages_follow_ids_and_link_to_the_next_while_more_remain() {
    let app = spawn_app().await;
    let (seller, cookie) = user();
    let (_, other) = user();
    let mut all = Vec::new();
    for i in 0..5 {
        let who = if i % 2 == 0 { &cookie } else { &other };
        all.push(app.create_ticket(who, &format!("T{i}"), 10.0).await.to_string());
    }

    let empty_store_page = spawn_app().await.api.get("/api/tickets?limit=3", None).await;
    assert_eq!((empty_store_page.code(), empty_store_page.body.clone()), (200, json!([])), "an empty page");
    assert!(empty_store_page.headers.get("link").is_none());

    let first = app.api.get("/api/tickets?limit=2", None).await;
    assert_eq!((first.code(), ids(&first.body)), (200, all[..2].to_vec()));
    let link = first.headers.get("link").unwrap().to_str().unwrap().to_owned();
    assert_eq!(link, format!("</api/tickets?limit=2&after={}>; rel=\"next\"", all[1]));

    let second = app.api.get(&format!("/api/tickets?limit=2&after={}", all[1]), None).await;
    assert_eq!(ids(&second.body), all[2..4].to_vec());
    assert!(second.headers.get("link").is_some());
    let last = app.api.get(&format!("/api/tickets?limit=2&after={}", all[3]), None).await;
    assert_eq!(ids(&last.body), all[4..].to_vec());
    assert!(last.headers.get("link").is_none(), "the last page links nowhere");
    let exact = app.api.get(&format!("/api/tickets?limit=1&after={}", all[3]), None).await;
    assert!(exact.headers.get("link").is_none(), "a page that ends exactly at the last ticket links nowhere");

    // Filters keep their place in the next link.
    let mine = app.api.get(&format!("/api/tickets?limit=2&userId={seller}"), None).await;
    assert_eq!(ids(&mine.body), vec![all[0].clone(), all[2].clone()]);
    let link = mine.headers.get("link").unwrap().to_str().unwrap().to_owned();
    assert_eq!(link, format!("</api/tickets?limit=2&userId={seller}&after={}>; rel=\"next\"", all[2]));
    let available = app.api.get("/api/tickets?status=available", None).await;
    assert_eq!(ids(&available.body), all, "no ticket is reserved yet");
    let reserved = app.api.get("/api/tickets?status=reserved&limit=5", None).await;
    assert_eq!(reserved.body, json!([]));

    // An `after` that is no id sorts somewhere: a page, never an error.
    assert_eq!(app.api.get("/api/tickets?limit=2&after=zzz", None).await.body, json!([]));
    assert_eq!(ids(&app.api.get("/api/tickets?limit=2&after=0", None).await.body), all[..2].to_vec());

    for bad in ["0", "101", "-1", "x", ""] {
        let reply = app.api.get(&format!("/api/tickets?limit={bad}"), None).await;
        assert_eq!(
            (reply.code(), reply.body.clone()),
            (400, json!({"errors":[{"message":"Limit must be between 1 and 100"}]})),
            "limit={bad}"
        );
    }
    let reply = app.api.get("/api/tickets?status=lost", None).await;
    assert_eq!(
        (reply.code(), reply.body.clone()),
        (400, json!({"errors":[{"message":"Status must be available, reserved or sold"}]}))
    );
    assert_eq!(app.api.get("/api/tickets?status=sold", None).await.body, json!([]), "sold is a status now");
}
