//! The Rust component of `examples/polyglot`: who the caller is (the `current-user` provider,
//! which the Python and JavaScript components depend on), and a price quote that depends on the
//! Python component's `pricing` provider.

use fastwasm_guest::prelude::*;
use serde::{Deserialize, Serialize};

/// The caller, as every component of the app reads it.
#[derive(Debug, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub member: bool,
}

/// The Python component's price rules.
#[derive(Debug, Serialize, Deserialize)]
pub struct Pricing {
    pub currency: String,
    pub member_discount: f64,
}

/// A price for one caller.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Quote {
    pub username: String,
    pub list_price: f64,
    pub price: f64,
    pub currency: String,
}

#[fastwasm_guest::app]
mod accounts {
    use super::*;

    /// The user a bearer token belongs to; 401 with `WWW-Authenticate` otherwise.
    #[provider("current-user")]
    fn current_user(authorization: Header<Option<String>>) -> Result<User, HttpError> {
        let unauthorized = || {
            HttpError::new(StatusCode::UNAUTHORIZED, "Not authenticated")
                .header("www-authenticate", "Bearer")
        };
        let token = authorization
            .0
            .as_deref()
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        match token {
            "alice-token" => Ok(User {
                username: "alice".into(),
                full_name: "Alice Wonderson".into(),
                member: true,
            }),
            "bob-token" => Ok(User {
                username: "bob".into(),
                full_name: "Bob Builder".into(),
                member: false,
            }),
            _ => Err(unauthorized()),
        }
    }

    /// The caller's price for a list price, with the member discount the Python component's
    /// `pricing` provider sets.
    #[get("/accounts/me/quote", tags = ["accounts"])]
    fn quote(
        #[param(gt = 0.0)] list_price: Query<f64>,
        current_user: Dep<User>,
        pricing: Dep<Pricing>,
    ) -> Json<Quote> {
        let discount = if current_user.member {
            pricing.member_discount
        } else {
            0.0
        };
        let price = (list_price.0 * (1.0 - discount) * 100.0).round() / 100.0;
        Json(Quote {
            username: current_user.0.username,
            list_price: list_price.0,
            price,
            currency: pricing.0.currency,
        })
    }
}
