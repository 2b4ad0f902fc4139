//! Every key-value call from async and sync operations, for the host's state tests: each
//! operation makes one call on the store its `store` query names (`default` unless given) and
//! answers with what came back; a failed call answers as the SDK turns it into an `HttpError`.

use fastwasm_guest::key_value::Store;
use fastwasm_guest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

fn store(name: &Option<String>) -> Store {
    Store::open(name.clone().unwrap_or_else(|| "default".into()))
}

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// Sets a key to the request body, expiring after `ttl_ms` when given.
    #[put("/kv/{key}")]
    async fn set(
        key: Path<String>,
        store: Query<Option<String>>,
        ttl_ms: Query<Option<u64>>,
        body: Body,
    ) -> Result<Json<Value>, HttpError> {
        let ttl = ttl_ms.0.map(Duration::from_millis);
        super::store(&store)
            .set_expiring(&key, &body.0, ttl)
            .await?;
        Ok(Json(json!({ "set": *key })))
    }

    /// The value of a key as text, or 404.
    #[get("/kv/{key}")]
    async fn get(key: Path<String>, store: Query<Option<String>>) -> Result<String, HttpError> {
        match super::store(&store).get(&key).await? {
            Some(value) => Ok(String::from_utf8_lossy(&value).into_owned()),
            None => Err(HttpError::new(StatusCode::NOT_FOUND, "no such key")),
        }
    }

    #[delete("/kv/{key}")]
    async fn delete(
        key: Path<String>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let deleted = super::store(&store).delete(&key).await?;
        Ok(Json(json!({ "deleted": deleted })))
    }

    #[get("/exists/{key}")]
    async fn exists(
        key: Path<String>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let exists = super::store(&store).exists(&key).await?;
        Ok(Json(json!({ "exists": exists })))
    }

    #[post("/incr/{key}")]
    async fn increment(
        key: Path<String>,
        by: Query<Option<i64>>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let value = super::store(&store)
            .increment(&key, by.0.unwrap_or(1))
            .await?;
        Ok(Json(json!({ "value": value })))
    }

    /// `{"expected": "old" | null, "value": "new"}`.
    #[post("/cas/{key}")]
    async fn compare_and_swap(
        key: Path<String>,
        store: Query<Option<String>>,
        Json(body): Json<Value>,
    ) -> Result<Json<Value>, HttpError> {
        let expected = body["expected"].as_str().map(str::as_bytes);
        let value = body["value"].as_str().unwrap_or_default();
        let swapped = super::store(&store)
            .compare_and_swap(&key, expected, value)
            .await?;
        Ok(Json(json!({ "swapped": swapped })))
    }

    /// One page of keys.
    #[get("/keys")]
    async fn list_keys(
        prefix: Query<Option<String>>,
        cursor: Query<Option<String>>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let prefix = prefix.0.unwrap_or_default();
        let page = super::store(&store).list_keys(&prefix, cursor.0).await?;
        Ok(Json(json!({ "keys": page.keys, "cursor": page.cursor })))
    }

    /// Every key, through all pages.
    #[get("/all-keys")]
    async fn all_keys(
        prefix: Query<Option<String>>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let mut keys = super::store(&store)
            .keys(&prefix.0.unwrap_or_default())
            .await?;
        keys.sort();
        Ok(Json(json!({ "keys": keys })))
    }

    /// `{"a": "1", "b": "2"}` set in one batch.
    #[post("/many")]
    async fn set_many(
        store: Query<Option<String>>,
        Json(body): Json<serde_json::Map<String, Value>>,
    ) -> Result<Json<Value>, HttpError> {
        let entries: Vec<(&str, &[u8])> = body
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str().unwrap_or_default().as_bytes()))
            .collect();
        super::store(&store).set_many(&entries).await?;
        Ok(Json(json!({ "set": entries.len() })))
    }

    /// The values of `keys` (comma-separated), `null` where absent.
    #[get("/many")]
    async fn get_many(
        keys: Query<String>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let keys: Vec<&str> = keys.0.split(',').collect();
        let values = super::store(&store).get_many(&keys).await?;
        let values: Vec<Option<String>> = values
            .into_iter()
            .map(|value| value.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
            .collect();
        Ok(Json(json!({ "values": values })))
    }

    /// An increment from a sync operation, on its blocking-pool thread.
    #[post("/sync/incr/{key}")]
    fn increment_sync(
        key: Path<String>,
        store: Query<Option<String>>,
    ) -> Result<Json<Value>, HttpError> {
        let value = super::store(&store).blocking().increment(&key, 1)?;
        Ok(Json(json!({ "value": value })))
    }

    /// A read from a sync operation.
    #[get("/sync/kv/{key}")]
    fn get_sync(key: Path<String>, store: Query<Option<String>>) -> Result<String, HttpError> {
        match super::store(&store).blocking().get(&key)? {
            Some(value) => Ok(String::from_utf8_lossy(&value).into_owned()),
            None => Err(HttpError::new(StatusCode::NOT_FOUND, "no such key")),
        }
    }
}
