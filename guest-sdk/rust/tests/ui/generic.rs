use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/items/{id}")]
    fn read<T>(id: Path<u32>) -> String {
        id.0.to_string()
    }
}

fn main() {}
