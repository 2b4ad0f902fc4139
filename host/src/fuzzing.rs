//! Entry points for the property tests and the `cargo fuzz` targets (`fuzz/`): each drives one
//! part of the host that meets untrusted input — a manifest, a guest's parameter declaration, a
//! client's request, a guest's answer — with arbitrary bytes, and panics only when an
//! invariant breaks. Not an API: the names and arguments change with the code they test.

use crate::app::{self, RequestParts};
use crate::config::Manifest;
use crate::guest::{Answer, types};
use crate::http::respond::{self, Caps};
use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};
use serde_json::Value;

/// Parses `text` as an app manifest in `root`: an error is fine, a panic is not; a manifest
/// that parses has components with names, absolute mounts and settings that validate.
pub fn manifest(root: &std::path::Path, text: &str) {
    let Ok(manifest) = Manifest::parse(root, text) else {
        return;
    };
    manifest
        .settings
        .validate()
        .expect("a parsed manifest's settings validate");
    for component in &manifest.components {
        assert!(!component.name.is_empty());
        assert!(
            component
                .grants
                .dirs
                .keys()
                .all(|guest| guest.starts_with('/'))
        );
    }
}

/// Checks a parameter a guest declares (`location` picks path, query, header or cookie;
/// `schema` is its JSON Schema text), then validates a request against it: either the
/// declaration is refused, or every value handed to the guest is JSON and a 422 lists at most
/// `MAX_ERRORS` errors.
pub fn param(location: u8, schema: &str, query: &str, header: &[u8]) {
    let location = match location % 4 {
        0 => types::ParamLocation::Path,
        1 => types::ParamLocation::Query,
        2 => types::ParamLocation::Header,
        _ => types::ParamLocation::Cookie,
    };
    let declared = types::Param {
        name: "p".into(),
        alias: None,
        location,
        required: header.first().is_some_and(|byte| byte % 2 == 0),
        schema: schema.into(),
        description: None,
    };
    let Ok(rule) = app::check_param(&declared) else {
        return;
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(header) {
        headers.insert("p", value.clone());
        headers.insert(hyper::header::COOKIE, value);
    }
    let path_params = [("p", String::from_utf8_lossy(header).into_owned())];
    validated(&[rule], &path_params, query, &headers);
}

/// A client's request as the host reads it: header bytes that make a valid header map, a
/// query string and a JSON body, against parameters of every kind and a JSON body rule.
pub fn request(query: &str, headers: &[(Vec<u8>, Vec<u8>)], body: &[u8]) {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            map.append(name, value);
        }
    }
    let rules = sample_rules();
    let path_params = [("item_id", query.chars().take(8).collect::<String>())];
    validated(&rules, &path_params, query, &map);
    let rule = app::BodyRule {
        media_type: "application/json".into(),
        required: false,
        schema: serde_json::json!({}),
        streamed: false,
    };
    let _ = app::too_deep(&rule, &map, body);
}

/// Turns a guest's answer into HTTP: an error is fine, a panic is not; an answer that is
/// accepted is within the caps and carries no header the host owns.
pub fn answer(status: u16, headers: Vec<(String, Vec<u8>)>, body: Vec<u8>) {
    const CAPS: Caps = Caps {
        body_bytes: 1 << 16,
        headers: 100,
    };
    let answer = Answer::Response(types::Response {
        status,
        headers,
        body,
    });
    if let Ok(response) = respond::from_answer(answer, CAPS) {
        assert!(response.headers().len() <= CAPS.headers);
        assert!(!response.headers().contains_key("connection"));
        assert!(!response.headers().contains_key("transfer-encoding"));
    }
}

fn validated(
    rules: &[app::ParamRule],
    path_params: &[(&str, String)],
    query: &str,
    headers: &HeaderMap,
) {
    let parts = RequestParts {
        path_params,
        query,
        headers,
    };
    match app::validate(rules, &parts).into_result() {
        Ok(values) => {
            for (name, json) in values {
                serde_json::from_str::<Value>(&json)
                    .unwrap_or_else(|err| panic!("`{name}` reaches the guest as {json:?}: {err}"));
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            assert!(errors.len() <= app::MAX_ERRORS);
            let detail = app::detail(&errors);
            serde_json::to_string(&detail).expect("a 422 body is JSON");
        }
    }
}

/// Parameters of every location and kind, as the SDKs declare them.
fn sample_rules() -> Vec<app::ParamRule> {
    let declared = [
        (
            "item_id",
            types::ParamLocation::Path,
            r#"{"type":"integer","minimum":1}"#,
        ),
        (
            "q",
            types::ParamLocation::Query,
            r#"{"type":"string","minLength":2,"maxLength":8,"pattern":"^[a-z]+$"}"#,
        ),
        (
            "limit",
            types::ParamLocation::Query,
            r#"{"type":"integer","default":10,"maximum":100}"#,
        ),
        (
            "price",
            types::ParamLocation::Query,
            r#"{"type":"number","exclusiveMinimum":0}"#,
        ),
        ("flag", types::ParamLocation::Query, r#"{"type":"boolean"}"#),
        (
            "ids",
            types::ParamLocation::Query,
            r#"{"type":"array","items":{"type":"integer"}}"#,
        ),
        (
            "color",
            types::ParamLocation::Query,
            r#"{"enum":["red","green"]}"#,
        ),
        (
            "x-token",
            types::ParamLocation::Header,
            r#"{"type":"array","items":{"type":"string"}}"#,
        ),
        (
            "user-agent",
            types::ParamLocation::Header,
            r#"{"type":"string"}"#,
        ),
        (
            "session",
            types::ParamLocation::Cookie,
            r#"{"type":"string"}"#,
        ),
    ];
    declared
        .into_iter()
        .map(|(name, location, schema)| {
            let param = types::Param {
                name: name.into(),
                alias: None,
                location,
                required: name == "item_id",
                schema: schema.into(),
                description: None,
            };
            app::check_param(&param).expect("a sample parameter is valid")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! The same entry points under proptest, for a bounded number of cases per run; `fuzz/`
    //! runs them for as long as one likes.

    use super::*;
    use proptest::prelude::*;

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// Manifest-shaped text: real keys and tables with arbitrary values, or noise.
    fn manifest_text() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "name",
            "path",
            "prefix",
            "build",
            "isolation",
            "toolchain",
            "network",
            "dirs",
            "writable_dirs",
            "env",
            "dependencies",
            "sync_workers",
            "request_timeout",
            "max_body_bytes",
            "listen",
            "cache_dir",
        ]);
        let value = prop_oneof![
            "\"[a-z/._{}-]{0,12}\"",
            "-?[0-9]{1,12}",
            Just("true".to_owned()),
            Just("{ \"/data\" = \".\" }".to_owned()),
            Just("{ \"data\" = \"/\" }".to_owned()),
            Just("[\"a\", \"b\"]".to_owned()),
            "\"[0-9]{1,4}(ms|s|m|h|x)?\"",
        ];
        let line = (key, value).prop_map(|(key, value)| format!("{key} = {value}\n"));
        let table = prop::sample::select(vec!["[[component]]\n", "[server]\n", "[overrides]\n"]);
        let piece = prop_oneof![line, table.prop_map(str::to_owned), ".{0,40}"];
        prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn manifests_parse_or_fail_cleanly(text in manifest_text()) {
            let root = tempfile::tempdir().unwrap();
            manifest(root.path(), &text);
        }

        #[test]
        fn parameter_declarations_and_values_validate_or_fail_cleanly(
            location in any::<u8>(),
            schema in prop_oneof![
                r#"\{"type":"(integer|number|string|boolean|array)"(,"(minimum|maximum|exclusiveMinimum|minLength|maxLength)":-?[0-9]{1,3}(\.[0-9])?)?\}"#,
                r#"\{"type":"array","items":\{"type":"(integer|number|string|boolean)"\}\}"#,
                r#"\{"type":"string","pattern":".{0,8}"\}"#,
                r#"\{"enum":\[(-?[0-9]|"[a-z]{0,3}"|null|true)(,(-?[0-9]|"[a-z]{0,3}"))*\]\}"#,
                ".{0,30}",
            ],
            query in "((p|x)=[^&]{0,6}&?){0,6}",
            header in prop::collection::vec(any::<u8>(), 0..12),
        ) {
            param(location, &schema, &query, &header);
        }

        #[test]
        fn requests_convert_or_fail_cleanly(
            query in "(([a-z_-]{1,6}|%[0-9A-F]{2})=([^&]|%[0-9A-Fa-f]{0,2}){0,8}&?){0,12}",
            headers in prop::collection::vec(
                (
                    prop::sample::select(vec![
                        b"x-token".to_vec(), b"user-agent".to_vec(), b"cookie".to_vec(),
                        b"content-type".to_vec(), b"X-Odd Name".to_vec(),
                    ]),
                    prop::collection::vec(any::<u8>(), 0..16),
                ),
                0..6,
            ),
            body in prop::collection::vec(prop::sample::select(b"[]{}\"\\a1,:".to_vec()), 0..256),
        ) {
            request(&query, &headers, &body);
        }

        #[test]
        fn guest_answers_convert_or_fail_cleanly(
            status in any::<u16>(),
            headers in prop::collection::vec(
                ("[a-zA-Z -]{0,10}", prop::collection::vec(any::<u8>(), 0..10)),
                0..120,
            ),
            body in prop::collection::vec(any::<u8>(), 0..70_000),
        ) {
            answer(status, headers, body);
        }
    }
}
