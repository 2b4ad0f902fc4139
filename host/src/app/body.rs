//! Request bodies the host checks before a guest parses them.
//!
//! A guest's JSON parser may recurse once per level of nesting; in wasm, where the stack is a
//! hard limit, a body nested a hundred thousand levels deep traps the instance instead of
//! failing to parse. The host measures the nesting first, in one pass without recursion, and
//! answers such a body as FastAPI answers one Python cannot parse: 400.

use super::declared::BodyRule;
use hyper::HeaderMap;
use hyper::header::CONTENT_TYPE;

/// Deepest nesting of arrays and objects a JSON body may have: far past any document people
/// design, and well within what every guest SDK's parser handles.
pub const MAX_JSON_DEPTH: usize = 512;

/// Whether `body`, declared as `rule` and sent with `headers`, is JSON nested deeper than
/// [`MAX_JSON_DEPTH`].
pub fn too_deep(rule: &BodyRule, headers: &HeaderMap, body: &[u8]) -> bool {
    let declared_json = rule.media_type.contains("json");
    let sent_json = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    declared_json && sent_json && nesting_exceeds(body, MAX_JSON_DEPTH)
}

/// Whether the brackets of `json`, outside strings, nest deeper than `limit`.
fn nesting_exceeds(json: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings() {
        assert!(!nesting_exceeds(br#"{"a": [1, {"b": []}]}"#, 4));
        assert!(nesting_exceeds(br#"{"a": [1, {"b": []}]}"#, 3));
        let brackets_in_strings = format!(r#"["{}", "\"[[["]"#, "[".repeat(10_000));
        assert!(!nesting_exceeds(brackets_in_strings.as_bytes(), 1));
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(nesting_exceeds(deep.as_bytes(), MAX_JSON_DEPTH));
        let wide = "[".to_owned() + &"[],".repeat(100_000) + "[]]";
        assert!(!nesting_exceeds(wide.as_bytes(), 2));
    }
}
