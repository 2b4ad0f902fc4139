use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[post("/items")]
    fn create(Json(item): Json<String>, q: Query<u32>) -> String {
        format!("{item} {}", q.0)
    }
}

fn main() {}
