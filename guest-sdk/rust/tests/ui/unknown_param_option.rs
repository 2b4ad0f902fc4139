use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/items")]
    fn list(#[param(minimum = 1)] limit: Query<u32>) -> String {
        limit.0.to_string()
    }
}

fn main() {}
