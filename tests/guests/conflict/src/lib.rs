//! A guest whose `GET /items/{id}` collides with `examples/hello`'s `GET /items/{item_id}`.

use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/items/{id}")]
    fn other_item(id: Path<u32>) -> String {
        id.0.to_string()
    }
}
