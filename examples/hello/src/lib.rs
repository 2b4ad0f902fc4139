use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// Say hello.
    #[get("/")]
    fn root() -> Json<serde_json::Value> {
        Json(serde_json::json!({"message": "Hello World"}))
    }

    #[get("/items/{item_id}")]
    async fn read_item(
        Path(item_id): Path<u32>,
        q: Query<Option<String>>,
    ) -> Json<serde_json::Value> {
        fastwasm_guest::sleep(std::time::Duration::from_millis(1)).await;
        Json(serde_json::json!({"item_id": item_id, "q": q.0}))
    }
}
