use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/items/{id}")]
    fn read(id: u32) -> String {
        id.to_string()
    }
}

fn main() {}
