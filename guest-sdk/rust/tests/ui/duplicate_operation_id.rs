use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/a", operation_id = "same")]
    fn a() -> &'static str {
        "a"
    }

    #[get("/b", operation_id = "same")]
    fn b() -> &'static str {
        "b"
    }
}

fn main() {}
