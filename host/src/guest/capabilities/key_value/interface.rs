//! `fastwasm:app/key-value` (for sync operations, on the blocking pool) and `async-key-value`
//! (awaited without holding the instance): one table of calls, both interfaces made from it,
//! every call ending in [`KeyValue::run`].

use super::{Answer, Fault, KeyValue, Op};
use crate::guest::bindings::{async_key_value, key_value};
use crate::guest::capabilities::GuestState;
use key_value::{ErrorKind, KeyPage, StoreError};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Accessor, HasSelf};

/// Runs `op` on `store` and takes the answer apart with `unpack`.
async fn call<T>(
    key_value: Arc<KeyValue>,
    store: String,
    op: Op,
    unpack: fn(Answer) -> Option<T>,
) -> Result<T, StoreError> {
    let error = |kind, message| StoreError { kind, message };
    match key_value.run(&store, op).await {
        Ok(answer) => unpack(answer).ok_or_else(|| {
            error(
                ErrorKind::Unavailable,
                format!("store `{store}` answered the wrong shape"),
            )
        }),
        Err(Fault::Denied(why)) => Err(error(ErrorKind::Denied, why)),
        Err(Fault::Invalid(why)) => Err(error(ErrorKind::Invalid, why)),
        Err(Fault::Unavailable(why)) => Err(error(ErrorKind::Unavailable, why)),
        Err(Fault::Timeout(why)) => Err(error(ErrorKind::Timeout, why)),
    }
}

fn value(answer: Answer) -> Option<Option<Vec<u8>>> {
    match answer {
        Answer::Value(value) => Some(value),
        _ => None,
    }
}

fn done(answer: Answer) -> Option<()> {
    matches!(answer, Answer::Done).then_some(())
}

fn flag(answer: Answer) -> Option<bool> {
    match answer {
        Answer::Flag(flag) => Some(flag),
        _ => None,
    }
}

fn page(answer: Answer) -> Option<KeyPage> {
    match answer {
        Answer::Page { keys, cursor } => Some(KeyPage { keys, cursor }),
        _ => None,
    }
}

fn number(answer: Answer) -> Option<i64> {
    match answer {
        Answer::Number(number) => Some(number),
        _ => None,
    }
}

fn values(answer: Answer) -> Option<Vec<Option<Vec<u8>>>> {
    match answer {
        Answer::Values(values) => Some(values),
        _ => None,
    }
}

fn ttl(ttl_ms: Option<u64>) -> Option<Duration> {
    ttl_ms.map(Duration::from_millis)
}

/// Both interfaces from one list: `name(arguments) -> answer = op, unpack`.
macro_rules! interfaces {
    ($( $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $op:expr, $unpack:ident; )*) => {
        impl key_value::Host for GuestState {
            $(
                async fn $name(
                    &mut self,
                    store: String,
                    $($arg: $ty),*
                ) -> wasmtime::Result<Result<$out, StoreError>> {
                    Ok(call(self.key_value.clone(), store, $op, $unpack).await)
                }
            )*
        }

        impl async_key_value::Host for GuestState {}

        impl<T: Send> async_key_value::HostWithStore<T> for HasSelf<GuestState> {
            $(
                async fn $name(
                    accessor: &Accessor<T, Self>,
                    store: String,
                    $($arg: $ty),*
                ) -> wasmtime::Result<Result<$out, StoreError>> {
                    let key_value = accessor.with(|mut access| access.get().key_value.clone());
                    Ok(call(key_value, store, $op, $unpack).await)
                }
            )*
        }
    };
}

interfaces! {
    get(key: String) -> Option<Vec<u8>> = Op::Get(key), value;
    set(key: String, value: Vec<u8>, ttl_ms: Option<u64>) -> ()
        = Op::Set { key, value, ttl: ttl(ttl_ms) }, done;
    delete(key: String) -> bool = Op::Delete(key), flag;
    exists(key: String) -> bool = Op::Exists(key), flag;
    list_keys(prefix: String, cursor: Option<String>) -> KeyPage
        = Op::ListKeys { prefix, cursor, limit: 0 }, page;
    increment(key: String, delta: i64) -> i64 = Op::Increment { key, delta }, number;
    compare_and_swap(key: String, expected: Option<Vec<u8>>, value: Vec<u8>) -> bool
        = Op::CompareAndSwap { key, expected, value }, flag;
    get_many(keys: Vec<String>) -> Vec<Option<Vec<u8>>> = Op::GetMany(keys), values;
    set_many(entries: Vec<(String, Vec<u8>)>, ttl_ms: Option<u64>) -> ()
        = Op::SetMany { entries, ttl: ttl(ttl_ms) }, done;
}
