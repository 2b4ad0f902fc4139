//! The app's OpenAPI 3.1 document, built from what its components declare and nothing else:
//! the same declarations that route and validate requests, so the document cannot drift from
//! what the server does. The layout follows FastAPI's `get_openapi`, field for field, so a
//! Python app documents itself as it did on FastAPI and clients generated from it keep working.

use super::declared::Operation;
use super::params::{GUEST_CHECKED_MARKER, LITERAL_MARKER, Location, ParamRule};
use super::{App, Protocol};
use crate::config::ApiInfo;
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

/// The OpenAPI document of `app`.
pub fn document(app: &App, info: &ApiInfo) -> Value {
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
    let mut info_object = Map::new();
    info_object.insert("title".into(), info.title.clone().into());
    if let Some(description) = &info.description {
        info_object.insert("description".into(), description.clone().into());
    }
    info_object.insert("version".into(), info.version.clone().into());
    let mut doc = Map::new();
    doc.insert("openapi".into(), OPENAPI_VERSION.into());
    doc.insert("info".into(), Value::Object(info_object));
    doc.insert("paths".into(), Value::Object(paths));
    if let Some(components) = components.into_value() {
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
        let schema = components.reference(body.schema.clone(), component);
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
            Some(schema) => components.reference(schema.clone(), component),
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
                        *schema = components.reference(schema.take(), component);
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

/// `components`: the schemas operations refer to, and the security schemes.
#[derive(Default)]
struct Components {
    schemas: Map<String, Value>,
    security_schemes: Map<String, Value>,
}

impl Components {
    /// `schema` as an operation refers to it: a named object schema (a model with a `title`)
    /// moves into `components/schemas` and is referred to by `$ref`, as are its `$defs`.
    fn reference(&mut self, mut schema: Value, component: &str) -> Value {
        let renames = match schema.as_object_mut().and_then(|o| o.remove("$defs")) {
            Some(Value::Object(defs)) => self.add_defs(defs, component),
            _ => Map::new(),
        };
        rewrite_refs(&mut schema, &renames);
        let named = schema
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_owned);
        // A model has properties; a titled `dict[str, int]` stays inline, as in FastAPI.
        let is_model = schema.get("properties").is_some();
        match named {
            Some(title) if is_model => {
                let key = self.add(&title, schema, component);
                json!({ "$ref": format!("#/components/schemas/{key}") })
            }
            _ => schema,
        }
    }

    /// Adds `$defs` entries, each under its own name unless a different schema has it; the
    /// map from each `$defs` name to its key, for rewriting references.
    fn add_defs(&mut self, defs: Map<String, Value>, component: &str) -> Map<String, Value> {
        let keys: Vec<(String, String)> = defs
            .iter()
            .map(|(name, schema)| (name.clone(), self.free_key(name, schema, component)))
            .collect();
        let renames: Map<String, Value> = keys
            .iter()
            .map(|(name, key)| (name.clone(), Value::String(key.clone())))
            .collect();
        for ((_, key), (_, mut schema)) in keys.into_iter().zip(defs) {
            rewrite_refs(&mut schema, &renames);
            self.schemas.insert(key, schema);
        }
        renames
    }

    /// Adds `schema` under `name`, or under a name made unique with the component's when
    /// another schema already has it; the key it is under.
    fn add(&mut self, name: &str, schema: Value, component: &str) -> String {
        let key = self.free_key(name, &schema, component);
        self.schemas.insert(key.clone(), schema);
        key
    }

    /// The key `schema` goes under: `name` (made a valid component key) when free or already
    /// holding the same schema, else `<component>__<name>`, numbered if need be.
    fn free_key(&self, name: &str, schema: &Value, component: &str) -> String {
        let name = component_key(name);
        let fits = |key: &str| self.schemas.get(key).is_none_or(|held| held == schema);
        if fits(&name) {
            return name;
        }
        let qualified = format!("{}__{name}", component_key(component));
        (1..)
            .map(|n| match n {
                1 => qualified.clone(),
                n => format!("{qualified}_{n}"),
            })
            .find(|key| fits(key))
            .expect("an unbounded range yields a free key")
    }

    fn security_schemes(&mut self, given: Option<Value>) {
        if let Some(Value::Object(schemes)) = given {
            self.security_schemes.extend(schemes);
        }
    }

    /// FastAPI's `HTTPValidationError`: the 422 body every validation failure answers.
    fn validation_error(&mut self) {
        self.schemas.insert(
            "ValidationError".into(),
            json!({
                "properties": {
                    "loc": {
                        "items": { "anyOf": [{ "type": "string" }, { "type": "integer" }] },
                        "type": "array",
                        "title": "Location",
                    },
                    "msg": { "type": "string", "title": "Message" },
                    "type": { "type": "string", "title": "Error Type" },
                    "input": { "title": "Input" },
                    "ctx": { "type": "object", "title": "Context" },
                },
                "type": "object",
                "required": ["loc", "msg", "type"],
                "title": "ValidationError",
            }),
        );
        self.schemas.insert(
            "HTTPValidationError".into(),
            json!({
                "properties": {
                    "detail": {
                        "items": { "$ref": "#/components/schemas/ValidationError" },
                        "type": "array",
                        "title": "Detail",
                    },
                },
                "type": "object",
                "title": "HTTPValidationError",
            }),
        );
    }

    /// `components`, or `None` when nothing refers to it.
    fn into_value(self) -> Option<Value> {
        let mut components = Map::new();
        if !self.schemas.is_empty() {
            let mut schemas: Vec<(String, Value)> = self.schemas.into_iter().collect();
            schemas.sort_by(|a, b| a.0.cmp(&b.0));
            components.insert(
                "schemas".into(),
                Value::Object(schemas.into_iter().collect()),
            );
        }
        if !self.security_schemes.is_empty() {
            components.insert(
                "securitySchemes".into(),
                Value::Object(self.security_schemes),
            );
        }
        (!components.is_empty()).then_some(Value::Object(components))
    }
}

/// A component key: OpenAPI allows `A-Z a-z 0-9 . - _`; anything else becomes `_`.
fn component_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Points every `#/$defs/NAME` reference in `schema` at `#/components/schemas/<renames[NAME]>`.
fn rewrite_refs(schema: &mut Value, renames: &Map<String, Value>) {
    match schema {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                if key == "$ref"
                    && let Some(name) = value.as_str().and_then(|r| r.strip_prefix("#/$defs/"))
                {
                    let target = renames
                        .get(name)
                        .and_then(Value::as_str)
                        .map_or_else(|| component_key(name), str::to_owned);
                    *value = format!("#/components/schemas/{target}").into();
                } else {
                    rewrite_refs(value, renames);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_refs(item, renames)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_titled_object_moves_into_components_with_its_defs() {
        let mut components = Components::default();
        let schema = json!({
            "title": "Order",
            "type": "object",
            "properties": { "item": { "$ref": "#/$defs/Item" } },
            "$defs": { "Item": { "title": "Item", "type": "object", "properties": {} } },
        });
        let reference = components.reference(schema, "shop");
        assert_eq!(reference, json!({ "$ref": "#/components/schemas/Order" }));
        assert_eq!(
            components.schemas["Order"]["properties"]["item"],
            json!({ "$ref": "#/components/schemas/Item" })
        );
        assert_eq!(components.schemas["Item"]["title"], "Item");
        assert!(components.schemas["Order"].get("$defs").is_none());
    }

    #[test]
    fn two_different_schemas_of_one_name_are_both_kept() {
        let mut components = Components::default();
        let first =
            json!({ "title": "Item", "type": "object", "properties": {}, "required": ["a"] });
        let second =
            json!({ "title": "Item", "type": "object", "properties": {}, "required": ["b"] });
        assert_eq!(
            components.reference(first.clone(), "one"),
            json!({ "$ref": "#/components/schemas/Item" })
        );
        assert_eq!(
            components.reference(first, "one"),
            json!({ "$ref": "#/components/schemas/Item" })
        );
        assert_eq!(
            components.reference(second, "two"),
            json!({ "$ref": "#/components/schemas/two__Item" })
        );
    }

    #[test]
    fn unnamed_and_scalar_schemas_stay_inline() {
        let mut components = Components::default();
        let list = json!({ "type": "array", "title": "Items", "items": { "type": "string" } });
        assert_eq!(components.reference(list.clone(), "c"), list);
        let map = json!({ "type": "object", "title": "Counts", "additionalProperties": true });
        assert_eq!(components.reference(map.clone(), "c"), map);
        assert_eq!(components.reference(json!({}), "c"), json!({}));
        assert!(components.schemas.is_empty());
    }

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
