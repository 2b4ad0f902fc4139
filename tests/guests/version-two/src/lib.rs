//! Version two of the reload test guest.

const VERSION: &str = "v2";

include!("../../versioned.rs");
