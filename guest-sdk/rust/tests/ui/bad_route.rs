use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("items")]
    fn list() -> &'static str {
        "[]"
    }
}

fn main() {}
