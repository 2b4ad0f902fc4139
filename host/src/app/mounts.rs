//! Where standard wasi:http components answer: each takes every path under its prefix, which
//! no other mount, operation or host page may share.

use super::{Operation, RESERVED_PREFIX};
use crate::guest::Component;
use anyhow::{Result, bail};
use std::sync::Arc;

/// A standard component and the prefix it answers under.
#[derive(Debug, Clone)]
pub struct Mount {
    /// `/legacy`: no trailing slash, never empty.
    pub prefix: String,
    /// Index into the app's components.
    pub component: usize,
}

/// The rest-of-path parameter after a mount's prefix, as `fastwasm routes` and the OpenAPI
/// document name it.
pub const REST: &str = "path";

impl Mount {
    /// The route it shows as, in the router's rest-of-path notation: `/legacy/{path:path}`.
    pub fn template(&self) -> String {
        format!("{}/{{{REST}:path}}", self.prefix)
    }
}

/// What a mount answers: the component, and the path it sees (its prefix taken off; `/` for
/// the prefix itself).
pub struct Mounted<'a> {
    pub mount: &'a Mount,
    pub path: &'a str,
}

/// Whether `path` is `prefix` or under it, segment by segment: `/legacyx` is not under
/// `/legacy`.
fn rest<'a>(prefix: &str, path: &'a str) -> Option<&'a str> {
    match path.strip_prefix(prefix)? {
        "" => Some("/"),
        rest if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

/// The mounts of `components`, checked against each other, the operations' routes, the host's
/// own prefix and the docs pages.
pub fn collect(
    components: &[Arc<Component>],
    operations: &[Operation],
    docs_paths: &[(&'static str, String)],
) -> Result<Vec<Mount>> {
    let mut mounts: Vec<Mount> = Vec::new();
    for (index, component) in components.iter().enumerate() {
        if !component.spec.world.is_standard() {
            continue;
        }
        let (name, prefix) = (&component.spec.name, &component.spec.prefix);
        if rest(RESERVED_PREFIX, prefix).is_some() {
            bail!(
                "component `{name}`: the prefix `{prefix}` is under `{RESERVED_PREFIX}/`, which \
                 the host keeps for its own endpoints"
            );
        }
        if let Some(other) = mounts
            .iter()
            .find(|m| rest(&m.prefix, prefix).is_some() || rest(prefix, &m.prefix).is_some())
        {
            bail!(
                "components `{}` and `{name}` are mounted at `{}` and `{prefix}`: one would \
                 answer the other's paths; give them prefixes apart",
                components[other.component].spec.name,
                other.prefix
            );
        }
        if let Some(op) = operations
            .iter()
            .find(|op| rest(prefix, &op.template.raw).is_some())
        {
            bail!(
                "component `{name}` answers every path under `{prefix}`, and operation `{}` of \
                 component `{}` has the route `{}` there; move one of them",
                op.id,
                components[op.component].spec.name,
                op.template.raw
            );
        }
        if let Some((setting, path)) = docs_paths.iter().find(|(_, p)| rest(prefix, p).is_some()) {
            bail!(
                "component `{name}` answers every path under `{prefix}`, where the host serves \
                 the API's docs at `{path}` (`{setting}`): move the prefix, or set `{setting}` \
                 in `[server]`"
            );
        }
        mounts.push(Mount {
            prefix: prefix.clone(),
            component: index,
        });
    }
    Ok(mounts)
}

/// The mount `path` is under, if any.
pub fn find<'a>(mounts: &'a [Mount], path: &'a str) -> Option<Mounted<'a>> {
    mounts
        .iter()
        .find_map(|mount| rest(&mount.prefix, path).map(|path| Mounted { mount, path }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_takes_its_own_segments_only() {
        assert_eq!(rest("/legacy", "/legacy"), Some("/"));
        assert_eq!(rest("/legacy", "/legacy/"), Some("/"));
        assert_eq!(rest("/legacy", "/legacy/items/1"), Some("/items/1"));
        assert_eq!(rest("/legacy", "/legacyx"), None);
        assert_eq!(rest("/legacy", "/other"), None);
        let mounts = [Mount {
            prefix: "/a/b".into(),
            component: 3,
        }];
        let found = find(&mounts, "/a/b/c").unwrap();
        assert_eq!((found.mount.component, found.path), (3, "/c"));
        assert!(find(&mounts, "/a").is_none());
    }
}
