//! What the user wrote: the app's manifest (`fastwasm.toml`) and the host settings, with the
//! command line's flags over them. Nothing here knows about wasm or HTTP.

mod manifest;
mod outbound;
mod settings;
mod stores;

pub use manifest::{ComponentSpec, Grants, Isolation, MANIFEST_FILE, Manifest, Toolchain};
pub use outbound::{AllowedOutbound, default_port, is_local_address};
pub use settings::{Allocator, SettingFlags, Settings, markdown_table};
pub use stores::{StoreBackend, Stores, check_name as check_store_name};
