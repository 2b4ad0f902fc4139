//! What components declare, checked: operations, providers and their parameters, turned from
//! the WIT records `describe` returned into the host's own types. Every error here is a load
//! error, never a request error.

use super::deps::{DependencyUse, Plan, Provider};
use super::params::{Location, ParamRule, ValueSchema};
use super::router::Template;
use crate::guest::{Component, Kind, Role, types};
use anyhow::{Result, anyhow, bail};
use hyper::Method;
use serde_json::{Map, Value};

/// A declared request body.
#[derive(Debug, Clone)]
pub struct BodyRule {
    /// The declared media type, e.g. `application/json`.
    pub media_type: String,
    /// Whether a request must carry a body.
    pub required: bool,
    /// JSON Schema of the body (`{}` when unconstrained).
    pub schema: Value,
    /// Whether the body reaches the guest as a stream while it arrives.
    pub streamed: bool,
}

/// What an operation speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// A request and a response.
    Http,
    /// A WebSocket session after the upgrade (FastAPI's `@app.websocket`).
    WebSocket,
}

/// One path operation, checked.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Unique within the app.
    pub id: String,
    /// The HTTP method it answers.
    pub method: Method,
    /// The full template, prefix included.
    pub template: Template,
    /// Sync (blocking pool) or async (future).
    pub kind: Kind,
    /// HTTP, or a WebSocket session.
    pub protocol: Protocol,
    /// Declared parameters, checked at load: the operation's own first, then those of the
    /// providers its plan calls that it does not declare itself.
    pub params: Vec<ParamRule>,
    /// How many of `params` are the operation's own.
    pub own_params: usize,
    /// Whether the guest answers invalid parameters itself (see the WIT `answers-invalid`).
    pub answers_invalid: bool,
    /// The declared request body, if any.
    pub body: Option<BodyRule>,
    /// Status of a successful response.
    pub status_code: u16,
    /// JSON Schema of a successful response body, when the component knows it.
    pub response_schema: Option<Value>,
    /// OpenAPI Operation fields the component set beyond what the host derives.
    pub openapi: Option<Map<String, Value>>,
    /// One-line summary (from the doc comment or the name).
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Grouping tags.
    pub tags: Vec<String>,
    /// What it depends on: app- and component-level dependencies, then its own.
    pub dependencies: Vec<DependencyUse>,
    /// The provider calls each request makes before the handler, in order.
    pub plan: Plan,
    /// Whether a provider of the plan has a teardown, which must run whatever happens to the
    /// request.
    pub tears_down: bool,
    /// Index into `App::components`.
    pub component: usize,
}

impl Operation {
    /// Checks one declared operation of `loaded`, the `component`-th of the app.
    pub fn check(decl: &types::Operation, component: usize, loaded: &Component) -> Result<Self> {
        let method: Method = decl
            .method
            .parse()
            .map_err(|_| anyhow!("invalid method `{}`", decl.method))?;
        let full_path = format!("{}{}", loaded.spec.prefix, decl.path);
        let template = Template::parse(&full_path).map_err(|err| anyhow!(err))?;
        let (kind, protocol) = match decl.kind {
            types::OperationKind::Websocket => {
                if decl.method != "GET" {
                    bail!("a WebSocket operation is a `GET`, not `{}`", decl.method);
                }
                (
                    exported_kind(decl.kind, loaded, Role::WebSocket)?,
                    Protocol::WebSocket,
                )
            }
            _ => (
                exported_kind(decl.kind, loaded, Role::Handler)?,
                Protocol::Http,
            ),
        };
        // 1xx answers are interim, never the end of a request: refused here, not per request.
        if !(200..=599).contains(&decl.status_code) {
            bail!(
                "status code {} is not the status of a final response (200-599)",
                decl.status_code
            );
        }
        let params = decl
            .params
            .iter()
            .map(check_param)
            .collect::<Result<Vec<_>>>()?;
        for (i, param) in params.iter().enumerate() {
            if params[..i].iter().any(|p| p.name == param.name) {
                bail!("parameter `{}` is declared twice", param.name);
            }
        }
        for name in &template.params {
            if !params
                .iter()
                .any(|p| p.location == Location::Path && &p.name == name)
            {
                bail!(
                    "path `{}` has `{{{name}}}` but the operation declares no path parameter `{name}`",
                    decl.path
                );
            }
        }
        if let Some(orphan) = params
            .iter()
            .find(|p| p.location == Location::Path && !template.params.contains(&p.name))
        {
            bail!(
                "path parameter `{}` does not appear in path `{}`",
                orphan.name,
                decl.path
            );
        }
        let body = decl
            .body
            .as_ref()
            .map(|body| -> Result<BodyRule> {
                if body.streamed && (kind != Kind::Async || protocol != Protocol::Http) {
                    bail!("only an async HTTP operation can read its body as a stream");
                }
                Ok(BodyRule {
                    media_type: body.media_type.clone(),
                    required: body.required,
                    schema: serde_json::from_str(&body.schema)
                        .map_err(|err| anyhow!("body schema is not JSON: {err}"))?,
                    streamed: body.streamed,
                })
            })
            .transpose()?;
        let own_params = params.len();
        Ok(Self {
            id: decl.id.clone(),
            method,
            template,
            kind,
            protocol,
            params,
            body,
            status_code: decl.status_code,
            response_schema: decl
                .response_schema
                .as_deref()
                .map(|text| {
                    serde_json::from_str(text)
                        .map_err(|err| anyhow!("response schema is not JSON: {err}"))
                })
                .transpose()?,
            openapi: openapi_fragment(decl.openapi.as_deref())?,
            summary: decl.summary.clone(),
            description: decl.description.clone(),
            tags: decl.tags.clone(),
            dependencies: decl.dependencies.iter().map(dependency_use).collect(),
            plan: Plan::default(),
            tears_down: false,
            own_params,
            answers_invalid: decl.answers_invalid,
            component,
        })
    }
}

/// Checks one declared provider of `loaded`, the `component`-th of the app.
pub fn check_provider(
    decl: &types::Provider,
    component: usize,
    loaded: &Component,
) -> Result<Provider> {
    if decl.kind == types::OperationKind::Websocket {
        bail!("a provider is sync or async, not a WebSocket");
    }
    let kind = exported_kind(decl.kind, loaded, Role::Provider)?;
    let params = decl
        .params
        .iter()
        .map(check_param)
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = params.iter().find(|p| p.location == Location::Path) {
        bail!(
            "path parameter `{}`: a provider may read query, header and cookie parameters only",
            path.name
        );
    }
    Ok(Provider {
        name: decl.name.clone(),
        component,
        component_name: loaded.spec.name.clone(),
        kind,
        params,
        dependencies: decl.dependencies.iter().map(dependency_use).collect(),
        has_teardown: decl.has_teardown,
        openapi: provider_fragment(decl.openapi.as_deref())?,
    })
}

/// A declared `openapi` fragment: a JSON object, or nothing.
pub(super) fn openapi_fragment(text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    let Some(text) = text else { return Ok(None) };
    match serde_json::from_str(text) {
        Ok(Value::Object(fields)) => Ok(Some(fields)),
        Ok(_) => bail!("the `openapi` fragment is not a JSON object"),
        Err(err) => bail!("the `openapi` fragment is not JSON: {err}"),
    }
}

/// A provider's `openapi` fragment: it speaks for the operations that use it, so it may only
/// add security to them.
fn provider_fragment(text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    let fragment = openapi_fragment(text)?;
    if let Some(key) = fragment
        .iter()
        .flat_map(|fields| fields.keys())
        .find(|key| !matches!(key.as_str(), "security" | "securitySchemes"))
    {
        bail!("the `openapi` fragment may hold `security` and `securitySchemes` only, not `{key}`");
    }
    Ok(fragment)
}

/// The kind a declaration states, checked against the export that would serve it.
fn exported_kind(declared: types::OperationKind, loaded: &Component, role: Role) -> Result<Kind> {
    let kind = match declared {
        types::OperationKind::Sync => Kind::Sync,
        types::OperationKind::Async | types::OperationKind::Websocket => Kind::Async,
        types::OperationKind::Blocking => Kind::Blocking,
    };
    if !loaded.exports(role, kind) {
        let what = match (role, kind) {
            (Role::WebSocket, _) => "a WebSocket operation",
            (_, Kind::Blocking) => "sync with async dependencies",
            _ => kind.as_str(),
        };
        bail!(
            "it is {what} but the component does not export `{}`",
            role.interface(kind)
        );
    }
    Ok(kind)
}

fn dependency_use(declared: &types::DependencyUse) -> DependencyUse {
    DependencyUse {
        name: declared.name.clone(),
        use_cache: declared.use_cache,
    }
}

/// An operation's parameters followed by its providers' (FastAPI validates both together);
/// one name read from two places is an error.
pub fn merge_params(mut own: Vec<ParamRule>, providers: Vec<&ParamRule>) -> Result<Vec<ParamRule>> {
    for param in providers {
        match own.iter().find(|p| p.name == param.name) {
            Some(existing)
                if existing.location == param.location && existing.wire == param.wire => {}
            Some(_) => bail!(
                "parameter `{}` is declared by the operation and by a provider in different places",
                param.name
            ),
            None => own.push(param.clone()),
        }
    }
    Ok(own)
}

/// A parameter as a guest declared it, checked: its schema, its location, its name on the wire.
pub fn check_param(param: &types::Param) -> Result<ParamRule> {
    let location = match param.location {
        types::ParamLocation::Path => Location::Path,
        types::ParamLocation::Query => Location::Query,
        types::ParamLocation::Header => Location::Header,
        types::ParamLocation::Cookie => Location::Cookie,
    };
    let schema_json: Value = serde_json::from_str(&param.schema)
        .map_err(|err| anyhow!("parameter `{}`: schema is not JSON: {err}", param.name))?;
    let schema = ValueSchema::from_json(&schema_json)
        .map_err(|err| anyhow!("parameter `{}`: {err}", param.name))?;
    if schema.is_array() && location == Location::Path {
        bail!("path parameter `{}` cannot be a list", param.name);
    }
    let wire = param.alias.clone().unwrap_or_else(|| param.name.clone());
    let wire = if location == Location::Header {
        wire.to_ascii_lowercase()
    } else {
        wire
    };
    if location == Location::Header
        && hyper::header::HeaderName::from_bytes(wire.as_bytes()).is_err()
    {
        bail!(
            "header parameter `{}`: `{wire}` is not a valid header name",
            param.name
        );
    }
    Ok(ParamRule {
        name: param.name.clone(),
        wire,
        location,
        required: param.required,
        default: schema_json.get("default").cloned(),
        schema,
        schema_json,
        description: param.description.clone(),
    })
}
