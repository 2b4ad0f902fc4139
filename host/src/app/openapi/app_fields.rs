//! The document's fields about the app rather than its operations — `info`, `servers`, `tags`
//! and `externalDocs` — from the manifest and from what each component says of the app
//! (`app-info.openapi`, FastAPI's `FastAPI(title=..., openapi_tags=..., servers=...)`).

use super::super::declared::openapi_fragment;
use crate::config::ApiInfo;
use anyhow::{Result, bail};
use serde_json::{Map, Value};

/// The `info` fields a component may set, in FastAPI's order.
const INFO_FIELDS: [&str; 7] = [
    "title",
    "summary",
    "description",
    "version",
    "termsOfService",
    "contact",
    "license",
];

/// FastAPI's version when none is given.
const DEFAULT_VERSION: &str = "0.1.0";

/// A component's `app-info.openapi`, checked: only the fields above, each of the shape the
/// OpenAPI document needs, so a typo is a load error rather than a document a client cannot
/// read.
pub fn check(text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    let Some(fields) = openapi_fragment(text)? else {
        return Ok(None);
    };
    for (key, value) in &fields {
        match key.as_str() {
            "info" => check_info(value)?,
            "tags" => {
                for tag in list(key, value)? {
                    named(key, tag, "name")?;
                    if let Some(docs) = tag.get("externalDocs") {
                        named("tags[].externalDocs", docs, "url")?;
                    }
                }
            }
            "servers" => {
                for server in list(key, value)? {
                    named(key, server, "url")?;
                }
            }
            "externalDocs" => named(key, value, "url")?,
            other => bail!(
                "the app's `openapi` fragment may hold `info`, `tags`, `servers` and \
                 `externalDocs` only, not `{other}`"
            ),
        }
    }
    Ok(Some(fields))
}

fn check_info(value: &Value) -> Result<()> {
    let Value::Object(info) = value else {
        bail!("the app's `info` is not a JSON object");
    };
    for (key, value) in info {
        match key.as_str() {
            "contact" if value.is_object() => {}
            "license" => named("info.license", value, "name")?,
            "title" | "summary" | "description" | "version" | "termsOfService"
                if value.is_string() => {}
            "contact" | "title" | "summary" | "description" | "version" | "termsOfService" => {
                bail!("the app's `info.{key}` is not a {}", shape(key))
            }
            other => bail!(
                "the app's `info` may hold {} only, not `{other}`",
                INFO_FIELDS.map(|field| format!("`{field}`")).join(", ")
            ),
        }
    }
    Ok(())
}

fn shape(key: &str) -> &'static str {
    if key == "contact" {
        "JSON object"
    } else {
        "string"
    }
}

fn list<'a>(key: &str, value: &'a Value) -> Result<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("the app's `{key}` is not a JSON array"))
}

/// Checks that `value` is an object with a string `field` (a tag's `name`, a server's `url`).
fn named(key: &str, value: &Value, field: &str) -> Result<()> {
    if value.get(field).is_some_and(Value::is_string) {
        Ok(())
    } else {
        bail!("each of the app's `{key}` needs a `{field}` string")
    }
}

/// The document's top fields for an app named `name`: the manifest's `title`, `version` and
/// `description` first; then, field by field, the first component (in manifest order) that
/// sets it; `tags` joined in order, the first entry of a name kept.
pub fn merge(
    name: &str,
    manifest: &ApiInfo,
    declared: &[Map<String, Value>],
) -> Map<String, Value> {
    let first =
        |pick: &dyn Fn(&Map<String, Value>) -> Option<Value>| declared.iter().find_map(pick);
    let mut info = Map::new();
    for field in INFO_FIELDS {
        let set = match field {
            "title" => manifest.title.clone().map(Value::from),
            "version" => manifest.version.clone().map(Value::from),
            "description" => manifest.description.clone().map(Value::from),
            _ => None,
        };
        let value = set.or_else(|| first(&|fields| fields.get("info")?.get(field).cloned()));
        let value = match (field, value) {
            (_, Some(value)) => value,
            ("title", None) => name.into(),
            ("version", None) => DEFAULT_VERSION.into(),
            _ => continue,
        };
        info.insert(field.into(), value);
    }
    let mut document = Map::new();
    document.insert("info".into(), Value::Object(info));
    for field in ["servers", "externalDocs"] {
        if let Some(value) = first(&|fields| fields.get(field).cloned()) {
            document.insert(field.into(), value);
        }
    }
    let mut tags: Vec<Value> = Vec::new();
    for tag in declared
        .iter()
        .filter_map(|fields| fields.get("tags")?.as_array())
        .flatten()
    {
        if !tags.iter().any(|kept| kept["name"] == tag["name"]) {
            tags.push(tag.clone());
        }
    }
    if !tags.is_empty() {
        document.insert("tags".into(), Value::Array(tags));
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        let text = value.to_string();
        check(Some(&text)).unwrap().unwrap()
    }

    fn problem(value: Value) -> String {
        check(Some(&value.to_string())).unwrap_err().to_string()
    }

    #[test]
    fn the_manifest_goes_over_the_components_and_the_first_component_over_the_next() {
        let manifest = ApiInfo {
            title: Some("Shop".into()),
            version: None,
            description: None,
        };
        let first = fields(json!({
            "info": {"title": "Catalog", "summary": "Books", "contact": {"name": "A"}},
            "tags": [{"name": "books", "description": "first"}],
        }));
        let second = fields(json!({
            "info": {"summary": "Reviews", "version": "2.0.0", "description": "Read me"},
            "tags": [{"name": "reviews"}, {"name": "books", "description": "second"}],
            "servers": [{"url": "https://api.example.com"}],
        }));
        let document = merge("shop-app", &manifest, &[first, second]);
        assert_eq!(
            Value::Object(document),
            json!({
                "info": {
                    "title": "Shop",
                    "summary": "Books",
                    "description": "Read me",
                    "version": "2.0.0",
                    "contact": {"name": "A"},
                },
                "servers": [{"url": "https://api.example.com"}],
                "tags": [{"name": "books", "description": "first"}, {"name": "reviews"}],
            })
        );
    }

    #[test]
    fn an_app_that_says_nothing_is_titled_by_its_name() {
        let document = merge("shop-app", &ApiInfo::default(), &[]);
        assert_eq!(
            Value::Object(document),
            json!({"info": {"title": "shop-app", "version": "0.1.0"}})
        );
    }

    #[test]
    fn a_fragment_of_the_wrong_shape_is_a_load_error_naming_the_field() {
        for (fragment, expected) in [
            (
                json!({"paths": {}}),
                "may hold `info`, `tags`, `servers` and `externalDocs` only, not `paths`",
            ),
            (
                json!({"info": {"title": 3}}),
                "the app's `info.title` is not a string",
            ),
            (
                json!({"info": {"contact": "me"}}),
                "the app's `info.contact` is not a JSON object",
            ),
            (
                json!({"info": {"license": {"url": "x"}}}),
                "each of the app's `info.license` needs a `name` string",
            ),
            (
                json!({"info": {"logo": "x"}}),
                "the app's `info` may hold `title`",
            ),
            (
                json!({"tags": {"name": "x"}}),
                "the app's `tags` is not a JSON array",
            ),
            (
                json!({"tags": [{"description": "x"}]}),
                "each of the app's `tags` needs a `name` string",
            ),
            (
                json!({"tags": [{"name": "x", "externalDocs": {}}]}),
                "`tags[].externalDocs` needs a `url` string",
            ),
            (
                json!({"servers": [{"description": "x"}]}),
                "each of the app's `servers` needs a `url` string",
            ),
            (
                json!({"externalDocs": {"description": "x"}}),
                "`externalDocs` needs a `url` string",
            ),
        ] {
            let message = problem(fragment.clone());
            assert!(message.contains(expected), "{fragment}: {message}");
        }
    }
}
