//! The Redis backend: the `redis` crate's `ConnectionManager`, one multiplexed connection per
//! store that every call of every instance shares, reconnecting by itself after Redis restarts.
//! Compare-and-swap is a Lua script, so it is atomic on the server; everything else is one
//! command (or one `MULTI` for a batch set with an expiry).

use super::{Answer, Fault, Op};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, RedisError, Script};
use std::time::Duration;

/// How long one connection attempt and one answer may take; `store_timeout` bounds the call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(4);

/// `SET key value` only if the value is `expected` (ARGV[1] is `1` when a value is expected,
/// `0` when the key must be absent).
const COMPARE_AND_SWAP: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
";

/// A store on a Redis server.
pub struct Redis {
    connection: ConnectionManager,
    compare_and_swap: Script,
}

impl Redis {
    /// A client for `url`; it connects on first use.
    pub fn open(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|err| err.to_string())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|err| err.to_string())?;
        Ok(Self {
            connection,
            compare_and_swap: Script::new(COMPARE_AND_SWAP),
        })
    }

    /// Runs one call.
    pub async fn run(&self, op: Op) -> Result<Answer, Fault> {
        let mut redis = self.connection.clone();
        let answer = match op {
            Op::Get(key) => Answer::Value(redis.get(key).await.map_err(fault)?),
            Op::Set { key, value, ttl } => {
                match ttl {
                    Some(ttl) => redis.pset_ex::<_, _, ()>(key, value, millis(ttl)).await,
                    None => redis.set::<_, _, ()>(key, value).await,
                }
                .map_err(fault)?;
                Answer::Done
            }
            Op::Delete(key) => Answer::Flag(redis.del::<_, u64>(key).await.map_err(fault)? > 0),
            Op::Exists(key) => Answer::Flag(redis.exists(key).await.map_err(fault)?),
            Op::ListKeys {
                prefix,
                cursor,
                limit,
            } => {
                let (keys, cursor) = self.scan(&prefix, cursor, limit).await?;
                Answer::Page { keys, cursor }
            }
            Op::Increment { key, delta } => {
                Answer::Number(redis.incr(key, delta).await.map_err(fault)?)
            }
            Op::CompareAndSwap {
                key,
                expected,
                value,
            } => {
                let mut call = self.compare_and_swap.key(key);
                match expected {
                    Some(expected) => call.arg("1").arg(expected),
                    None => call.arg("0").arg(""),
                };
                let swapped: i64 = call
                    .arg(value)
                    .invoke_async(&mut redis)
                    .await
                    .map_err(fault)?;
                Answer::Flag(swapped == 1)
            }
            Op::GetMany(keys) => {
                if keys.is_empty() {
                    return Ok(Answer::Values(Vec::new()));
                }
                // A one-key MGET answers a list too; ask with the command, not `get`.
                let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(&mut redis)
                    .await
                    .map_err(fault)?;
                Answer::Values(values)
            }
            Op::SetMany { entries, ttl } => {
                if entries.is_empty() {
                    return Ok(Answer::Done);
                }
                let mut pipe = redis::pipe();
                pipe.atomic();
                for (key, value) in &entries {
                    match ttl {
                        Some(ttl) => pipe.pset_ex(key, value, millis(ttl)).ignore(),
                        None => pipe.set(key, value).ignore(),
                    };
                }
                pipe.query_async::<()>(&mut redis).await.map_err(fault)?;
                Answer::Done
            }
        };
        Ok(answer)
    }

    /// One page of keys under `prefix`: `SCAN` until it finds some or the scan is complete.
    /// The cursor is Redis's own, as text.
    async fn scan(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<(Vec<String>, Option<String>), Fault> {
        let mut redis = self.connection.clone();
        let mut position: u64 = match cursor {
            None => 0,
            Some(text) => text.parse().map_err(|_| {
                Fault::Invalid(format!(
                    "the cursor `{text}` is not one this store gave out"
                ))
            })?,
        };
        let pattern = format!("{}*", glob_escape(prefix));
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(position)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(limit)
                .query_async(&mut redis)
                .await
                .map_err(fault)?;
            position = next;
            if !keys.is_empty() || position == 0 {
                let cursor = (position != 0).then(|| position.to_string());
                return Ok((keys, cursor));
            }
        }
    }
}

fn millis(ttl: Duration) -> u64 {
    (ttl.as_millis() as u64).max(1)
}

/// `text` matched literally by a Redis glob pattern.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// What a Redis failure means to the guest: its own mistake (a value that is not an integer),
/// or the backend's.
fn fault(err: RedisError) -> Fault {
    if err.is_timeout() {
        return Fault::Timeout(format!("Redis did not answer in time: {err}"));
    }
    if err.is_io_error() || err.is_connection_refusal() || err.is_connection_dropped() {
        return Fault::Unavailable(format!("Redis cannot be reached: {err}"));
    }
    let text = err.to_string();
    if text.contains("not an integer") || text.contains("overflow") {
        return Fault::Invalid(
            "the value to increment is not an integer, or the sum overflows".into(),
        );
    }
    Fault::Unavailable(format!("Redis failed: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_literally() {
        assert_eq!(glob_escape("user:*[1]"), r"user:\*\[1\]");
        assert_eq!(glob_escape("a-b"), r"a\-b");
    }
}
