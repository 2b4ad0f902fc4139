//! Version one of the reload test guest.

const VERSION: &str = "v1";

include!("../../versioned.rs");
