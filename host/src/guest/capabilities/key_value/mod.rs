//! Key-value stores: state that outlives an instance. The runtime owns one [`StoreSet`] — every
//! store the app defines, each opened on first use and kept open across reloads — and each
//! component gets a [`KeyValue`]: the stores its `key_value_stores` names, under the host's
//! limits. Both WIT interfaces (`key-value`, sync, and `async-key-value`) end in
//! [`KeyValue::run`], the one place that checks the grant, the sizes and the time a call takes.

mod embedded;
mod interface;
mod redis;

use crate::config::{Settings, StoreBackend, Stores};
use anyhow::{Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// One call on a store, as both interfaces make it.
#[derive(Debug)]
pub enum Op {
    Get(String),
    Set {
        key: String,
        value: Vec<u8>,
        ttl: Option<Duration>,
    },
    Delete(String),
    Exists(String),
    ListKeys {
        prefix: String,
        cursor: Option<String>,
        limit: usize,
    },
    Increment {
        key: String,
        delta: i64,
    },
    CompareAndSwap {
        key: String,
        expected: Option<Vec<u8>>,
        value: Vec<u8>,
    },
    GetMany(Vec<String>),
    SetMany {
        entries: Vec<(String, Vec<u8>)>,
        ttl: Option<Duration>,
    },
}

/// What a call answers; which variant follows from the [`Op`].
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Value(Option<Vec<u8>>),
    Done,
    Flag(bool),
    Page {
        keys: Vec<String>,
        cursor: Option<String>,
    },
    Number(i64),
    Values(Vec<Option<Vec<u8>>>),
}

/// Why a call failed, as the guest sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The component may not use the store.
    Denied(String),
    /// The call itself is wrong: sizes, a non-integer to increment, a foreign cursor.
    Invalid(String),
    /// The backend cannot be reached or failed.
    Unavailable(String),
    /// The backend took longer than `store_timeout`.
    Timeout(String),
}

/// Every store of the app, by name; a store opens (a file, a Redis client) on first use, so
/// `check` and `routes` touch nothing, and stays open while the process runs.
pub struct StoreSet {
    stores: BTreeMap<String, Arc<Store>>,
}

impl StoreSet {
    /// The stores `stores` defines, none opened yet.
    pub fn new(stores: &Stores) -> Arc<Self> {
        Arc::new(Self {
            stores: stores
                .iter()
                .map(|(name, backend)| {
                    let store = Store {
                        name: name.clone(),
                        backend: backend.clone(),
                        open: OnceCell::new(),
                    };
                    (name.clone(), Arc::new(store))
                })
                .collect(),
        })
    }

    /// The definitions, to tell a reload that changes them that they take effect on restart.
    pub fn definitions(&self) -> Stores {
        self.stores
            .iter()
            .map(|(name, store)| (name.clone(), store.backend.clone()))
            .collect()
    }
}

/// One store: its definition and, once used, its open backend.
struct Store {
    name: String,
    backend: StoreBackend,
    open: OnceCell<Backend>,
}

/// An open backend.
enum Backend {
    Embedded(embedded::Embedded),
    Redis(redis::Redis),
}

impl Store {
    /// The open backend, opening it on first use. A failed open is not kept: the next call
    /// tries again (the file was locked, Redis was down).
    async fn backend(&self) -> Result<&Backend, Fault> {
        self.open
            .get_or_try_init(|| async {
                let backend = match &self.backend {
                    StoreBackend::Embedded { path } => {
                        Backend::Embedded(embedded::Embedded::open(path.clone()).await?)
                    }
                    StoreBackend::Redis { url } => Backend::Redis(redis::Redis::open(url)?),
                };
                tracing::info!(store = %self.name, "opened key-value store: {}", self.backend);
                Ok(backend)
            })
            .await
            .map_err(|why: String| {
                Fault::Unavailable(format!("store `{}` cannot open: {why}", self.name))
            })
    }
}

/// The limits every call is held to.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_key_bytes: usize,
    max_value_bytes: usize,
    page_keys: usize,
    timeout: Duration,
}

/// One component's side of the stores: those it may use, under the limits.
pub struct KeyValue {
    component: Arc<str>,
    granted: BTreeMap<String, Arc<Store>>,
    limits: Limits,
}

impl KeyValue {
    /// The stores `component` may use: each name in `granted` must be defined.
    pub fn new(
        component: &str,
        granted: &BTreeSet<String>,
        stores: &StoreSet,
        settings: &Settings,
    ) -> Result<Arc<Self>> {
        let mut reachable = BTreeMap::new();
        for name in granted {
            let Some(store) = stores.stores.get(name) else {
                let defined: Vec<&str> = stores.stores.keys().map(String::as_str).collect();
                bail!(
                    "`key_value_stores` names `{name}`, which is not defined: add \
                     `[store.{name}]` to the manifest or `--store {name}=…` (defined: {})",
                    defined.join(", ")
                );
            };
            reachable.insert(name.clone(), store.clone());
        }
        Ok(Arc::new(Self {
            component: component.into(),
            granted: reachable,
            limits: Limits {
                max_key_bytes: settings.store_max_key_bytes,
                max_value_bytes: settings.store_max_value_bytes,
                page_keys: settings.store_page_keys,
                timeout: settings.store_timeout,
            },
        }))
    }

    /// Runs `op` on the store `name`: checked against the grant and the limits, bounded by
    /// `store_timeout`. A failure the guest did not cause is logged here, once.
    pub async fn run(&self, name: &str, op: Op) -> Result<Answer, Fault> {
        let Some(store) = self.granted.get(name) else {
            return Err(Fault::Denied(format!(
                "component `{}` may not use store `{name}`: add it to the component's \
                 `key_value_stores`",
                self.component
            )));
        };
        let op = self
            .checked(op)
            .map_err(|why| Fault::Invalid(format!("store `{name}`: {why}")))?;
        let timeout = self.limits.timeout;
        let call = async {
            match store.backend().await? {
                Backend::Embedded(backend) => backend.run(op).await,
                Backend::Redis(backend) => backend.run(op).await,
            }
            .map_err(|fault| fault.naming(name))
        };
        let outcome = match tokio::time::timeout(timeout, call).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Fault::Timeout(format!(
                "store `{name}` did not answer within {timeout:?} (`store_timeout`)"
            ))),
        };
        if let Err(Fault::Unavailable(why) | Fault::Timeout(why)) = &outcome {
            tracing::warn!(component = %self.component, store = %name, "{why}");
        }
        outcome
    }

    /// `op` if it is within the limits; `Err` says which it breaks.
    fn checked(&self, mut op: Op) -> Result<Op, String> {
        let limits = self.limits;
        let key = |key: &str| -> Result<(), String> {
            if key.is_empty() {
                return Err("a key may not be empty".into());
            }
            if key.len() > limits.max_key_bytes {
                return Err(format!(
                    "a key of {} bytes is longer than `store_max_key_bytes` ({})",
                    key.len(),
                    limits.max_key_bytes
                ));
            }
            Ok(())
        };
        let value = |value: &[u8]| -> Result<(), String> {
            if value.len() > limits.max_value_bytes {
                return Err(format!(
                    "a value of {} bytes is larger than `store_max_value_bytes` ({})",
                    value.len(),
                    limits.max_value_bytes
                ));
            }
            Ok(())
        };
        let batch = |len: usize| -> Result<(), String> {
            if len > limits.page_keys {
                return Err(format!(
                    "a batch of {len} keys is more than `store_page_keys` ({})",
                    limits.page_keys
                ));
            }
            Ok(())
        };
        let expiry = |ttl: &Option<Duration>| -> Result<(), String> {
            match ttl {
                Some(ttl) if ttl.is_zero() => Err("a time to live must be at least 1 ms".into()),
                _ => Ok(()),
            }
        };
        match &mut op {
            Op::Get(k) | Op::Delete(k) | Op::Exists(k) | Op::Increment { key: k, .. } => key(k)?,
            Op::Set {
                key: k,
                value: v,
                ttl,
            } => {
                key(k)?;
                value(v)?;
                expiry(ttl)?;
            }
            Op::CompareAndSwap {
                key: k,
                expected,
                value: v,
            } => {
                key(k)?;
                value(v)?;
                if let Some(expected) = expected {
                    value(expected)?;
                }
            }
            Op::ListKeys {
                prefix,
                cursor,
                limit,
            } => {
                if prefix.len() > limits.max_key_bytes {
                    return Err("the prefix is longer than `store_max_key_bytes`".into());
                }
                if cursor.as_ref().is_some_and(String::is_empty) {
                    *cursor = None;
                }
                *limit = limits.page_keys;
            }
            Op::GetMany(keys) => {
                batch(keys.len())?;
                keys.iter().try_for_each(|k| key(k))?;
            }
            Op::SetMany { entries, ttl } => {
                expiry(ttl)?;
                batch(entries.len())?;
                for (k, v) in entries.iter() {
                    key(k)?;
                    value(v)?;
                }
            }
        }
        Ok(op)
    }
}

impl Fault {
    /// The fault with the store's name in front, for a backend's message.
    fn naming(self, store: &str) -> Self {
        let name = |why: String| format!("store `{store}`: {why}");
        match self {
            Fault::Denied(why) => Fault::Denied(name(why)),
            Fault::Invalid(why) => Fault::Invalid(name(why)),
            Fault::Unavailable(why) => Fault::Unavailable(name(why)),
            Fault::Timeout(why) => Fault::Timeout(name(why)),
        }
    }
}
