//! The OpenAPI document of `examples/hello`, served by the real host: the JSON Schemas the Rust
//! SDK derives with `JsonSchema` for `Json<T>` bodies and responses, as a user reads them in
//! `/openapi.json`.

use crate::support::{built, json_schema, openapi_document};
use serde_json::{Value, json};

/// The document a fresh server serves for `examples/hello` (built once per test process).
async fn hello_document() -> Value {
    openapi_document(&built("examples/hello")).await
}

#[tokio::test]
async fn a_json_body_refers_to_its_model_with_the_nested_model_beside_it() {
    let document = hello_document().await;
    let create = &document["paths"]["/items"]["post"];
    assert_eq!(create["requestBody"]["required"], true);
    assert_eq!(
        *json_schema(&create["requestBody"], "the body of create_item"),
        json!({"$ref": "#/components/schemas/Item"})
    );

    let schemas = &document["components"]["schemas"];
    let item = &schemas["Item"];
    assert_eq!(item["title"], "Item");
    assert_eq!(item["type"], "object");
    assert_eq!(item["required"], json!(["name", "price"]));
    assert_eq!(item["properties"]["name"], json!({"type": "string"}));
    assert_eq!(item["properties"]["price"]["type"], "number");
    assert!(
        item.get("$defs").is_none(),
        "the host hoists $defs out of the model: {item}"
    );
    // The doc comment of the field is its description; its type refers to the hoisted `Image`.
    let image_field = &item["properties"]["image"];
    assert_eq!(
        image_field["description"],
        "A picture of the item: a nested model, with a schema of its own."
    );
    assert!(
        image_field["anyOf"]
            .as_array()
            .is_some_and(|choices| choices
                .contains(&json!({"$ref": "#/components/schemas/Image"}))),
        "the optional image refers to its component: {image_field}"
    );
    assert_eq!(
        schemas["Image"],
        json!({
            "type": "object",
            "description": "A picture of an item.",
            "properties": { "url": { "type": "string" }, "name": { "type": "string" } },
            "required": ["url", "name"],
            "title": "Image",
        })
    );

    // A second operation taking the same model shares its component.
    let update = &document["paths"]["/items/{item_id}"]["put"];
    assert_eq!(
        *json_schema(&update["requestBody"], "the body of update_item"),
        json!({"$ref": "#/components/schemas/Item"})
    );
}

#[tokio::test]
async fn a_json_response_declares_its_model_under_the_success_status() {
    let document = hello_document().await;
    let create = &document["paths"]["/items"]["post"];
    assert_eq!(
        *json_schema(&create["responses"]["201"], "the 201 of create_item"),
        json!({"$ref": "#/components/schemas/Item"})
    );
    // `Result<(StatusCode, Json<Value>), HttpError>`: the wrappers forward the body's schema,
    // which for any JSON value constrains nothing.
    let update = &document["paths"]["/items/{item_id}"]["put"];
    assert_eq!(
        *json_schema(&update["responses"]["200"], "the 200 of update_item"),
        json!({"title": "AnyValue"})
    );
    // A body that is not JSON declares no schema of its own.
    let html = &document["paths"]["/html"]["get"]["responses"]["200"];
    assert_eq!(*json_schema(html, "the 200 of html"), json!({}));
}
