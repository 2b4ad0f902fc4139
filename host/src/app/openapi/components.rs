//! The document's `components`: the named schemas operations refer to, and the security
//! schemes. A model's schema may differ between what a request sends and what a response
//! sends (pydantic writes a `Decimal` field as a number or a string going in, a string coming
//! out); FastAPI then files it twice, as `Model-Input` and `Model-Output`, and so does this.
//! So each named schema is declared with the side of the wire it describes, operations refer
//! to it by a pending reference, and the keys are settled once every operation is in.

use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The side of the wire a schema describes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Side {
    /// A request body: what pydantic validates.
    Request,
    /// A response body: what pydantic serializes.
    Response,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Request => Side::Response,
            Side::Response => Side::Request,
        }
    }

    /// FastAPI's suffix for a model documented on both sides with different schemas.
    fn suffix(self) -> &'static str {
        match self {
            Side::Request => "-Input",
            Side::Response => "-Output",
        }
    }
}

/// A reference to a declared schema whose key is not settled yet: this, then its index.
const PENDING: &str = "#/fastwasm-pending/";

/// One named schema, as one component declared it for one side.
struct Declared {
    component: String,
    side: Side,
    /// Its name as declared: a `$defs` key, or a model's title.
    name: String,
    /// 0, or which other schema of this name the component declared for this side.
    variant: usize,
    /// The schema with its references by `$defs` name: what tells declarations apart.
    declared: Value,
    /// The schema with its references pending.
    pending: Value,
}

#[derive(Default)]
pub struct Components {
    declared: Vec<Declared>,
    /// Each declaration's index by component, side, name and variant.
    index: HashMap<(String, Side, String, usize), usize>,
    /// Schemas under fixed keys (FastAPI's validation errors).
    fixed: Map<String, Value>,
    security_schemes: Map<String, Value>,
}

impl Components {
    /// `schema` as an operation of `component` refers to it for `side`: a named object schema
    /// (a model with a `title`) becomes a component, referred to by `$ref`, as do its `$defs`.
    pub fn reference(&mut self, mut schema: Value, component: &str, side: Side) -> Value {
        let defs = match schema.as_object_mut().and_then(|o| o.remove("$defs")) {
            Some(Value::Object(defs)) => defs,
            _ => Map::new(),
        };
        let ids: HashMap<String, usize> = defs
            .iter()
            .map(|(name, def)| (name.clone(), self.declare(component, side, name, def)))
            .collect();
        for (name, mut def) in defs {
            let declared = &mut self.declared[ids[&name]];
            if declared.pending.is_null() {
                point_refs(&mut def, &ids);
                declared.pending = def;
            }
        }
        let named = schema
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_owned);
        // A model has properties; a titled `dict[str, int]` stays inline, as in FastAPI.
        let is_model = schema.get("properties").is_some();
        match named {
            Some(title) if is_model => {
                let id = self.declare(component, side, &title, &schema);
                if self.declared[id].pending.is_null() {
                    point_refs(&mut schema, &ids);
                    self.declared[id].pending = schema;
                }
                json!({ "$ref": format!("{PENDING}{id}") })
            }
            _ => {
                point_refs(&mut schema, &ids);
                schema
            }
        }
    }

    /// The index of `schema` among the declarations: the one already made of this schema
    /// under this name, or a new one (its pending form still to be filled in).
    fn declare(&mut self, component: &str, side: Side, name: &str, schema: &Value) -> usize {
        for variant in 0.. {
            let key = (component.to_owned(), side, name.to_owned(), variant);
            match self.index.get(&key) {
                Some(&id) if &self.declared[id].declared == schema => return id,
                Some(_) => continue,
                None => {
                    let id = self.declared.len();
                    self.declared.push(Declared {
                        component: component.to_owned(),
                        side,
                        name: name.to_owned(),
                        variant,
                        declared: schema.clone(),
                        pending: Value::Null,
                    });
                    self.index.insert(key, id);
                    return id;
                }
            }
        }
        unreachable!("an unbounded range yields a free variant")
    }

    pub fn security_schemes(&mut self, given: Option<Value>) {
        if let Some(Value::Object(schemes)) = given {
            self.security_schemes.extend(schemes);
        }
    }

    /// FastAPI's `HTTPValidationError`: the 422 body every validation failure answers.
    pub fn validation_error(&mut self) {
        self.fixed.insert(
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
        self.fixed.insert(
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

    /// Settles each declared schema's key, points the pending references in `paths` at them,
    /// and gives `components`, or `None` when nothing refers to it.
    pub fn finish(self, paths: &mut Value) -> Option<Value> {
        let keys = self.keys();
        let mut schemas = self.fixed;
        for (declared, key) in self.declared.into_iter().zip(&keys) {
            if !schemas.contains_key(key) {
                let mut schema = declared.pending;
                settle_refs(&mut schema, &keys);
                schemas.insert(key.clone(), schema);
            }
        }
        settle_refs(paths, &keys);
        let mut components = Map::new();
        if !schemas.is_empty() {
            let mut schemas: Vec<(String, Value)> = schemas.into_iter().collect();
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

    /// Each declaration's key, in declaration order. A schema declared for both sides is
    /// split into `-Input` and `-Output` when the two differ, or refer to schemas that are
    /// split; then a name another component's different schema already has is qualified
    /// with the component's (`<component>__<name>`, numbered if need be).
    fn keys(&self) -> Vec<String> {
        let twins: Vec<Option<usize>> = self
            .declared
            .iter()
            .map(|d| {
                let key = (
                    d.component.clone(),
                    d.side.other(),
                    d.name.clone(),
                    d.variant,
                );
                self.index.get(&key).copied()
            })
            .collect();
        let mut split: Vec<bool> = self
            .declared
            .iter()
            .zip(&twins)
            .map(|(d, twin)| twin.is_some_and(|t| self.declared[t].declared != d.declared))
            .collect();
        let refers: Vec<Vec<usize>> = self
            .declared
            .iter()
            .map(|d| pending_ids(&d.pending))
            .collect();
        // A schema that refers to a split one is split too: its two sides refer to two keys.
        loop {
            let mut changed = false;
            for (id, twin) in twins.iter().enumerate() {
                let Some(twin) = *twin else { continue };
                let refers_to_split = [id, twin]
                    .iter()
                    .any(|&i| refers[i].iter().any(|&r| split[r]));
                if !split[id] && refers_to_split {
                    split[id] = true;
                    split[twin] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let base = |id: usize| {
            let d = &self.declared[id];
            let name = component_key(&d.name);
            let name = if split[id] {
                format!("{name}{}", d.side.suffix())
            } else {
                name
            };
            if d.variant == 0 {
                name
            } else {
                format!("{}__{name}", component_key(&d.component))
            }
        };
        let names: Vec<String> = (0..self.declared.len()).map(base).collect();
        // What a key holds, with its references by base name: the same model declared by two
        // components is one schema.
        let shown = |id: usize| {
            let mut schema = self.declared[id].pending.clone();
            settle_refs(&mut schema, &names);
            schema
        };
        let mut taken: HashMap<String, Value> = HashMap::new();
        let mut keys: Vec<String> = Vec::with_capacity(self.declared.len());
        for id in 0..self.declared.len() {
            if let Some(twin) = twins[id].filter(|&t| t < id && !split[id]) {
                let key = keys[twin].clone();
                keys.push(key);
                continue;
            }
            let schema = shown(id);
            let name = names[id].clone();
            let fits = |key: &str| taken.get(key).is_none_or(|held| held == &schema);
            let key = if fits(&name) {
                name
            } else {
                let qualified = format!("{}__{name}", component_key(&self.declared[id].component));
                (1..)
                    .map(|n| match n {
                        1 => qualified.clone(),
                        n => format!("{qualified}_{n}"),
                    })
                    .find(|key| fits(key))
                    .expect("an unbounded range yields a free key")
            };
            taken.insert(key.clone(), schema);
            keys.push(key);
        }
        keys
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

/// Calls `visit` with every `$ref` string in `schema`.
fn each_ref(schema: &mut Value, visit: &mut impl FnMut(&mut Value)) {
    match schema {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                if key == "$ref" && value.is_string() {
                    visit(value);
                } else {
                    each_ref(value, visit);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| each_ref(item, visit)),
        _ => {}
    }
}

/// Points every `#/$defs/NAME` reference in `schema` at the declaration `ids[NAME]`, pending;
/// one to a name not among the `$defs` at `#/components/schemas/NAME`.
fn point_refs(schema: &mut Value, ids: &HashMap<String, usize>) {
    each_ref(schema, &mut |value| {
        if let Some(name) = value.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
            *value = match ids.get(name) {
                Some(id) => format!("{PENDING}{id}"),
                None => format!("#/components/schemas/{}", component_key(name)),
            }
            .into();
        }
    });
}

/// Points every pending reference in `value` at its declaration's key.
fn settle_refs(value: &mut Value, keys: &[String]) {
    each_ref(value, &mut |value| {
        let pending = value.as_str().and_then(|r| r.strip_prefix(PENDING));
        if let Some(id) = pending.and_then(|id| id.parse::<usize>().ok()) {
            *value = format!("#/components/schemas/{}", keys[id]).into();
        }
    });
}

/// The declarations `schema` refers to.
fn pending_ids(schema: &Value) -> Vec<usize> {
    fn walk(value: &Value, ids: &mut Vec<usize>) {
        match value {
            Value::Object(fields) => {
                for (key, value) in fields {
                    let pending = value.as_str().and_then(|r| r.strip_prefix(PENDING));
                    match pending.and_then(|id| id.parse::<usize>().ok()) {
                        Some(id) if key == "$ref" => ids.push(id),
                        _ => walk(value, ids),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, ids)),
            _ => {}
        }
    }
    let mut ids = Vec::new();
    walk(schema, &mut ids);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The components of `schemas` referred to in turn, and their references.
    fn settled(referred: &[(Value, &str, Side)]) -> (Value, Value) {
        let mut components = Components::default();
        let mut refs = Value::Array(
            referred
                .iter()
                .map(|(schema, component, side)| {
                    components.reference(schema.clone(), component, *side)
                })
                .collect(),
        );
        let document = components.finish(&mut refs).unwrap_or(json!({}));
        (refs, document["schemas"].clone())
    }

    fn model(title: &str, properties: Value) -> Value {
        json!({ "title": title, "type": "object", "properties": properties })
    }

    #[test]
    fn a_titled_object_moves_into_components_with_its_defs() {
        let mut order = model("Order", json!({ "item": { "$ref": "#/$defs/Item" } }));
        order["$defs"] = json!({ "Item": model("Item", json!({})) });
        let (refs, schemas) = settled(&[(order, "shop", Side::Request)]);
        assert_eq!(refs, json!([{ "$ref": "#/components/schemas/Order" }]));
        assert_eq!(
            schemas["Order"]["properties"]["item"],
            json!({ "$ref": "#/components/schemas/Item" })
        );
        assert_eq!(schemas["Item"]["title"], "Item");
        assert!(schemas["Order"].get("$defs").is_none());
    }

    #[test]
    fn a_nested_model_referred_to_twice_is_one_schema() {
        let mut order = model("Order", json!({ "item": { "$ref": "#/$defs/Item" } }));
        order["$defs"] = json!({
            "Item": model("Item", json!({ "tag": { "$ref": "#/$defs/Tag" } })),
            "Tag": model("Tag", json!({})),
        });
        let (refs, schemas) = settled(&[
            (order.clone(), "shop", Side::Request),
            (order, "shop", Side::Request),
        ]);
        assert_eq!(refs[0], refs[1]);
        let mut keys: Vec<&String> = schemas.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["Item", "Order", "Tag"]);
    }

    #[test]
    fn two_different_schemas_of_one_name_are_both_kept() {
        let first =
            json!({ "title": "Item", "type": "object", "properties": {}, "required": ["a"] });
        let second =
            json!({ "title": "Item", "type": "object", "properties": {}, "required": ["b"] });
        let (refs, schemas) = settled(&[
            (first.clone(), "one", Side::Request),
            (first, "one", Side::Request),
            (second.clone(), "two", Side::Request),
            (second, "one", Side::Request),
        ]);
        assert_eq!(
            refs,
            json!([
                { "$ref": "#/components/schemas/Item" },
                { "$ref": "#/components/schemas/Item" },
                { "$ref": "#/components/schemas/two__Item" },
                { "$ref": "#/components/schemas/one__Item" },
            ])
        );
        assert_eq!(schemas["two__Item"]["required"], json!(["b"]));
        assert_eq!(schemas["one__Item"]["required"], json!(["b"]));
    }

    #[test]
    fn a_model_whose_sides_differ_is_split_as_fastapi_splits_it() {
        let price_in = model(
            "Price",
            json!({ "amount": { "anyOf": [{ "type": "number" }, { "type": "string" }] } }),
        );
        let price_out = model("Price", json!({ "amount": { "type": "string" } }));
        let with = |price: &Value| {
            let mut order = model("Order", json!({ "price": { "$ref": "#/$defs/Price" } }));
            order["$defs"] = json!({ "Price": price, "Tag": model("Tag", json!({})) });
            order["properties"]["tag"] = json!({ "$ref": "#/$defs/Tag" });
            order
        };
        let (refs, schemas) = settled(&[
            (with(&price_in), "shop", Side::Request),
            (with(&price_out), "shop", Side::Response),
            (price_in.clone(), "shop", Side::Request),
            (model("Tag", json!({})), "shop", Side::Response),
        ]);
        assert_eq!(
            refs,
            json!([
                { "$ref": "#/components/schemas/Order-Input" },
                { "$ref": "#/components/schemas/Order-Output" },
                { "$ref": "#/components/schemas/Price-Input" },
                { "$ref": "#/components/schemas/Tag" },
            ])
        );
        assert_eq!(
            schemas["Order-Output"]["properties"]["price"],
            json!({ "$ref": "#/components/schemas/Price-Output" })
        );
        assert_eq!(
            schemas["Order-Input"]["properties"]["tag"],
            json!({ "$ref": "#/components/schemas/Tag" })
        );
        assert_eq!(schemas["Price-Output"], price_out);
        // The title stays the model's, as pydantic writes it.
        assert_eq!(schemas["Price-Input"]["title"], "Price");
        assert_eq!(schemas.as_object().unwrap().len(), 5);
    }

    #[test]
    fn a_model_on_one_side_only_keeps_its_name() {
        let price_in = model(
            "Price",
            json!({ "amount": { "anyOf": [{ "type": "number" }, { "type": "string" }] } }),
        );
        let (refs, _) = settled(&[(price_in, "shop", Side::Request)]);
        assert_eq!(refs, json!([{ "$ref": "#/components/schemas/Price" }]));
    }

    #[test]
    fn unnamed_and_scalar_schemas_stay_inline() {
        let list = json!({ "type": "array", "title": "Items", "items": { "type": "string" } });
        let map = json!({ "type": "object", "title": "Counts", "additionalProperties": true });
        let (refs, schemas) = settled(&[
            (list.clone(), "c", Side::Request),
            (map.clone(), "c", Side::Response),
            (json!({}), "c", Side::Request),
        ]);
        assert_eq!(refs, json!([list, map, {}]));
        assert!(schemas.is_null());
    }
}
