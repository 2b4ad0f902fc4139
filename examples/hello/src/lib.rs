//! `hello`: a tour of the Rust guest SDK — every extractor and response kind, sync and async.
//!
//! Build and serve it from the repository root:
//!
//! ```text
//! cargo run -p fastwasm -- serve examples/hello --build
//! curl localhost:8000/items/42?q=hello
//! ```

use fastwasm_guest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// An item, as FastAPI's tutorial models it.
// `JsonSchema` gives `/openapi.json` the schema of the operations that take or answer
// `Json<Item>`; the doc comments become its descriptions.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct Item {
    name: String,
    price: f64,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    /// A picture of the item: a nested model, with a schema of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    image: Option<Image>,
}

/// A picture of an item.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct Image {
    url: String,
    name: String,
}

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// Say hello.
    #[get("/")]
    fn root() -> Json<Value> {
        Json(json!({ "message": "Hello World" }))
    }

    /// Say hello from an `async fn`: the same answer, awaited as a future.
    #[get("/hello")]
    async fn hello_async() -> Json<Value> {
        Json(json!({ "message": "Hello World" }))
    }

    /// Read one item.
    ///
    /// An `async fn`: the host awaits it as a future, so thousands can wait at once.
    #[get("/items/{item_id}", tags = ["items"])]
    async fn read_item(
        Path(item_id): Path<u32>,
        q: Query<Option<String>>,
        #[param(default = false)] short: Query<bool>,
    ) -> Json<Value> {
        sleep(Duration::from_millis(1)).await;
        let mut item = json!({ "item_id": item_id, "q": q.0 });
        if !short.0 {
            item["description"] = json!("This is an amazing item that has a long description");
        }
        Json(item)
    }

    /// List items, a page at a time.
    #[get("/items", tags = ["items"])]
    fn list_items(
        #[param(default = 0, description = "Items to skip")] skip: Query<u32>,
        #[param(default = 10, ge = 1, le = 100)] limit: Query<u32>,
        tag: Query<Vec<String>>,
    ) -> Json<Value> {
        Json(json!({ "skip": skip.0, "limit": limit.0, "tags": tag.0 }))
    }

    /// Create an item.
    #[post("/items", status_code = 201, tags = ["items"])]
    fn create_item(Json(item): Json<Item>) -> Json<Item> {
        Json(item)
    }

    /// Replace an item; 404 for ids past 1000.
    #[put("/items/{item_id}", tags = ["items"])]
    async fn update_item(
        Path(item_id): Path<u32>,
        Json(item): Json<Item>,
    ) -> Result<(StatusCode, Json<Value>), HttpError> {
        if item_id > 1000 {
            return Err(HttpError::new(StatusCode::NOT_FOUND, "Item not found")
                .header("x-error", "there goes my error"));
        }
        Ok((
            StatusCode::ACCEPTED,
            Json(json!({ "item_id": item_id, "item": item })),
        ))
    }

    /// Change an item's price.
    #[patch("/items/{item_id}", tags = ["items"])]
    fn patch_item(Path(item_id): Path<u32>, Json(patch): Json<Value>) -> Json<Value> {
        Json(json!({ "item_id": item_id, "patched": patch }))
    }

    /// Delete an item.
    #[delete("/items/{item_id}", status_code = 204, tags = ["items"])]
    fn delete_item(Path(_item_id): Path<u32>) {}

    /// Does an item exist? Answers in headers only.
    #[head("/items/{item_id}", tags = ["items"])]
    fn head_item(Path(item_id): Path<u32>) -> ([(&'static str, &'static str); 1], ()) {
        let exists = if item_id <= 1000 { "true" } else { "false" };
        ([("x-item-exists", exists)], ())
    }

    /// What the items collection allows.
    #[options("/items", tags = ["items"])]
    fn items_options() -> (StatusCode, [(&'static str, &'static str); 1], ()) {
        (
            StatusCode::NO_CONTENT,
            [("allow", "GET, POST, OPTIONS")],
            (),
        )
    }

    /// Headers and cookies: `user_agent` reads `user-agent`; `x-token` is named exactly.
    #[get("/whoami")]
    fn whoami(
        user_agent: Header<Option<String>>,
        #[param(alias = "x-token")] token: Header<Option<String>>,
        session: Cookie<Option<String>>,
    ) -> Json<Value> {
        Json(json!({ "user_agent": user_agent.0, "token": token.0, "session": session.0 }))
    }

    /// A user by name: 3 to 20 lowercase letters, digits or `_`.
    #[get("/users/{username}")]
    fn read_user(
        #[param(min_length = 3, max_length = 20, pattern = "^[a-z0-9_]+$")] username: Path<String>,
    ) -> Json<Value> {
        Json(json!({ "username": username.0 }))
    }

    /// A file path: `{file_path:path}` takes the rest of the URL.
    #[get("/files/{file_path:path}")]
    fn read_file(file_path: Path<String>) -> Json<Value> {
        Json(json!({ "file_path": file_path.0 }))
    }

    /// Plain text.
    #[get("/text")]
    fn text() -> &'static str {
        "Hello, plain text"
    }

    /// HTML.
    #[get("/html")]
    fn html() -> Html<&'static str> {
        Html("<h1>Hello, HTML</h1>")
    }

    /// Raw bytes.
    #[get("/bytes")]
    fn bytes() -> Vec<u8> {
        vec![0, 1, 2, 3, 255]
    }

    /// Echo the request: method, path, query, content type and body.
    #[post("/echo")]
    async fn echo(req: Request) -> Response {
        let content_type = req
            .header("content-type")
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        Response::new(req.body().to_vec())
            .header("content-type", content_type)
            .header("x-method", req.method())
            .header("x-path", req.path())
            .header("x-query", req.query())
    }

    /// Count the bytes of an upload.
    #[post("/upload")]
    fn upload(Body(bytes): Body) -> Json<Value> {
        Json(json!({ "size": bytes.len() }))
    }

    /// Write a line to stdout: it lands in the host log, tagged with this operation.
    #[get("/log")]
    fn log_line(#[param(default = "hello from the guest")] message: Query<String>) -> &'static str {
        println!("{}", message.0);
        "logged"
    }
}
