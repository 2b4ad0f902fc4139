//! The OpenAPI document of `examples/js-hello`, served by the real host: what the JavaScript
//! SDK declares (named body and response models, nested models, extra responses, operation
//! ids, deprecation, hidden operations) as a user reads it in `/openapi.json`.

use crate::support::{built, json_schema, openapi_document};
use serde_json::{Value, json};

/// The document a fresh server serves for `examples/js-hello` (built once per test process).
async fn js_hello_document() -> Value {
    openapi_document(&built("examples/js-hello")).await
}

#[tokio::test]
async fn a_named_body_model_is_one_component_that_body_and_response_refer_to() {
    let document = js_hello_document().await;
    let create = &document["paths"]["/items"]["post"];
    assert_eq!(create["operationId"], "createItem");
    assert_eq!(create["requestBody"]["required"], true);
    let item_ref = json!({"$ref": "#/components/schemas/Item"});
    assert_eq!(*json_schema(&create["requestBody"], "the body"), item_ref);
    // The response model is the same model, under its declared 201.
    assert_eq!(
        *json_schema(&create["responses"]["201"], "the 201"),
        item_ref
    );
    assert_eq!(
        create["responses"]["201"]["description"],
        "Successful Response"
    );
    assert_eq!(
        create["responses"]["422"]["description"],
        "Validation Error"
    );

    // Field schemas as pydantic writes them: a title per property, constraints, an optional
    // field as the type or null defaulting to null, a default list.
    assert_eq!(
        document["components"]["schemas"]["Item"],
        json!({
            "type": "object",
            "title": "Item",
            "properties": {
                "name": {"type": "string", "minLength": 1, "title": "Name"},
                "price": {"type": "number", "exclusiveMinimum": 0, "title": "Price"},
                "description": {"anyOf": [{"type": "string"}, {"type": "null"}],
                                "default": null, "title": "Description"},
                "tags": {"type": "array", "items": {"type": "string"}, "default": [],
                         "title": "Tags"},
            },
            "required": ["name", "price"],
        })
    );
}

#[tokio::test]
async fn a_nested_response_model_and_an_extra_response() {
    let document = js_hello_document().await;
    let replace = &document["paths"]["/items/{item_id}"]["put"];
    assert_eq!(
        *json_schema(&replace["requestBody"], "the body"),
        json!({"$ref": "#/components/schemas/Item"})
    );
    assert_eq!(
        *json_schema(&replace["responses"]["200"], "the 200"),
        json!({"$ref": "#/components/schemas/ReplacedItem"})
    );
    // The nested model is the same `Item` as the body's, so one component serves both.
    assert_eq!(
        document["components"]["schemas"]["ReplacedItem"],
        json!({
            "type": "object",
            "title": "ReplacedItem",
            "properties": {
                "item_id": {"type": "integer", "title": "Item Id",
                            "minimum": -9007199254740991_i64, "maximum": 9007199254740991_i64},
                "item": {"$ref": "#/components/schemas/Item"},
            },
            "required": ["item_id", "item"],
        })
    );
    assert_eq!(
        replace["responses"]["404"],
        json!({"description": "Item not found"})
    );
    let schemas = document["components"]["schemas"].as_object().unwrap();
    assert!(
        !schemas.keys().any(|key| key.ends_with("__Item")),
        "one Item component: {:?}",
        schemas.keys()
    );
}

#[tokio::test]
async fn operation_ids_deprecation_and_hidden_operations() {
    let document = js_hello_document().await;
    let paths = &document["paths"];
    // An explicit `operationId` wins over the handler's name (`deleteItem`).
    let delete = &paths["/items/{item_id}"]["delete"];
    assert_eq!(delete["operationId"], "remove_item");
    // A 204 has no body to describe.
    assert_eq!(
        delete["responses"]["204"],
        json!({"description": "Successful Response"})
    );

    assert_eq!(paths["/text"]["get"]["deprecated"], true);
    assert!(
        paths["/items/{item_id}"]["get"].get("deprecated").is_none(),
        "{}",
        paths["/items/{item_id}"]["get"]
    );

    // `includeInSchema: false` leaves `/broken` out; nothing of the marker leaks.
    assert!(paths.get("/broken").is_none(), "{paths}");
    assert!(
        !document.to_string().contains("x-fastwasm-hidden"),
        "{document}"
    );

    // Without a response model, a JSON success is any value.
    assert_eq!(
        *json_schema(&paths["/"]["get"]["responses"]["200"], "GET /"),
        json!({})
    );
}
