//! The app's OpenAPI 3.1 document, built from what its components declare and nothing else:
//! the same declarations that route and validate requests, so the document cannot drift from
//! what the server does. The layout follows FastAPI's `get_openapi`, field for field, so a
//! Python app documents itself as it did on FastAPI and clients generated from it keep working.

pub mod app_fields;
mod components;
pub mod mounts;

use super::declared::Operation;
use super::params::{GUEST_CHECKED_MARKER, LITERAL_MARKER, Location, ParamRule};
use super::{App, Protocol};
use crate::config::ApiInfo;
use components::{Components, Side};
use serde_json::{Map, Value, json};

/// The document's OpenAPI version: the one whose schemas are JSON Schema 2020-12, as guests
/// declare them.
const OPENAPI_VERSION: &str = "3.1.0";

/// The description of a success response, FastAPI's default `response_description`.
const SUCCESS_DESCRIPTION: &str = "Successful Response";

/// A fragment key that leaves an operation out of the document (`include_in_schema=False`).
const HIDDEN: &str = "x-fastwasm-hidden";
/// A parameter schema's key holding fields of its Parameter Object (the Python SDK's
/// `deprecated`, `openapi_examples`, `example`).
const PARAMETER_MARKER: &str = "x-fastwasm-parameter";

/// The OpenAPI document of `app`: `info` and the app's other top fields from the manifest
/// and from what its components say of the app (`described`, see `app_fields`).
pub fn document(app: &App, info: &ApiInfo, described: &[Map<String, Value>]) -> Value {
    let mut components = Components::default();
    let mut paths = Map::new();
    for op in &app.operations {
        // A WebSocket is no HTTP operation OpenAPI can describe; FastAPI leaves them out too.
        if op.protocol == Protocol::WebSocket {
            continue;
        }
        let component = &app.components[op.component].spec.name;
        let Some(entry) = operation(app, op, component, &mut components) else {
            continue;
        };
        let path = paths
            .entry(path_template(&op.template.raw))
            .or_insert_with(|| Value::Object(Map::new()));
        path[op.method.as_str().to_ascii_lowercase()] = Value::Object(entry);
    }
    for mount in &app.mounts {
        let (path, item) = mounts::path_item(app, mount);
        paths.insert(path, item);
    }
    let mut paths = Value::Object(paths);
    let components = components.finish(&mut paths);
    let mut doc = Map::new();
    doc.insert("openapi".into(), OPENAPI_VERSION.into());
    doc.extend(app_fields::merge(&app.name, info, described));
    doc.insert("paths".into(), paths);
    if let Some(components) = components {
        doc.insert("components".into(), components);
    }
    Value::Object(doc)
}

/// The Operation Object of `op`, or `None` when its fragment hides it.
fn operation(
    app: &App,
    op: &Operation,
    component: &str,
    components: &mut Components,
) -> Option<Map<String, Value>> {
    if op
        .openapi
        .as_ref()
        .and_then(|fragment| fragment.get(HIDDEN))
        .is_some_and(|hidden| hidden == &Value::Bool(true))
    {
        return None;
    }
    let mut entry = Map::new();
    if !op.tags.is_empty() {
        entry.insert("tags".into(), json!(op.tags));
    }
    if let Some(summary) = &op.summary {
        entry.insert("summary".into(), summary.clone().into());
    }
    if let Some(description) = &op.description {
        entry.insert("description".into(), description.clone().into());
    }
    entry.insert("operationId".into(), op.id.clone().into());
    if !op.params.is_empty() {
        entry.insert("parameters".into(), parameters(&op.params));
    }
    if let Some(body) = &op.body {
        let schema = components.reference(body.schema.clone(), component, Side::Request);
        let mut request_body = Map::new();
        // FastAPI writes `required` only when it is true (false is OpenAPI's default).
        if body.required {
            request_body.insert("required".into(), true.into());
        }
        request_body.insert(
            "content".into(),
            json!({ body.media_type.clone(): { "schema": schema } }),
        );
        entry.insert("requestBody".into(), Value::Object(request_body));
    }
    let mut responses = Map::new();
    let mut success = json!({ "description": SUCCESS_DESCRIPTION });
    if status_has_body(op.status_code) {
        let schema = match &op.response_schema {
            Some(schema) => components.reference(schema.clone(), component, Side::Response),
            None => json!({}),
        };
        success["content"] = json!({ "application/json": { "schema": schema } });
    }
    responses.insert(op.status_code.to_string(), success);
    let mut fragment = op.openapi.clone().unwrap_or_default();
    fragment.remove(HIDDEN);
    if let Some(Value::Object(extra)) = fragment.remove("responses") {
        for (status, mut response) in extra {
            // A model a fragment names for a response is a component, as a body's is.
            if let Some(Value::Object(content)) = response.get_mut("content") {
                for media in content.values_mut() {
                    if let Some(schema) = media.get_mut("schema") {
                        *schema = components.reference(schema.take(), component, Side::Response);
                    }
                }
            }
            match (responses.get_mut(&status), response) {
                (Some(Value::Object(known)), Value::Object(given)) => known.extend(given),
                (_, response) => {
                    responses.insert(status, response);
                }
            }
        }
    }
    // FastAPI documents its 422 wherever a request can fail validation, unless the operation
    // says what a 4xx is itself.
    let validated = !op.params.is_empty() || op.body.is_some();
    if validated
        && !["422", "4XX", "default"]
            .iter()
            .any(|s| responses.contains_key(*s))
    {
        components.validation_error();
        responses.insert(
            "422".into(),
            json!({
                "description": "Validation Error",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HTTPValidationError" } } },
            }),
        );
    }
    entry.insert("responses".into(), Value::Object(responses));
    let mut security = Vec::new();
    for step in &op.plan.steps {
        if let Some(provided) = &app.graph.providers[step.provider].openapi {
            let mut provided = provided.clone();
            components.security_schemes(provided.remove("securitySchemes"));
            add_security(&mut security, provided.remove("security"));
        }
    }
    components.security_schemes(fragment.remove("securitySchemes"));
    add_security(&mut security, fragment.remove("security"));
    if !security.is_empty() {
        entry.insert("security".into(), Value::Array(security));
    }
    entry.extend(fragment);
    Some(entry)
}

/// Appends the requirements in `given` (an array) that `security` lacks.
fn add_security(security: &mut Vec<Value>, given: Option<Value>) {
    if let Some(Value::Array(requirements)) = given {
        for requirement in requirements {
            if !security.contains(&requirement) {
                security.push(requirement);
            }
        }
    }
}

/// The Parameter Objects, path first, then query, header and cookie, as FastAPI orders them;
/// declaration order within each.
fn parameters(params: &[ParamRule]) -> Value {
    let order = [
        Location::Path,
        Location::Query,
        Location::Header,
        Location::Cookie,
    ];
    let listed = order.iter().flat_map(|location| {
        params
            .iter()
            .filter(move |param| param.location == *location)
            .filter(|param| param.schema_json.get(HIDDEN) != Some(&Value::Bool(true)))
            .map(|param| {
                let mut schema = param.schema_json.clone();
                let beside = strip_markers(&mut schema);
                let mut entry = Map::new();
                entry.insert("name".into(), param.wire.clone().into());
                entry.insert("in".into(), location_name(param.location).into());
                entry.insert("required".into(), param.required.into());
                entry.insert("schema".into(), schema);
                if let Some(description) = &param.description {
                    entry.insert("description".into(), description.clone().into());
                }
                if let Some(Value::Object(beside)) = beside {
                    entry.extend(beside);
                }
                Value::Object(entry)
            })
    });
    Value::Array(listed.collect())
}

/// A parameter schema's markers for the host, out of the document: the `Literal` marker (in
/// the schema or its `anyOf` members), the hidden and the guest-checked ones; the Parameter
/// Object's own fields (`deprecated`, `examples`, `example`), returned to go beside the schema.
fn strip_markers(schema: &mut Value) -> Option<Value> {
    fn strip_literal(schema: &mut Value) {
        match schema {
            Value::Object(object) => {
                object.remove(LITERAL_MARKER);
                object.values_mut().for_each(strip_literal);
            }
            Value::Array(members) => members.iter_mut().for_each(strip_literal),
            _ => {}
        }
    }
    strip_literal(schema);
    let object = schema.as_object_mut()?;
    object.remove(HIDDEN);
    object.remove(GUEST_CHECKED_MARKER);
    object.remove(PARAMETER_MARKER)
}

fn location_name(location: Location) -> &'static str {
    match location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
        Location::Cookie => "cookie",
    }
}

/// `/files/{file_path:path}` is `/files/{file_path}` to OpenAPI, which has no rest-of-path
/// parameters.
fn path_template(raw: &str) -> String {
    raw.replace(":path}", "}")
}

/// Whether a response with this status may carry a body (RFC 9110: not 1xx, 204, 205, 304).
fn status_has_body(status: u16) -> bool {
    status >= 200 && !matches!(status, 204 | 205 | 304)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_of_path_parameters_are_plain_in_the_template() {
        assert_eq!(
            path_template("/files/{file_path:path}"),
            "/files/{file_path}"
        );
        assert_eq!(path_template("/items/{item_id}"), "/items/{item_id}");
    }

    #[test]
    fn only_statuses_that_allow_a_body_get_content() {
        assert!(status_has_body(200) && status_has_body(201) && status_has_body(404));
        assert!(!status_has_body(204) && !status_has_body(304) && !status_has_body(205));
    }
}
