//! Around the sides: `fastwasm build` runs each component's build command, after installing the
//! guest toolchains those commands call and the Python packages the app lists.

mod builder;
mod python_packages;
pub mod rust_target;
mod tagged;
mod toolchains;

pub use builder::run_builds;
