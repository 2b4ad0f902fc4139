//! Key-value stores: state that outlives an instance.
//!
//! ```ignore
//! use fastwasm_guest::key_value::Store;
//!
//! #[post("/counters/{name}")]
//! async fn bump(name: Path<String>) -> Result<Json<serde_json::Value>, HttpError> {
//!     let value = Store::open("default").increment(&name, 1).await?;
//!     Ok(Json(serde_json::json!({ "name": *name, "value": value })))
//! }
//! ```
//!
//! A component reaches only the stores its manifest entry names in `key_value_stores`. In an
//! `async fn`, each call waits without holding the instance; in a plain `fn`, use
//! [`Store::blocking`], whose calls wait on the blocking-pool thread the operation runs on. A
//! failed call converts into an [`HttpError`] with `?`: 503 when the store is unavailable or
//! slow, 500 otherwise.

use crate::__bindings::fastwasm::app::{async_key_value, key_value};
use crate::error::HttpError;
use ::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

pub use key_value::{ErrorKind, KeyPage};

/// Why a store call failed.
#[derive(Debug, Clone)]
pub struct StoreError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened, for a person.
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

impl From<key_value::StoreError> for StoreError {
    fn from(error: key_value::StoreError) -> Self {
        Self {
            kind: error.kind,
            message: error.message,
        }
    }
}

impl From<StoreError> for HttpError {
    /// 503 when the store is unavailable or did not answer in time, 500 otherwise.
    fn from(error: StoreError) -> Self {
        let status = match error.kind {
            ErrorKind::Unavailable | ErrorKind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Denied | ErrorKind::Invalid => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError::new(status, error.message)
    }
}

/// A value that could not be read back as JSON.
fn not_json(key: &str, err: serde_json::Error) -> StoreError {
    StoreError {
        kind: ErrorKind::Invalid,
        message: format!("the value at `{key}` is not the JSON expected: {err}"),
    }
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|err| StoreError {
        kind: ErrorKind::Invalid,
        message: format!("the value cannot be written as JSON: {err}"),
    })
}

fn millis(ttl: Option<Duration>) -> Option<u64> {
    ttl.map(|ttl| (ttl.as_millis() as u64).max(1))
}

/// A store, by the name the app defines it under. Opening checks nothing: a call on a store
/// the component may not use fails with [`ErrorKind::Denied`].
#[derive(Debug, Clone)]
pub struct Store {
    name: String,
}

impl Store {
    /// The store `name` (`"default"` is always defined).
    pub fn open(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    /// The app's `default` store.
    pub fn open_default() -> Self {
        Self::open("default")
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same store, for plain `fn` operations: each call blocks its thread.
    pub fn blocking(&self) -> BlockingStore<'_> {
        BlockingStore { store: self }
    }

    /// The value of `key`, `None` when absent or expired.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(async_key_value::get(self.name.clone(), key.to_owned()).await?)
    }

    /// The value of `key` read as JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.get(key).await? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|err| not_json(key, err)),
        }
    }

    /// Sets `key` to `value`, for good.
    pub async fn set(&self, key: &str, value: impl AsRef<[u8]>) -> Result<(), StoreError> {
        self.set_expiring(key, value, None).await
    }

    /// Sets `key` to `value`, expiring after `ttl` when one is given.
    pub async fn set_expiring(
        &self,
        key: &str,
        value: impl AsRef<[u8]>,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let value = value.as_ref().to_vec();
        Ok(async_key_value::set(self.name.clone(), key.to_owned(), value, millis(ttl)).await?)
    }

    /// Sets `key` to `value` written as JSON.
    pub async fn set_json(&self, key: &str, value: &impl Serialize) -> Result<(), StoreError> {
        self.set(key, to_json(value)?).await
    }

    /// Removes `key`; whether it was there.
    pub async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        Ok(async_key_value::delete(self.name.clone(), key.to_owned()).await?)
    }

    /// Whether `key` is there.
    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(async_key_value::exists(self.name.clone(), key.to_owned()).await?)
    }

    /// Adds `delta` to the counter at `key` (absent is 0) atomically; the new value.
    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        Ok(async_key_value::increment(self.name.clone(), key.to_owned(), delta).await?)
    }

    /// Sets `key` to `value` only if it holds `expected` (`None`: only if absent); whether it
    /// did.
    pub async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<bool, StoreError> {
        let (expected, value) = (expected.map(<[u8]>::to_vec), value.as_ref().to_vec());
        Ok(
            async_key_value::compare_and_swap(self.name.clone(), key.to_owned(), expected, value)
                .await?,
        )
    }

    /// The values of `keys`, in order.
    pub async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let keys = keys.iter().map(|key| (*key).to_owned()).collect();
        Ok(async_key_value::get_many(self.name.clone(), keys).await?)
    }

    /// Sets every entry at once.
    pub async fn set_many(&self, entries: &[(&str, &[u8])]) -> Result<(), StoreError> {
        let entries = entries
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value.to_vec()))
            .collect();
        Ok(async_key_value::set_many(self.name.clone(), entries, None).await?)
    }

    /// One page of the keys under `prefix`; pass the page's `cursor` back for the next.
    pub async fn list_keys(
        &self,
        prefix: &str,
        cursor: Option<String>,
    ) -> Result<KeyPage, StoreError> {
        Ok(async_key_value::list_keys(self.name.clone(), prefix.to_owned(), cursor).await?)
    }

    /// Every key under `prefix`, page after page.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.list_keys(prefix, cursor).await?;
            keys.extend(page.keys);
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(keys),
            }
        }
    }
}

/// A [`Store`] for plain `fn` operations, which run on the host's blocking pool.
#[derive(Debug, Clone, Copy)]
pub struct BlockingStore<'a> {
    store: &'a Store,
}

impl BlockingStore<'_> {
    /// The value of `key`, `None` when absent or expired.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(key_value::get(&self.store.name, key)?)
    }

    /// Sets `key` to `value`, expiring after `ttl` when one is given.
    pub fn set(
        &self,
        key: &str,
        value: impl AsRef<[u8]>,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        Ok(key_value::set(
            &self.store.name,
            key,
            value.as_ref(),
            millis(ttl),
        )?)
    }

    /// Removes `key`; whether it was there.
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        Ok(key_value::delete(&self.store.name, key)?)
    }

    /// Whether `key` is there.
    pub fn exists(&self, key: &str) -> Result<bool, StoreError> {
        Ok(key_value::exists(&self.store.name, key)?)
    }

    /// Adds `delta` to the counter at `key` atomically; the new value.
    pub fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        Ok(key_value::increment(&self.store.name, key, delta)?)
    }

    /// Sets `key` to `value` only if it holds `expected`; whether it did.
    pub fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<bool, StoreError> {
        Ok(key_value::compare_and_swap(
            &self.store.name,
            key,
            expected,
            value.as_ref(),
        )?)
    }

    /// One page of the keys under `prefix`.
    pub fn list_keys(&self, prefix: &str, cursor: Option<&str>) -> Result<KeyPage, StoreError> {
        Ok(key_value::list_keys(&self.store.name, prefix, cursor)?)
    }
}
