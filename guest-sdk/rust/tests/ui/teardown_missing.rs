use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[provider("db", teardown = close)]
    fn db() -> Result<String, HttpError> {
        Ok("session".into())
    }
}

fn main() {}
