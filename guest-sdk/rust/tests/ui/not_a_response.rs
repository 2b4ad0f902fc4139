use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/count")]
    fn count() -> u32 {
        3
    }
}

fn main() {}
