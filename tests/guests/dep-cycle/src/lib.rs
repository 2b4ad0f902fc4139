//! Providers that depend on each other in a circle: the app must not load.

use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod cycle {
    use super::*;

    #[provider("egg")]
    fn egg(chicken: Dep<String>) -> Result<String, HttpError> {
        Ok(format!("egg of {}", chicken.0))
    }

    #[provider("chicken")]
    fn chicken(egg: Dep<String>) -> Result<String, HttpError> {
        Ok(format!("chicken from {}", egg.0))
    }

    #[get("/first")]
    fn first(egg: Dep<String>) -> String {
        egg.0
    }
}
