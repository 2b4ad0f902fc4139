//! What an operation declares through `describe`: built by the macros, read by the host.

use crate::__bindings::fastwasm::app::types::{
    BodySpec, DependencyUse, Operation, OperationKind, Param, ParamLocation, Provider,
};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// How one handler argument was annotated: its name and the `#[param(...)]` options.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// The Rust argument name.
    pub name: &'static str,
    /// The wire name, when given with `#[param(alias = "...")]`.
    pub alias: Option<&'static str>,
    pub description: Option<&'static str>,
    pub gt: Option<f64>,
    pub ge: Option<f64>,
    pub lt: Option<f64>,
    pub le: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<&'static str>,
    /// The JSON of `#[param(default = ...)]`, computed when declaring.
    pub default: Option<fn() -> Value>,
    /// The dependency name of a `Dep<T>`, from `#[dep("name")]`.
    pub dep: Option<&'static str>,
    /// `#[dep(use_cache = false)]`: compute the dependency afresh for this argument.
    pub use_cache: bool,
}

impl Arg {
    /// An argument with no options.
    pub const fn named(name: &'static str) -> Self {
        Self {
            name,
            alias: None,
            description: None,
            gt: None,
            ge: None,
            lt: None,
            le: None,
            min_length: None,
            max_length: None,
            pattern: None,
            default: None,
            dep: None,
            use_cache: true,
        }
    }

    /// The dependency a `Dep<T>` argument names: `#[dep("name")]`, else the argument name
    /// with `_` as `-` (`current_user` → `current-user`).
    pub(crate) fn dependency_name(&self) -> String {
        self.dep
            .map_or_else(|| self.name.replace('_', "-"), str::to_owned)
    }

    /// The schema of a parameter of this argument: the type's schema, the declared
    /// constraints, and the default.
    pub(crate) fn schema(&self, mut schema: Value) -> Value {
        // Constraints on a list apply to its items, as in FastAPI's `list[int] = Query(ge=1)`.
        let target = match schema.get_mut("items") {
            Some(items) => items,
            None => &mut schema,
        };
        if let Some(object) = target.as_object_mut() {
            let mut set = |key: &str, value: Option<Value>| {
                if let Some(value) = value {
                    object.insert(key.to_owned(), value);
                }
            };
            set("exclusiveMinimum", self.gt.map(number));
            set("minimum", self.ge.map(number));
            set("exclusiveMaximum", self.lt.map(number));
            set("maximum", self.le.map(number));
            set("minLength", self.min_length.map(Value::from));
            set("maxLength", self.max_length.map(Value::from));
            set("pattern", self.pattern.map(Value::from));
        }
        if let (Some(object), Some(default)) = (schema.as_object_mut(), self.default) {
            object.insert("default".to_owned(), default());
        }
        schema
    }
}

/// Integral bounds print as integers (`"ge": 1`, not `1.0`), as FastAPI's do.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// `T`'s JSON Schema as the host reads it: draft 2020-12, the dialect of OpenAPI 3.1, titled
/// with the type's name, with the types it refers to under `$defs` (the host moves them into
/// `components/schemas` and rewrites the `#/$defs/...` references), and without `$schema`:
/// the OpenAPI document states the dialect once for every schema in it.
pub(crate) fn json_schema<T: JsonSchema>() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.meta_schema = None;
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    // Each definition is titled too, as at the top: a type is then the same schema whether an
    // operation names it or another type refers to it, and the host keeps one of it.
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        for (name, definition) in defs.iter_mut() {
            if let Some(definition) = definition.as_object_mut() {
                definition
                    .entry("title")
                    .or_insert_with(|| Value::from(name.as_str()));
            }
        }
    }
    schema
}

/// The declaration of one operation, filled in by its extractors.
#[doc(hidden)]
#[derive(Debug)]
pub struct OperationSpec {
    op: Operation,
}

impl OperationSpec {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &str,
        method: &str,
        path: &str,
        kind: OperationKind,
        status_code: u16,
        summary: Option<&str>,
        description: Option<&str>,
        tags: &[&str],
    ) -> Self {
        Self {
            op: Operation {
                id: id.to_owned(),
                method: method.to_owned(),
                path: path.to_owned(),
                summary: summary.map(str::to_owned),
                description: description.map(str::to_owned),
                tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
                kind,
                params: Vec::new(),
                body: None,
                status_code,
                response_schema: None,
                dependencies: Vec::new(),
                openapi: None,
                // Extraction gathers the host's errors with the body's (`Failures`).
                answers_invalid: true,
            },
        }
    }

    pub(crate) fn param(
        &mut self,
        arg: &Arg,
        location: ParamLocation,
        wire_name: Option<String>,
        required: bool,
        schema: Value,
    ) {
        self.op.params.push(Param {
            name: arg.name.to_owned(),
            alias: wire_name.filter(|wire| wire != arg.name),
            location,
            required: required && arg.default.is_none(),
            schema: arg.schema(schema).to_string(),
            description: arg.description.map(str::to_owned),
        });
    }

    pub(crate) fn dependency(&mut self, name: String, use_cache: bool) {
        if !self.op.dependencies.iter().any(|d| d.name == name) {
            self.op.dependencies.push(DependencyUse { name, use_cache });
        }
    }

    pub(crate) fn body(&mut self, media_type: &str, required: bool, schema: Value) {
        self.op.body = Some(BodySpec {
            media_type: media_type.to_owned(),
            required,
            schema: schema.to_string(),
            streamed: false,
        });
    }

    pub(crate) fn streamed_body(&mut self, media_type: &str) {
        self.op.body = Some(BodySpec {
            media_type: media_type.to_owned(),
            required: false,
            schema: "{}".to_owned(),
            streamed: true,
        });
    }

    /// The schema of a successful response's body, from the return type's
    /// [`IntoResponse::response_schema`](crate::IntoResponse::response_schema).
    pub fn response_schema(&mut self, schema: Option<Value>) {
        self.op.response_schema = schema.map(|schema| schema.to_string());
    }

    pub fn finish(self) -> Operation {
        self.op
    }

    /// The declaration of a provider: extractors fill it in as they do an operation's.
    pub fn provider(name: &str, is_async: bool, description: Option<&str>) -> Self {
        let kind = if is_async {
            OperationKind::Async
        } else {
            OperationKind::Sync
        };
        Self::new(name, "", "", kind, 200, None, description, &[])
    }

    pub fn finish_provider(self, has_teardown: bool) -> Provider {
        Provider {
            name: self.op.id,
            kind: self.op.kind,
            params: self.op.params,
            dependencies: self.op.dependencies,
            has_teardown,
            description: self.op.description,
            openapi: self.op.openapi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A model with another nested in it, twice; no doc comments, which would be descriptions.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Order {
        burger: Burger,
        #[schemars(default)]
        side: Option<Burger>,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Burger {
        name: String,
    }

    #[test]
    fn a_model_is_titled_and_its_nested_types_are_titled_definitions() {
        let burger = json!({
            "type": "object",
            "properties": { "name": { "type": "string" } },
            "required": ["name"],
            "title": "Burger",
        });
        assert_eq!(
            json_schema::<Order>(),
            json!({
                "type": "object",
                "properties": {
                    "burger": { "$ref": "#/$defs/Burger" },
                    "side": { "anyOf": [{ "$ref": "#/$defs/Burger" }, { "type": "null" }] },
                },
                "required": ["burger"],
                "title": "Order",
                "$defs": { "Burger": burger },
            })
        );
        // Named by an operation itself, the nested type is the schema it is as a definition.
        assert_eq!(json_schema::<Burger>(), burger);
    }
}
