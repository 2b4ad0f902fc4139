//! Every request has an id, in `x-request-id`: the client's when it sent a sensible one, else
//! one the host makes. The guest sees it among the headers, the access log and the guest's
//! outbound calls carry it, and the response echoes it, so one id follows a request through
//! every service it touches.

use crate::guest::REQUEST_ID;
use hyper::HeaderMap;
use hyper::header::HeaderValue;
use std::fmt::Write as _;

/// The longest id taken from a client.
const MAX_LEN: usize = 128;

/// The id `ensure` left in `headers`.
pub fn of(headers: &HeaderMap) -> Option<&str> {
    headers.get(REQUEST_ID).and_then(|id| id.to_str().ok())
}

/// The request's id: the one in `headers` when it is 1 to 128 characters of letters, digits
/// and `-_.:`, else a fresh one, which replaces what was there.
pub fn ensure(headers: &mut HeaderMap) -> String {
    let given: Vec<&str> = headers
        .get_all(REQUEST_ID)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if let [id] = given.as_slice()
        && acceptable(id)
    {
        return (*id).to_owned();
    }
    let id = fresh();
    headers.insert(
        REQUEST_ID,
        HeaderValue::from_str(&id).expect("hex is a header value"),
    );
    id
}

fn acceptable(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// 128 random bits in hex.
fn fresh() -> String {
    let mut bytes = [0u8; 16];
    // Without the OS's randomness an id may repeat; it stays an id.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    bytes
        .iter()
        .fold(String::with_capacity(32), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_sensible_id_and_replaces_anything_else() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(ensure(&mut headers), "abc-123");
        for bad in ["", "has space", "semi;colon"] {
            let mut headers = HeaderMap::new();
            headers.insert(REQUEST_ID, HeaderValue::from_str(bad).unwrap());
            let id = ensure(&mut headers);
            assert_eq!(id.len(), 32, "{bad:?}");
            assert_eq!(headers[REQUEST_ID], id.as_str());
        }
        let mut headers = HeaderMap::new();
        headers.append(REQUEST_ID, HeaderValue::from_static("one"));
        headers.append(REQUEST_ID, HeaderValue::from_static("two"));
        let id = ensure(&mut headers);
        assert_eq!(headers.get_all(REQUEST_ID).iter().count(), 1);
        assert_ne!(ensure(&mut HeaderMap::new()), id);
    }
}
