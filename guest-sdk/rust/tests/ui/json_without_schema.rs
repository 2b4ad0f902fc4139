use fastwasm_guest::prelude::*;

/// Serializable, but without `#[derive(JsonSchema)]`: a `Json<T>` declares `T`'s schema.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Item {
    name: String,
}

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[post("/items")]
    fn create_item(Json(item): Json<Item>) -> Json<Item> {
        Json(item)
    }
}

fn main() {}
