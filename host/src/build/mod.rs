//! Around the sides: `fastwasm build` runs each component's build command, after installing the
//! guest toolchains those commands call.

mod builder;
pub mod rust_target;
mod tagged;
mod toolchains;

pub use builder::run_builds;
