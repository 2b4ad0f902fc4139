use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[provider("answer")]
    fn answer() -> u32 {
        42
    }
}

fn main() {}
