//! The `api` component of `examples/auth`: endpoints that depend on providers that live in
//! another component, resolved by the host before each handler runs.

use fastwasm_guest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The provider's `User`, read from its JSON.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub disabled: bool,
}

/// The provider's `Session`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    pub request_id: String,
}

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// The caller.
    #[get("/users/me", tags = ["users"])]
    async fn read_me(current_user: Dep<User>) -> Json<User> {
        Json(current_user.0)
    }

    /// The caller's items, read with the request's database session.
    ///
    /// Three consumers share one `db` and one `token`: each is provided once per request.
    #[get("/items", tags = ["items"])]
    fn read_items(current_user: Dep<User>, db: Dep<Session>, token: Dep<String>) -> Json<Value> {
        println!("handler read_items rid={}", db.request_id);
        Json(json!({
            "owner": current_user.username,
            "items": [{"name": "Portal Gun"}, {"name": "Plumbus"}],
            "session": db.request_id,
            "token_length": token.len(),
        }))
    }

    /// A session of its own, not shared with `current-user`'s (`use_cache = false`).
    #[get("/sessions/fresh", tags = ["items"])]
    fn fresh_session(
        current_user: Dep<User>,
        #[dep(use_cache = false)] db: Dep<Session>,
    ) -> Json<Value> {
        Json(json!({ "owner": current_user.username, "session": db.request_id }))
    }

    /// Fails after its dependencies resolved: their teardowns still run.
    #[get("/items/broken", tags = ["items"])]
    fn broken(db: Dep<Session>) -> &'static str {
        println!("handler broken rid={}", db.request_id);
        panic!("the handler failed after opening a session")
    }

    /// Liveness. Takes no dependency, but the app-level `request-id` runs anyway.
    #[get("/health")]
    fn health() -> Json<Value> {
        Json(json!({ "status": "ok" }))
    }
}
