//! A standard wasi:http component in the document: it declares no operations, so its prefix
//! shows as one opaque path that takes any method and any rest of path, answered by whatever
//! the component says.

use super::super::mounts::REST;
use super::super::{App, Mount};
use serde_json::{Value, json};

/// The methods listed for a mount; it answers the others too, but a document listing
/// `HEAD`, `OPTIONS` and `TRACE` beside them tells a reader nothing more.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The path key and Path Item Object of `mount`.
pub fn path_item(app: &App, mount: &Mount) -> (String, Value) {
    let spec = &app.components[mount.component].spec;
    let (name, world, prefix) = (&spec.name, spec.world.as_str(), &mount.prefix);
    let mut item = json!({
        "summary": format!("Everything under {prefix}"),
        "description": format!(
            "Component `{name}` is a `{world}` component: it answers every method and path \
             under `{prefix}`, and declares none of them. It sees the path with `{prefix}` \
             taken off, and `x-forwarded-prefix: {prefix}`."
        ),
        "parameters": [{
            "name": REST,
            "in": "path",
            "required": true,
            "description": "The rest of the path, slashes included.",
            "schema": {"type": "string", "title": "Path"},
        }],
    });
    for method in METHODS {
        item[method] = json!({
            "tags": [name],
            "operationId": format!("{name}_{method}"),
            "responses": {"default": {"description": "Whatever the component answers"}},
        });
    }
    (super::path_template(&mount.template()), item)
}
