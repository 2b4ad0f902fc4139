//! The `providers` component of `examples/auth`: who is calling, and a database session.
//!
//! ```text
//! request-id ──┬── token ──┐
//!              └── db ─────┴── current-user (async)
//! ```
//! Each provider writes a line to stdout, so the server log shows what ran, in which order.

use fastwasm_guest::prelude::*;
use serde::{Deserialize, Serialize};

/// A database session: opened per request, closed after the response.
#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    pub request_id: String,
}

/// A user, as the `api` component reads it.
#[derive(Debug, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub disabled: bool,
}

fn user(username: &str, full_name: &str, disabled: bool) -> User {
    User {
        username: username.into(),
        full_name: full_name.into(),
        disabled,
    }
}

#[fastwasm_guest::app]
mod providers {
    use super::*;

    /// The request's id: the caller's `X-Request-Id`, or one made up.
    #[provider("request-id")]
    fn request_id(x_request_id: Header<Option<String>>) -> Result<String, HttpError> {
        let id = x_request_id.0.unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos());
            format!("{nanos:x}")
        });
        println!("provide request-id rid={id}");
        Ok(id)
    }

    /// The bearer token of `Authorization`; 401 with `WWW-Authenticate` without one.
    #[provider("token")]
    fn token(
        authorization: Header<Option<String>>,
        #[dep("request-id")] rid: Dep<String>,
    ) -> Result<String, HttpError> {
        println!("provide token rid={}", rid.0);
        authorization
            .0
            .as_deref()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_owned)
            .ok_or_else(|| {
                HttpError::new(StatusCode::UNAUTHORIZED, "Not authenticated")
                    .header("www-authenticate", "Bearer")
            })
    }

    /// A database session for this request (a sync provider: it would block on I/O).
    #[provider("db", teardown = close_db)]
    fn db(#[dep("request-id")] rid: Dep<String>) -> Result<Session, HttpError> {
        println!("open db rid={}", rid.0);
        Ok(Session { request_id: rid.0 })
    }

    fn close_db(session: Session) {
        println!("close db rid={}", session.request_id);
    }

    /// The user the token belongs to.
    #[provider("current-user")]
    async fn current_user(token: Dep<String>, db: Dep<Session>) -> Result<User, HttpError> {
        println!("provide current-user rid={}", db.request_id);
        match token.0.as_str() {
            "alice-token" => Ok(user("alice", "Alice Wonderson", false)),
            "bob-token" => Err(HttpError::new(StatusCode::BAD_REQUEST, "Inactive user")),
            _ => Err(HttpError::new(
                StatusCode::UNAUTHORIZED,
                "Invalid authentication credentials",
            )
            .header("www-authenticate", "Bearer")),
        }
    }

    /// A stand-in user, for `--override current-user=guest-user` in local runs.
    #[provider("guest-user")]
    async fn guest_user() -> Result<User, HttpError> {
        Ok(user("guest", "Guest User", false))
    }
}
