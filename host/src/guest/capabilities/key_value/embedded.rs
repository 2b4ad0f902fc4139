//! The embedded backend: one redb file per store, under the app's `.fastwasm/state/`. redb is
//! an ACID embedded database in Rust (copy-on-write B-trees, crash-safe commits, MVCC reads),
//! so no C library is built and reads never wait for writes.
//!
//! Reads run on the blocking pool, each on its own snapshot. Writes go to one writer thread,
//! which commits every write waiting at that moment in one durable transaction (group commit):
//! a burst of increments costs a few fsyncs, not one each, and each is still atomic — it reads
//! and writes inside the transaction, after every write queued before it.
//!
//! An entry is stored as 8 bytes of expiry (milliseconds since the Unix epoch, big-endian; 0 is
//! never) followed by the value. An expired entry reads as absent and is removed by the next
//! write that touches it.

use super::{Answer, Fault, Op};
use redb::{
    Database, ReadableDatabase, ReadableTable, Table, TableDefinition, TableError, WriteTransaction,
};
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::oneshot;

const ENTRIES: TableDefinition<&str, &[u8]> = TableDefinition::new("entries");

/// Writes one commit takes at most, so a flood of writers still sees commits land.
const MAX_GROUP: usize = 256;

/// An open store file.
pub struct Embedded {
    db: Arc<Database>,
    writes: mpsc::Sender<Write>,
}

/// A write waiting for the writer thread.
struct Write {
    op: Op,
    reply: oneshot::Sender<Result<Answer, Fault>>,
}

impl Embedded {
    /// Opens (or creates) the store file at `path`, and starts its writer thread.
    pub async fn open(path: PathBuf) -> Result<Self, String> {
        let db = tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
            }
            let db = Database::create(&path).map_err(|err| match err {
                redb::DatabaseError::DatabaseAlreadyOpen => format!(
                    "{} is open in another fastwasm process; an embedded store belongs to one \
                     process (use a Redis store for several)",
                    path.display()
                ),
                err => format!("{}: {err}", path.display()),
            })?;
            // Create the table once, so a read before the first write finds it.
            let txn = db.begin_write().map_err(|err| err.to_string())?;
            txn.open_table(ENTRIES).map_err(|err| err.to_string())?;
            txn.commit().map_err(|err| err.to_string())?;
            Ok::<_, String>(db)
        })
        .await
        .map_err(|err| err.to_string())??;
        let db = Arc::new(db);
        let (writes, queue) = mpsc::channel();
        let writer = db.clone();
        std::thread::Builder::new()
            .name("fastwasm-store".into())
            .spawn(move || write_loop(&writer, &queue))
            .map_err(|err| format!("cannot start the store's writer thread: {err}"))?;
        Ok(Self { db, writes })
    }

    /// Runs one call: reads on a snapshot, writes through the writer thread.
    pub async fn run(&self, op: Op) -> Result<Answer, Fault> {
        if is_read(&op) {
            let db = self.db.clone();
            return tokio::task::spawn_blocking(move || read(&db, op))
                .await
                .map_err(|err| Fault::Unavailable(err.to_string()))?;
        }
        let (reply, answer) = oneshot::channel();
        self.writes
            .send(Write { op, reply })
            .map_err(|_| Fault::Unavailable("the store's writer thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| Fault::Unavailable("the store's writer thread has stopped".into()))?
    }
}

fn is_read(op: &Op) -> bool {
    matches!(
        op,
        Op::Get(_) | Op::Exists(_) | Op::ListKeys { .. } | Op::GetMany(_)
    )
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

/// An entry's stored bytes.
fn encode(value: &[u8], ttl: Option<Duration>) -> Vec<u8> {
    encode_until(
        value,
        ttl.map_or(0, |ttl| now_ms() + ttl.as_millis().max(1) as u64),
    )
}

fn encode_until(value: &[u8], expires: u64) -> Vec<u8> {
    let mut stored = Vec::with_capacity(8 + value.len());
    stored.extend_from_slice(&expires.to_be_bytes());
    stored.extend_from_slice(value);
    stored
}

/// The expiry and value of stored bytes.
fn decode(stored: &[u8]) -> (u64, &[u8]) {
    let (expiry, value) = stored.split_at(8.min(stored.len()));
    let expiry = expiry.try_into().map(u64::from_be_bytes).unwrap_or(0);
    (expiry, value)
}

/// The value of stored bytes, `None` when expired at `now`.
fn live(stored: &[u8], now: u64) -> Option<&[u8]> {
    let (expiry, value) = decode(stored);
    (expiry == 0 || expiry > now).then_some(value)
}

fn unavailable(err: impl std::fmt::Display) -> Fault {
    Fault::Unavailable(err.to_string())
}

/// A read-only call on a snapshot.
fn read(db: &Database, op: Op) -> Result<Answer, Fault> {
    let txn = db.begin_read().map_err(unavailable)?;
    let table = txn.open_table(ENTRIES).map_err(unavailable)?;
    let now = now_ms();
    let get = |key: &str| -> Result<Option<Vec<u8>>, Fault> {
        let stored = table.get(key).map_err(unavailable)?;
        Ok(stored.and_then(|guard| live(guard.value(), now).map(<[u8]>::to_vec)))
    };
    match op {
        Op::Get(key) => get(&key).map(Answer::Value),
        Op::Exists(key) => get(&key).map(|value| Answer::Flag(value.is_some())),
        Op::GetMany(keys) => keys
            .iter()
            .map(|key| get(key))
            .collect::<Result<_, _>>()
            .map(Answer::Values),
        Op::ListKeys {
            prefix,
            cursor,
            limit,
        } => {
            let start = match &cursor {
                Some(cursor) if !cursor.starts_with(&prefix) => {
                    return Err(Fault::Invalid(format!(
                        "the cursor `{cursor}` is not one a listing of `{prefix}` gave out"
                    )));
                }
                Some(cursor) => Bound::Excluded(cursor.as_str()),
                None => Bound::Included(prefix.as_str()),
            };
            let mut keys = Vec::new();
            let mut more = false;
            for entry in table
                .range::<&str>((start, Bound::Unbounded))
                .map_err(unavailable)?
            {
                let (key, stored) = entry.map_err(unavailable)?;
                let key = key.value();
                if !key.starts_with(&prefix) {
                    break;
                }
                if live(stored.value(), now).is_none() {
                    continue;
                }
                if keys.len() == limit {
                    more = true;
                    break;
                }
                keys.push(key.to_owned());
            }
            let cursor = more.then(|| keys.last().cloned()).flatten();
            Ok(Answer::Page { keys, cursor })
        }
        other => unreachable!("{other:?} is a write"),
    }
}

/// The writer thread: takes the writes waiting, applies them in one transaction, commits, and
/// answers each; ends when the store is dropped.
fn write_loop(db: &Database, queue: &mpsc::Receiver<Write>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(write) => group.push(write),
                Err(_) => break,
            }
        }
        match apply(db, &group) {
            Ok(answers) => {
                for (write, answer) in group.into_iter().zip(answers) {
                    let _ = write.reply.send(answer);
                }
            }
            Err(fault) => {
                tracing::error!("key-value commit failed: {fault:?}");
                for write in group {
                    let _ = write.reply.send(Err(fault.clone()));
                }
            }
        }
    }
}

/// Applies a group of writes in one transaction; each write's own answer, or a fault that
/// failed the commit (and so every write of the group).
fn apply(db: &Database, group: &[Write]) -> Result<Vec<Result<Answer, Fault>>, Fault> {
    let txn: WriteTransaction = db.begin_write().map_err(unavailable)?;
    let answers = {
        let mut table = txn
            .open_table(ENTRIES)
            .map_err(|err: TableError| unavailable(err))?;
        let now = now_ms();
        group
            .iter()
            .map(|write| write_one(&mut table, &write.op, now))
            .collect::<Vec<_>>()
    };
    txn.commit().map_err(unavailable)?;
    Ok(answers)
}

/// One write inside the group's transaction. A write that fails its own check changes
/// nothing before it answers, so the others of the group commit as usual.
fn write_one(table: &mut Table<&str, &[u8]>, op: &Op, now: u64) -> Result<Answer, Fault> {
    let current =
        |table: &Table<&str, &[u8]>, key: &str| -> Result<Option<(u64, Vec<u8>)>, Fault> {
            let stored = table.get(key).map_err(unavailable)?;
            Ok(stored.and_then(|guard| {
                let (expiry, value) = decode(guard.value());
                (expiry == 0 || expiry > now).then(|| (expiry, value.to_vec()))
            }))
        };
    match op {
        Op::Set { key, value, ttl } => {
            table
                .insert(key.as_str(), encode(value, *ttl).as_slice())
                .map_err(unavailable)?;
            Ok(Answer::Done)
        }
        Op::SetMany { entries, ttl } => {
            for (key, value) in entries {
                table
                    .insert(key.as_str(), encode(value, *ttl).as_slice())
                    .map_err(unavailable)?;
            }
            Ok(Answer::Done)
        }
        Op::Delete(key) => {
            let was_live = current(table, key)?.is_some();
            table.remove(key.as_str()).map_err(unavailable)?;
            Ok(Answer::Flag(was_live))
        }
        Op::Increment { key, delta } => {
            let (expiry, value) = match current(table, key)? {
                Some((expiry, value)) => (expiry, Some(value)),
                None => (0, None),
            };
            let next = add(counter(value.as_deref())?, *delta)?;
            table
                .insert(
                    key.as_str(),
                    encode_until(next.to_string().as_bytes(), expiry).as_slice(),
                )
                .map_err(unavailable)?;
            Ok(Answer::Number(next))
        }
        Op::CompareAndSwap {
            key,
            expected,
            value,
        } => {
            let found = current(table, key)?.map(|(_, value)| value);
            if found != *expected {
                return Ok(Answer::Flag(false));
            }
            table
                .insert(key.as_str(), encode(value, None).as_slice())
                .map_err(unavailable)?;
            Ok(Answer::Flag(true))
        }
        Op::Get(_) | Op::Exists(_) | Op::ListKeys { .. } | Op::GetMany(_) => {
            unreachable!("{op:?} is a read")
        }
    }
}

/// A counter's stored text as a number: `Err` when it is not an integer.
fn counter(value: Option<&[u8]>) -> Result<i64, Fault> {
    match value {
        None => Ok(0),
        Some(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| Fault::Invalid("the value to increment is not an integer".into())),
    }
}

/// `current + delta`, refusing to wrap.
fn add(current: i64, delta: i64) -> Result<i64, Fault> {
    current
        .checked_add(delta)
        .ok_or_else(|| Fault::Invalid("the increment would overflow a 64-bit integer".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Embedded) {
        let dir = tempfile::tempdir().unwrap();
        let store = Embedded::open(dir.path().join("state/s.redb"))
            .await
            .unwrap();
        (dir, store)
    }

    fn set(key: &str, value: &[u8], ttl: Option<Duration>) -> Op {
        Op::Set {
            key: key.into(),
            value: value.into(),
            ttl,
        }
    }

    #[tokio::test]
    async fn every_operation_reads_what_was_written() {
        let (_dir, store) = store().await;
        assert_eq!(
            store.run(Op::Get("a".into())).await,
            Ok(Answer::Value(None))
        );
        assert_eq!(store.run(set("a", b"1", None)).await, Ok(Answer::Done));
        assert_eq!(
            store.run(Op::Get("a".into())).await,
            Ok(Answer::Value(Some(b"1".to_vec())))
        );
        assert_eq!(
            store.run(Op::Exists("a".into())).await,
            Ok(Answer::Flag(true))
        );
        let increment = |delta| Op::Increment {
            key: "a".into(),
            delta,
        };
        assert_eq!(store.run(increment(41)).await, Ok(Answer::Number(42)));
        let cas = |expected: Option<&[u8]>, value: &[u8]| Op::CompareAndSwap {
            key: "a".into(),
            expected: expected.map(Into::into),
            value: value.into(),
        };
        assert_eq!(
            store.run(cas(Some(b"41"), b"x")).await,
            Ok(Answer::Flag(false))
        );
        assert_eq!(
            store.run(cas(Some(b"42"), b"x")).await,
            Ok(Answer::Flag(true))
        );
        assert!(matches!(
            store.run(increment(1)).await,
            Err(Fault::Invalid(_))
        ));
        assert_eq!(store.run(cas(None, b"y")).await, Ok(Answer::Flag(false)));
        assert_eq!(
            store.run(Op::Delete("a".into())).await,
            Ok(Answer::Flag(true))
        );
        assert_eq!(
            store.run(Op::Delete("a".into())).await,
            Ok(Answer::Flag(false))
        );
        assert_eq!(store.run(cas(None, b"y")).await, Ok(Answer::Flag(true)));
        let entries = vec![("b".into(), b"2".to_vec()), ("c".into(), b"3".to_vec())];
        let many = Op::SetMany { entries, ttl: None };
        assert_eq!(store.run(many).await, Ok(Answer::Done));
        assert_eq!(
            store
                .run(Op::GetMany(vec!["c".into(), "zz".into(), "a".into()]))
                .await,
            Ok(Answer::Values(vec![
                Some(b"3".to_vec()),
                None,
                Some(b"y".to_vec())
            ]))
        );
    }

    #[tokio::test]
    async fn expired_entries_read_as_absent() {
        let (_dir, store) = store().await;
        store
            .run(set("t", b"v", Some(Duration::from_millis(30))))
            .await
            .unwrap();
        assert_eq!(
            store.run(Op::Exists("t".into())).await,
            Ok(Answer::Flag(true))
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            store.run(Op::Get("t".into())).await,
            Ok(Answer::Value(None))
        );
        let list = Op::ListKeys {
            prefix: String::new(),
            cursor: None,
            limit: 10,
        };
        let empty = Answer::Page {
            keys: vec![],
            cursor: None,
        };
        assert_eq!(store.run(list).await, Ok(empty));
    }

    #[tokio::test]
    async fn listing_pages_through_a_prefix_in_order() {
        let (_dir, store) = store().await;
        for key in ["user:3", "user:1", "order:1", "user:2", "users"] {
            store.run(set(key, b"", None)).await.unwrap();
        }
        let page = |cursor| Op::ListKeys {
            prefix: "user:".into(),
            cursor,
            limit: 2,
        };
        let Ok(Answer::Page { keys, cursor }) = store.run(page(None)).await else {
            panic!("not a page");
        };
        assert_eq!(keys, ["user:1", "user:2"]);
        let Ok(Answer::Page { keys, cursor }) = store.run(page(cursor)).await else {
            panic!("not a page");
        };
        assert_eq!((keys, cursor), (vec!["user:3".to_owned()], None));
        let foreign = store.run(page(Some("order:1".into()))).await;
        assert!(matches!(foreign, Err(Fault::Invalid(_))), "{foreign:?}");
    }

    #[tokio::test]
    async fn concurrent_increments_are_all_counted_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.redb");
        {
            let store = Arc::new(Embedded::open(path.clone()).await.unwrap());
            let tasks: Vec<_> = (0..200)
                .map(|_| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .run(Op::Increment {
                                key: "n".into(),
                                delta: 1,
                            })
                            .await
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
            // A second process (here: a second open) is refused while the first holds it.
            let refused = Embedded::open(path.clone()).await.err().unwrap();
            assert!(
                refused.contains("open in another fastwasm process"),
                "{refused}"
            );
        }
        // The writer thread lets go of the file once its sender is gone.
        let mut reopened = None;
        for _ in 0..100 {
            match Embedded::open(path.clone()).await {
                Ok(store) => {
                    reopened = Some(store);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        let store = reopened.expect("the store reopens");
        assert_eq!(
            store.run(Op::Get("n".into())).await,
            Ok(Answer::Value(Some(b"200".to_vec())))
        );
    }
}
