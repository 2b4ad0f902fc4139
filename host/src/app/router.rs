//! Method + path template matching. Kept apart from the server so it is tested without sockets.
//!
//! Templates use `{name}` for one segment and `{name:path}` for the rest of the path. Parameter
//! names are not part of a route's identity: `GET /items/{item_id}` and `DELETE /items/{id}`
//! share one path, as they may in FastAPI, while two operations on the same method and path
//! shape conflict.

use hyper::Method;
use std::collections::HashMap;

/// A path template split into segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template as declared (with the component's prefix).
    pub raw: String,
    /// The names of its parameters, in path order.
    pub params: Vec<String>,
    /// The template with positional parameter names, the key the router stores.
    shape: String,
}

impl Template {
    /// Parses `/items/{item_id}` or `/files/{file_path:path}`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if !raw.starts_with('/') {
            return Err(format!("path `{raw}` must start with `/`"));
        }
        let mut params = Vec::new();
        let mut shape = String::new();
        let segments: Vec<&str> = raw[1..].split('/').collect();
        for (index, segment) in segments.iter().enumerate() {
            shape.push('/');
            if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let (name, converter) = inner.split_once(':').unwrap_or((inner, ""));
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!(
                        "path `{raw}` has an invalid parameter name `{name}`"
                    ));
                }
                if params.iter().any(|p| p == name) {
                    return Err(format!("path `{raw}` names parameter `{name}` twice"));
                }
                let position = params.len();
                match converter {
                    "" => shape.push_str(&format!("{{p{position}}}")),
                    "path" if index + 1 == segments.len() => {
                        shape.push_str(&format!("{{*p{position}}}"))
                    }
                    "path" => {
                        return Err(format!(
                            "path `{raw}`: `{{{name}:path}}` must be the last segment"
                        ));
                    }
                    other => {
                        return Err(format!(
                            "path `{raw}`: unknown converter `{other}` (only `path` is supported)"
                        ));
                    }
                }
                params.push(name.to_owned());
            } else if segment.contains(['{', '}']) {
                return Err(format!(
                    "path `{raw}`: a parameter must be a whole segment, like `/items/{{item_id}}`"
                ));
            } else {
                shape.push_str(segment);
            }
        }
        Ok(Self {
            raw: raw.to_owned(),
            params,
            shape,
        })
    }
}

/// Two operations claim the same method and path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("route conflict: {method} {path} is declared by {existing} and by {new}")]
pub struct RouteConflict {
    /// The method both claim.
    pub method: Method,
    /// The path of the rejected route.
    pub path: String,
    /// Who holds the route already.
    pub existing: String,
    /// Who tried to claim it.
    pub new: String,
}

/// One method of a path.
#[derive(Debug)]
struct Route<T> {
    method: Method,
    target: T,
    template: Template,
    /// Who declared it, for conflict errors.
    owner: String,
}

/// Every method of one path shape.
#[derive(Debug)]
struct Entry<T> {
    routes: Vec<Route<T>>,
}

/// What a request's method and path selected.
#[derive(Debug, PartialEq)]
pub enum RouteMatch<'a, T> {
    /// An operation, with its path parameters by declared name (percent-decoded).
    Found {
        /// What the route maps to.
        target: &'a T,
        /// The template that matched.
        template: &'a Template,
        /// Path parameters by declared name, percent-decoded.
        params: Vec<(&'a str, String)>,
    },
    /// The path exists for other methods; these go in the `Allow` header.
    MethodNotAllowed(Vec<Method>),
    /// No route has this path.
    NotFound,
}

/// A route table from (method, path template) to `T`.
#[derive(Debug)]
pub struct Router<T> {
    paths: matchit::Router<usize>,
    /// Shape -> entry, to find an existing path exactly (matchit only matches requests).
    shapes: HashMap<String, usize>,
    entries: Vec<Entry<T>>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self {
            paths: matchit::Router::new(),
            shapes: HashMap::new(),
            entries: Vec::new(),
        }
    }
}

impl<T> Router<T> {
    /// Adds a route; `owner` names it in conflict errors (e.g. "operation `a` of component `x`").
    pub fn insert(
        &mut self,
        method: Method,
        template: Template,
        target: T,
        owner: String,
    ) -> Result<(), RouteConflict> {
        let index = match self.shapes.get(&template.shape) {
            Some(index) => *index,
            None => {
                let index = self.entries.len();
                if let Err(err) = self.paths.insert(template.shape.clone(), index) {
                    let existing = match &err {
                        matchit::InsertError::Conflict { with } => self
                            .entries
                            .iter()
                            .flat_map(|entry| entry.routes.iter())
                            .find(|route| &route.template.shape == with)
                            .map(|route| format!("{} ({})", route.owner, route.template.raw))
                            .unwrap_or_else(|| with.clone()),
                        other => other.to_string(),
                    };
                    return Err(RouteConflict {
                        method,
                        path: template.raw.clone(),
                        existing,
                        new: owner,
                    });
                }
                self.entries.push(Entry { routes: Vec::new() });
                self.shapes.insert(template.shape.clone(), index);
                index
            }
        };
        let entry = &mut self.entries[index];
        if let Some(existing) = entry.routes.iter().find(|route| route.method == method) {
            return Err(RouteConflict {
                method,
                path: template.raw.clone(),
                existing: format!("{} ({})", existing.owner, existing.template.raw),
                new: owner,
            });
        }
        entry.routes.push(Route {
            method,
            target,
            template,
            owner,
        });
        Ok(())
    }

    /// Selects the route for a request.
    pub fn at(&self, method: &Method, path: &str) -> RouteMatch<'_, T> {
        let Ok(found) = self.paths.at(path) else {
            return RouteMatch::NotFound;
        };
        let entry = &self.entries[*found.value];
        let Some(route) = entry.routes.iter().find(|route| route.method == method) else {
            return RouteMatch::MethodNotAllowed(
                entry
                    .routes
                    .iter()
                    .map(|route| route.method.clone())
                    .collect(),
            );
        };
        let params = route
            .template
            .params
            .iter()
            .zip(found.params.iter())
            .map(|(name, (_, raw))| {
                let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                (name.as_str(), value.into_owned())
            })
            .collect();
        RouteMatch::Found {
            target: &route.target,
            template: &route.template,
            params,
        }
    }

    /// Every route: method, template, target.
    pub fn routes(&self) -> impl Iterator<Item = (&Method, &Template, &T)> {
        self.entries
            .iter()
            .flat_map(|entry| entry.routes.iter())
            .map(|route| (&route.method, &route.template, &route.target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router<String> {
        let mut router = Router::default();
        for (method, path) in routes {
            let method: Method = method.parse().unwrap();
            let label = format!("{method} {path}");
            router
                .insert(method, Template::parse(path).unwrap(), label.clone(), label)
                .unwrap();
        }
        router
    }

    fn found(
        router: &Router<String>,
        method: Method,
        path: &str,
    ) -> (String, Vec<(String, String)>) {
        match router.at(&method, path) {
            RouteMatch::Found { target, params, .. } => (
                target.clone(),
                params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            ),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn matches_static_before_parameters_and_decodes_values() {
        let r = router(&[
            ("GET", "/users/me"),
            ("GET", "/users/{user_id}"),
            ("DELETE", "/users/{id}"),
            ("GET", "/files/{file_path:path}"),
        ]);
        assert_eq!(found(&r, Method::GET, "/users/me").0, "GET /users/me");
        assert_eq!(
            found(&r, Method::GET, "/users/a%20b"),
            (
                "GET /users/{user_id}".into(),
                vec![("user_id".into(), "a b".into())]
            )
        );
        assert_eq!(
            found(&r, Method::DELETE, "/users/7").1,
            vec![("id".to_owned(), "7".to_owned())]
        );
        assert_eq!(
            found(&r, Method::GET, "/files/a/b/c.txt").1,
            vec![("file_path".to_owned(), "a/b/c.txt".to_owned())]
        );
    }

    #[test]
    fn reports_404_and_405_with_allowed_methods() {
        let r = router(&[("GET", "/items"), ("POST", "/items")]);
        assert_eq!(r.at(&Method::GET, "/nope"), RouteMatch::NotFound);
        assert_eq!(
            r.at(&Method::DELETE, "/items"),
            RouteMatch::MethodNotAllowed(vec![Method::GET, Method::POST])
        );
    }

    #[test]
    fn rejects_conflicts_naming_both_owners() {
        let mut r = router(&[("GET", "/items/{item_id}")]);
        let err = r
            .insert(
                Method::GET,
                Template::parse("/items/{id}").unwrap(),
                "x".into(),
                "operation `other` of component `b`".into(),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "route conflict: GET /items/{id} is declared by GET /items/{item_id} (/items/{item_id}) \
             and by operation `other` of component `b`"
        );
    }

    #[test]
    fn rejects_malformed_templates() {
        assert!(
            Template::parse("items")
                .unwrap_err()
                .contains("must start with `/`")
        );
        assert!(Template::parse("/a/{x}/{x}").unwrap_err().contains("twice"));
        assert!(
            Template::parse("/a/{p:path}/b")
                .unwrap_err()
                .contains("last segment")
        );
        assert!(
            Template::parse("/a/{x:int}")
                .unwrap_err()
                .contains("unknown converter")
        );
        assert!(
            Template::parse("/a/x{y}")
                .unwrap_err()
                .contains("whole segment")
        );
    }
}
