use fastwasm_guest::prelude::*;

#[get("/")]
fn root() -> &'static str {
    "hello"
}

fn main() {}
