//! One path operation or dependency provider: its attribute, its signature, and the code that
//! declares and calls it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, ItemFn, Lit, LitStr, Meta, Pat, ReturnType, Token, Type};

pub const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// The attribute of a WebSocket operation: a `GET` that upgrades.
pub const WEBSOCKET: &str = "websocket";

/// What a marked function is.
pub enum Role {
    /// A path operation: `#[get("/items/{item_id}")]`, or `#[websocket("/ws")]`.
    Operation {
        method: String,
        path: LitStr,
        status_code: u16,
        tags: Vec<String>,
        summary: Option<String>,
        websocket: bool,
    },
    /// A dependency provider: `#[provider("db", teardown = close_db)]`.
    Provider { teardown: Option<syn::Ident> },
}

/// A function with a route or provider attribute, parsed and checked.
pub struct Route {
    /// The operation id, or the dependency name of a provider.
    pub id: String,
    pub ident: syn::Ident,
    pub is_async: bool,
    pub role: Role,
    description: Option<String>,
    args: Vec<RouteArg>,
    output: Type,
}

struct RouteArg {
    name: String,
    ty: Type,
    options: Vec<(syn::Ident, Expr)>,
}

/// The HTTP method of a route attribute (`get`, `fastwasm_guest::post`, …, or `websocket`), if
/// it is one.
pub fn route_method(attr: &Attribute) -> Option<String> {
    let last = attr.path().segments.last()?.ident.to_string();
    (METHODS.contains(&last.as_str()) || last == WEBSOCKET).then_some(last)
}

/// Whether an attribute is `#[provider(...)]`.
pub fn is_provider(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "provider")
}

impl Route {
    /// Parses a provider, removing its attribute and the argument attributes.
    pub fn parse_provider(func: &mut ItemFn, attr_index: usize) -> syn::Result<Self> {
        let attr = func.attrs.remove(attr_index);
        let (name, settings) = parse_route_args(
            &attr,
            "a provider needs its dependency name, e.g. #[provider(\"db\")]",
        )?;
        check_signature(func)?;
        if name.value().is_empty() {
            return Err(syn::Error::new(
                name.span(),
                "a dependency name cannot be empty",
            ));
        }
        let mut teardown = None;
        for (key, value) in settings {
            match (key.to_string().as_str(), &value) {
                ("teardown", Expr::Path(path)) if path.path.get_ident().is_some() => {
                    teardown = path.path.get_ident().cloned();
                }
                ("teardown", other) => {
                    return Err(syn::Error::new(
                        other.span(),
                        "teardown names a function of this module: teardown = close_db",
                    ));
                }
                (other, _) => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown provider setting `{other}`; expected teardown"),
                    ));
                }
            }
        }
        let (args, output) = parse_signature(func)?;
        Ok(Self {
            id: name.value(),
            ident: func.sig.ident.clone(),
            is_async: func.sig.asyncness.is_some(),
            role: Role::Provider { teardown },
            description: doc_text(&func.attrs),
            args,
            output,
        })
    }

    /// Parses `func`, removing its route attribute and the `#[param]` attributes of its arguments.
    pub fn parse(func: &mut ItemFn, attr_index: usize, method: String) -> syn::Result<Self> {
        let attr = func.attrs.remove(attr_index);
        let (path, settings) = parse_route_args(
            &attr,
            "a route needs its path, e.g. #[get(\"/items/{item_id}\")]",
        )?;
        check_signature(func)?;

        let mut status_code = 200u16;
        let mut tags = Vec::new();
        let mut id = func.sig.ident.to_string();
        let mut summary = None;
        for (key, value) in settings {
            match key.to_string().as_str() {
                "status_code" => status_code = lit_int(&value)?,
                "operation_id" => id = lit_str(&value)?,
                "summary" => summary = Some(lit_str(&value)?),
                "tags" => tags = lit_str_array(&value)?,
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown route setting `{other}`; expected status_code, operation_id, summary or tags"
                        ),
                    ));
                }
            }
        }
        if !path.value().starts_with('/') {
            return Err(syn::Error::new(
                path.span(),
                "a route path starts with `/`, e.g. \"/items/{item_id}\"",
            ));
        }
        if !(100..=599).contains(&status_code) {
            return Err(syn::Error::new(
                attr.span(),
                "status_code must be between 100 and 599",
            ));
        }

        let websocket = method == WEBSOCKET;
        if websocket && func.sig.asyncness.is_none() {
            return Err(syn::Error::new(
                func.sig.fn_token.span(),
                "a WebSocket operation is an `async fn`",
            ));
        }
        let doc = doc_text(&func.attrs);
        let summary = summary
            .or_else(|| doc.as_deref().and_then(first_paragraph))
            .or_else(|| Some(title_case(&func.sig.ident.to_string())));
        let (args, output) = parse_signature(func)?;
        Ok(Self {
            id,
            ident: func.sig.ident.clone(),
            is_async: func.sig.asyncness.is_some(),
            role: Role::Operation {
                method: if websocket {
                    "GET".to_owned()
                } else {
                    method.to_ascii_uppercase()
                },
                path,
                status_code,
                tags,
                summary,
                websocket,
            },
            description: doc,
            args,
            output,
        })
    }

    fn arg_consts(&self) -> Vec<TokenStream> {
        self.args
            .iter()
            .map(|arg| {
                let name = &arg.name;
                let fields = arg.options.iter().map(|(key, value)| {
                    let value = match key.to_string().as_str() {
                        "default" => {
                            quote!(Some(|| ::fastwasm_guest::__private::to_json(#value)))
                        }
                        "ge" | "gt" | "le" | "lt" => quote!(Some((#value) as f64)),
                        "min_length" | "max_length" => quote!(Some((#value) as u64)),
                        "use_cache" => quote!(#value),
                        _ => quote!(Some(#value)),
                    };
                    quote!(#key: #value,)
                });
                quote! {
                    ::fastwasm_guest::__private::Arg {
                        #(#fields)*
                        ..::fastwasm_guest::__private::Arg::named(#name)
                    }
                }
            })
            .collect()
    }

    /// An expression that builds this function's declaration (an operation or a provider).
    pub fn declaration(&self) -> TokenStream {
        let is_async = self.is_async;
        let description = option_str(&self.description);
        let declares = self
            .args
            .iter()
            .zip(self.arg_consts())
            .map(|(arg, arg_const)| {
                let ty = &arg.ty;
                quote_spanned! {ty.span()=>
                    <#ty as ::fastwasm_guest::FromRequest>::declare(&#arg_const, &mut spec);
                }
            });
        let id = &self.id;
        match &self.role {
            Role::Operation {
                method,
                path,
                status_code,
                tags,
                summary,
                websocket,
            } => {
                let summary = option_str(summary);
                let kind = match (websocket, is_async) {
                    (true, _) => quote!(Websocket),
                    (false, true) => quote!(Async),
                    (false, false) => quote!(Sync),
                };
                // A WebSocket session answers no response body.
                let response_schema = (!websocket).then(|| {
                    let output = &self.output;
                    quote_spanned! {output.span()=>
                        spec.response_schema(<#output as ::fastwasm_guest::IntoResponse>::response_schema());
                    }
                });
                quote! {{
                    let mut spec = ::fastwasm_guest::__private::OperationSpec::new(
                        #id, #method, #path, ::fastwasm_guest::__private::OperationKind::#kind,
                        #status_code, #summary, #description, &[#(#tags),*],
                    );
                    #(#declares)*
                    #response_schema
                    spec.finish()
                }}
            }
            Role::Provider { teardown } => {
                let has_teardown = teardown.is_some();
                quote! {{
                    let mut spec =
                        ::fastwasm_guest::__private::OperationSpec::provider(#id, #is_async, #description);
                    #(#declares)*
                    spec.finish_provider(#has_teardown)
                }}
            }
        }
    }

    /// The name of the generated function that extracts arguments, calls and finishes.
    pub fn caller(&self) -> syn::Ident {
        match self.role {
            Role::Operation { .. } => format_ident!("__fastwasm_call_{}", self.ident),
            Role::Provider { .. } => format_ident!("__fastwasm_provide_{}", self.ident),
        }
    }

    /// The name of the generated teardown of a provider.
    pub fn teardown_caller(&self) -> syn::Ident {
        format_ident!("__fastwasm_teardown_{}", self.ident)
    }

    /// The generated caller for this operation.
    pub fn caller_fn(&self) -> TokenStream {
        let caller = self.caller();
        let ident = &self.ident;
        let names: Vec<_> = (0..self.args.len())
            .map(|i| format_ident!("__arg{i}"))
            .collect();
        let count = self.args.len();
        // Only the last argument may read the body: checked at compile time, at the type.
        let body_checks = self.args.iter().take(count.saturating_sub(1)).map(|arg| {
            let ty = &arg.ty;
            quote_spanned! {ty.span()=>
                const _: () = assert!(
                    !<#ty as ::fastwasm_guest::FromRequest>::READS_BODY,
                    "a body extractor (Json, Body, BodyStream, WebSocket, Request) must be the last argument"
                );
            }
        });
        let extracts = self
            .args
            .iter()
            .zip(self.arg_consts())
            .map(|(arg, arg_const)| {
                let ty = &arg.ty;
                quote_spanned! {ty.span()=>
                    failures.take(<#ty as ::fastwasm_guest::FromRequest>::from_request(ctx, &#arg_const))
                }
            });
        let output = &self.output;
        // The conversion is spanned at the return type: a type that does not fit is reported
        // there, once.
        let (returns, convert, finish) = match &self.role {
            Role::Operation {
                websocket: true, ..
            } => (
                quote!(()),
                quote_spanned! {output.span()=>
                    <#output as ::fastwasm_guest::__private::IntoSessionEnd>::into_session_end(value)
                },
                quote!(::fastwasm_guest::__private::finish_session),
            ),
            Role::Operation { status_code, .. } if self.is_async => (
                quote!(::fastwasm_guest::__private::Reply),
                quote_spanned! {output.span()=>
                    <#output as ::fastwasm_guest::IntoResponse>::into_response(value)
                },
                quote!(|outcome| ::fastwasm_guest::__private::finish_async(outcome, #status_code)),
            ),
            Role::Operation { status_code, .. } => (
                quote!(::fastwasm_guest::__private::WitResponse),
                quote_spanned! {output.span()=>
                    <#output as ::fastwasm_guest::IntoResponse>::into_response(value)
                },
                quote!(|outcome| ::fastwasm_guest::__private::finish(outcome, #status_code)),
            ),
            Role::Provider { .. } => (
                quote!(::std::string::String),
                quote_spanned! {output.span()=>
                    <#output as ::fastwasm_guest::IntoProvided>::into_provided(value)
                },
                quote!(::fastwasm_guest::__private::provided),
            ),
        };
        let (asyncness, awaiting) = if self.is_async {
            (quote!(async), quote!(.await))
        } else {
            (quote!(), quote!())
        };
        quote! {
            #[doc(hidden)]
            #asyncness fn #caller(
                ctx: &::fastwasm_guest::__private::RequestContext,
            ) -> ::core::result::Result<#returns, ::fastwasm_guest::__private::WitHttpError> {
                #(#body_checks)*
                let finish = #finish;
                // Every argument is read, so that one 422 lists all that failed.
                #[allow(unused_mut)]
                let mut failures = ::fastwasm_guest::__private::Failures::new(ctx);
                let (#(#names,)*) = match (#(#extracts,)*) {
                    (#(::core::option::Option::Some(#names),)*) if failures.is_empty() => (#(#names,)*),
                    _ => return finish(::core::result::Result::Err(failures.into_error())),
                };
                let value = #ident(#(#names),*)#awaiting;
                finish(#convert)
            }
        }
    }
}

/// The arguments (with their `#[param]`/`#[dep]` attributes removed) and the return type.
fn parse_signature(func: &mut ItemFn) -> syn::Result<(Vec<RouteArg>, Type)> {
    let args = func
        .sig
        .inputs
        .iter_mut()
        .map(parse_arg)
        .collect::<syn::Result<Vec<_>>>()?;
    let output = match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    Ok((args, output))
}

fn parse_route_args(
    attr: &Attribute,
    missing: &str,
) -> syn::Result<(LitStr, Vec<(syn::Ident, Expr)>)> {
    let Meta::List(list) = &attr.meta else {
        return Err(syn::Error::new(attr.span(), missing));
    };
    list.parse_args_with(|input: syn::parse::ParseStream| {
        let path: LitStr = input.parse()?;
        let mut settings = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: syn::Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            settings.push((key, input.parse()?));
        }
        Ok((path, settings))
    })
}

fn check_signature(func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if let Some(receiver) = sig.receiver() {
        return Err(syn::Error::new(
            receiver.span(),
            "a path operation is a free function; it cannot take `self`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "a path operation cannot be generic",
        ));
    }
    if let Some(token) = &sig.unsafety {
        return Err(syn::Error::new(
            token.span(),
            "a path operation cannot be `unsafe`",
        ));
    }
    if let Some(token) = &sig.constness {
        return Err(syn::Error::new(
            token.span(),
            "a path operation cannot be `const`",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            "a path operation cannot be variadic",
        ));
    }
    Ok(())
}

const ARG_OPTIONS: [&str; 10] = [
    "alias",
    "description",
    "gt",
    "ge",
    "lt",
    "le",
    "min_length",
    "max_length",
    "pattern",
    "default",
];

fn parse_arg(arg: &mut FnArg) -> syn::Result<RouteArg> {
    let FnArg::Typed(typed) = arg else {
        return Err(syn::Error::new(arg.span(), "unexpected `self`"));
    };
    let name = arg_name(&typed.pat)?;
    let mut options = Vec::new();
    let mut kept = Vec::new();
    for attr in typed.attrs.drain(..) {
        if attr.path().is_ident("dep") {
            options.extend(parse_dep(&attr)?);
            continue;
        }
        if !attr.path().is_ident("param") {
            kept.push(attr);
            continue;
        }
        let pairs = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
        for pair in pairs {
            let Meta::NameValue(pair) = pair else {
                return Err(syn::Error::new(
                    pair.span(),
                    "expected `name = value`, e.g. #[param(ge = 1)]",
                ));
            };
            let key = pair.path.get_ident().cloned().ok_or_else(|| {
                syn::Error::new(pair.path.span(), "expected a parameter option name")
            })?;
            if !ARG_OPTIONS.contains(&key.to_string().as_str()) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown parameter option; expected one of {ARG_OPTIONS:?}"),
                ));
            }
            options.push((key, pair.value));
        }
    }
    typed.attrs = kept;
    Ok(RouteArg {
        name,
        ty: (*typed.ty).clone(),
        options,
    })
}

/// `#[dep("name")]`, `#[dep("name", use_cache = false)]` or `#[dep(use_cache = false)]`.
fn parse_dep(attr: &Attribute) -> syn::Result<Vec<(syn::Ident, Expr)>> {
    attr.parse_args_with(|input: syn::parse::ParseStream| {
        let mut options = Vec::new();
        if input.peek(LitStr) {
            let name: LitStr = input.parse()?;
            options.push((
                syn::Ident::new("dep", name.span()),
                syn::parse_quote!(#name),
            ));
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != "use_cache" {
                return Err(syn::Error::new(
                    key.span(),
                    "expected the dependency name or `use_cache = false`",
                ));
            }
            input.parse::<Token![=]>()?;
            let value: syn::LitBool = input.parse()?;
            options.push((key, syn::parse_quote!(#value)));
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(options)
    })
}

/// `item_id: Path<u32>` and `Path(item_id): Path<u32>` both name the parameter `item_id`.
fn arg_name(pat: &Pat) -> syn::Result<String> {
    match pat {
        Pat::Ident(ident) => Ok(ident.ident.to_string().trim_start_matches('_').to_owned()),
        Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => arg_name(&tuple.elems[0]),
        Pat::Wild(_) => Ok(String::new()),
        other => Err(syn::Error::new(
            other.span(),
            "name the argument (`item_id: Path<u32>`) or destructure one field (`Path(item_id): Path<u32>`)",
        )),
    }
}

fn lit_str(expr: &Expr) -> syn::Result<String> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.value()),
        other => Err(syn::Error::new(other.span(), "expected a string literal")),
    }
}

fn lit_int(expr: &Expr) -> syn::Result<u16> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse(),
        other => Err(syn::Error::new(
            other.span(),
            "expected an integer status, e.g. 201",
        )),
    }
}

fn lit_str_array(expr: &Expr) -> syn::Result<Vec<String>> {
    match expr {
        Expr::Array(array) => array.elems.iter().map(lit_str).collect(),
        other => Err(syn::Error::new(
            other.span(),
            "expected a list of strings, e.g. [\"items\"]",
        )),
    }
}

fn doc_text(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(nv) => lit_str(&nv.value).ok(),
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).to_owned())
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn first_paragraph(doc: &str) -> Option<String> {
    let paragraph: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

/// `read_item` → `Read Item`, as FastAPI names an operation without a summary.
fn title_case(ident: &str) -> String {
    ident
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn option_str(value: &Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
