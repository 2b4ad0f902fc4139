//! What the user wrote: the app's manifest (`fastwasm.toml`) and the host settings, with the
//! command line's flags over them. Nothing here knows about wasm or HTTP.

mod manifest;
mod outbound;
mod settings;
mod stores;

pub use manifest::{
    ApiInfo, ComponentSpec, Grants, Isolation, MANIFEST_FILE, Manifest, Toolchain, World,
};
pub use outbound::{AllowedOutbound, default_port, is_local_address};
pub use settings::{Allocator, DocsPaths, SettingFlags, Settings, markdown_table};
pub use stores::{StoreBackend, Stores, check_name as check_store_name};

/// A name the app gives a component or a store, which tags logs and may become a file name:
/// non-empty, letters, digits, `-` and `_`.
fn check_name(what: &str, name: &str) -> anyhow::Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || !name.chars().all(allowed) {
        anyhow::bail!(
            "{what} name `{name}` must be non-empty and use only letters, digits, `-` and `_`"
        );
    }
    Ok(())
}
