//! `examples/polyglot`: Rust, Python and JavaScript components in one app, with dependencies
//! that cross languages by name: Python and JavaScript handlers use the Rust `current-user`
//! provider, and a Rust handler uses the Python `pricing` provider.

use crate::support::{Server, built, client, get, get_json, run, shared_cache};
use serde_json::json;

fn polyglot() -> Server {
    Server::start_at(&built("examples/polyglot"), &[], &shared_cache())
}

async fn get_as(server: &Server, path: &str, token: &str) -> (u16, serde_json::Value) {
    let response = client()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_python_handler_depends_on_a_rust_provider() {
    let server = polyglot();
    let (status, body) = get_as(&server, "/catalog/recommendations", "bob-token").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"for": "Bob Builder", "books": [
            "Structure and Interpretation of Computer Programs",
            "The Rust Programming Language"]})
    );
    let (status, body) = get_as(&server, "/catalog/recommendations", "alice-token").await;
    assert_eq!((status, body["books"].as_array().unwrap().len()), (200, 3));

    // The Rust provider's 401 ends the request before the Python handler runs.
    let (status, headers, body) = get(server.url("/catalog/recommendations")).await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"detail":"Not authenticated"}"#)
    );
    assert_eq!(headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn a_rust_handler_depends_on_a_python_provider() {
    let server = polyglot();
    let (status, body) = get_as(&server, "/accounts/me/quote?list_price=40", "alice-token").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"username": "alice", "list_price": 40.0, "price": 36.0, "currency": "EUR"})
    );
    let (_, body) = get_as(&server, "/accounts/me/quote?list_price=40", "bob-token").await;
    assert_eq!(body["price"], 40.0);
    let (status, body) = get_as(&server, "/accounts/me/quote?list_price=0", "alice-token").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "greater_than");
    // Without a token the provider's 401 is the answer, bad price or not, as in FastAPI.
    let (status, body) = get_json(server.url("/accounts/me/quote?list_price=0")).await;
    assert_eq!(
        (status, body),
        (401, json!({"detail": "Not authenticated"}))
    );
}

#[tokio::test]
async fn a_javascript_handler_depends_on_a_rust_provider() {
    let server = polyglot();
    let response = client()
        .post(server.url("/reviews/1"))
        .bearer_auth("alice-token")
        .json(&json!({"stars": 5, "text": "A classic."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"book_id": 1, "username": "alice", "stars": 5, "text": "A classic."})
    );
    let response = client()
        .post(server.url("/reviews/1"))
        .json(&json!({"stars": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn three_languages_serve_side_by_side() {
    let server = polyglot();
    let (status, body) = get_json(server.url("/catalog/books/2")).await;
    assert_eq!(
        (status, body["title"].as_str()),
        (200, Some("The Rust Programming Language"))
    );
    let (status, body) = get_json(server.url("/reviews/1")).await;
    assert_eq!(
        (status, body["reviews"][0]["username"].as_str()),
        (200, Some("bob"))
    );
    let (status, body) = get_json(server.url("/catalog/books/0")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["path", "book_id"]));

    let dir = built("examples/polyglot");
    let cache = shared_cache();
    let output = run(&[
        "routes",
        dir.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&output.stdout);
    for row in [
        [
            "/accounts/me/quote",
            "sync",
            "accounts",
            "current-user,pricing",
        ],
        [
            "/catalog/recommendations",
            "async",
            "catalog",
            "current-user",
        ],
        ["/reviews/{book_id}", "sync", "reviews", "current-user"],
    ] {
        assert!(
            table
                .lines()
                .any(|line| row.iter().all(|cell| line.contains(cell))),
            "no route row with {row:?} in:\n{table}"
        );
    }
}

#[tokio::test]
async fn the_document_joins_what_each_component_says_of_the_app_under_the_manifest() {
    let server = polyglot();
    let (status, document) = get_json(server.url("/openapi.json")).await;
    assert_eq!(status, 200, "{document}");
    // The manifest's title over the Python app's; the rest of the Python app's info as
    // FastAPI writes it; the version no one set is FastAPI's default.
    assert_eq!(
        document["info"],
        json!({
            "title": "Polyglot bookshop",
            "summary": "Books, prices and reviews, from three languages.",
            "version": "0.1.0",
            "contact": {"name": "Bookshop team", "email": "books@example.com"},
            "license": {"name": "Apache 2.0", "identifier": "Apache-2.0"},
        })
    );
    // Tags in manifest order (catalog, then reviews); the first description of a name stands.
    assert_eq!(
        document["tags"],
        json!([
            {"name": "catalog", "description": "The books on sale."},
            {"name": "reviews", "description": "What readers say, written by signed-in users."},
        ])
    );
    assert!(document.get("servers").is_none(), "{document}");
}
