//! An operation that needs a dependency nobody provides: the app must not load.

use fastwasm_guest::prelude::*;

#[fastwasm_guest::app]
mod missing {
    use super::*;

    #[get("/haunted")]
    fn haunted(ghost: Dep<String>) -> String {
        ghost.0
    }
}
