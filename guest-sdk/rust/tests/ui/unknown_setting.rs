use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/items", status = 201)]
    fn list() -> &'static str {
        "[]"
    }
}

fn main() {}
