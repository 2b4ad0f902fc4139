//! `#[app]`: collects a module's path operations and generates the component's exports.

use crate::route::{Role, Route, is_provider, route_method};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{FnArg, Item, ItemFn, ItemMod};

pub fn expand(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(syn::Error::new_spanned(
            args,
            "#[fastwasm_guest::app] takes no arguments",
        ));
    }
    let mut module: ItemMod = syn::parse2(input).map_err(|err| {
        syn::Error::new(
            err.span(),
            "#[fastwasm_guest::app] goes on an inline module: `mod api { ... }`",
        )
    })?;
    let Some((_, items)) = module.content.as_mut() else {
        return Err(syn::Error::new_spanned(
            &module,
            "#[fastwasm_guest::app] needs the module's body inline: `mod api { ... }`",
        ));
    };

    let mut routes = Vec::new();
    let mut providers: Vec<Route> = Vec::new();
    let mut seen: HashMap<String, syn::Ident> = HashMap::new();
    for item in items.iter_mut() {
        let Item::Fn(func) = item else { continue };
        let markers: Vec<(usize, Option<String>)> = func
            .attrs
            .iter()
            .enumerate()
            .filter_map(|(index, attr)| {
                if is_provider(attr) {
                    Some((index, None))
                } else {
                    route_method(attr).map(|method| (index, Some(method)))
                }
            })
            .collect();
        let (index, method) = match markers.as_slice() {
            [] => continue,
            [one] => one.clone(),
            [_, (second, _), ..] => {
                return Err(syn::Error::new_spanned(
                    &func.attrs[*second],
                    "one route or provider per function; write a second function for a second one",
                ));
            }
        };
        let Some(method) = method else {
            let provider = Route::parse_provider(func, index)?;
            if let Some(first) = providers.iter().find(|p| p.id == provider.id) {
                return Err(syn::Error::new(
                    provider.ident.span(),
                    format!(
                        "dependency `{}` is already provided by `{}`",
                        provider.id, first.ident
                    ),
                ));
            }
            providers.push(provider);
            continue;
        };
        let route = Route::parse(func, index, method)?;
        if let Some(first) = seen.insert(route.id.clone(), route.ident.clone()) {
            return Err(syn::Error::new(
                route.ident.span(),
                format!(
                    "operation id `{}` is already used by `{first}`; set `operation_id = \"...\"`",
                    route.id
                ),
            ));
        }
        routes.push(route);
    }
    if routes.is_empty() && providers.is_empty() {
        return Err(syn::Error::new_spanned(
            &module.ident,
            "this app module has no path operations or providers; add a function with #[get(\"/\")] or #[provider(\"name\")]",
        ));
    }
    let teardowns = providers
        .iter()
        .filter_map(|provider| teardown_fn(provider, items).transpose())
        .collect::<syn::Result<Vec<_>>>()?;

    let declarations = routes.iter().map(Route::declaration);
    let provider_declarations = providers.iter().map(Route::declaration);
    let callers = routes.iter().chain(&providers).map(Route::caller_fn);
    // Which export serves a route: sync handler, async handler, or WebSocket handler.
    let serves = |route: &Route, is_async: bool, websocket: bool| {
        let is_websocket = matches!(
            route.role,
            Role::Operation {
                websocket: true,
                ..
            }
        );
        route.is_async == is_async && is_websocket == websocket
    };
    let arms = |is_async: bool, websocket: bool| {
        routes
            .iter()
            .filter(|route| serves(route, is_async, websocket))
            .map(|route| {
                let (id, caller) = (&route.id, route.caller());
                let awaiting = is_async.then(|| quote!(.await));
                quote!(#id => #caller(&ctx)#awaiting,)
            })
            .collect::<Vec<_>>()
    };
    let (sync_arms, async_arms, websocket_arms) =
        (arms(false, false), arms(true, false), arms(true, true));
    let provider_arms = |is_async: bool| {
        let awaiting = is_async.then(|| quote!(.await));
        let provides = providers
            .iter()
            .filter(|p| p.is_async == is_async)
            .map(|p| {
                let (name, caller) = (&p.id, p.caller());
                quote!(#name => #caller(&ctx)#awaiting,)
            });
        let teardowns = providers
            .iter()
            .filter(|p| {
                p.is_async == is_async && matches!(p.role, Role::Provider { teardown: Some(_) })
            })
            .map(|p| {
                let (name, caller) = (&p.id, p.teardown_caller());
                quote!(#name => #caller(value)#awaiting,)
            });
        (
            quote! {
                let ctx = ::fastwasm_guest::__private::RequestContext::new(req, deps);
                match name.as_str() {
                    #(#provides)*
                    other => ::fastwasm_guest::__private::unknown_provider(other),
                }
            },
            quote! {
                match name.as_str() {
                    #(#teardowns)*
                    _ => {}
                }
            },
        )
    };
    let (sync_provide, sync_teardown) = provider_arms(false);
    let (async_provide, async_teardown) = provider_arms(true);

    let generated: TokenStream = quote! {
        #(#callers)*
        #(#teardowns)*

        #[doc(hidden)]
        pub struct __FastwasmApp;

        impl ::fastwasm_guest::__private::MetadataGuest for __FastwasmApp {
            fn describe() -> ::fastwasm_guest::__private::AppInfo {
                ::fastwasm_guest::__private::app_info(
                    ::std::vec![#(#declarations),*],
                    ::std::vec![#(#provider_declarations),*],
                )
            }
        }

        impl ::fastwasm_guest::__private::HandlerGuest for __FastwasmApp {
            fn handle(
                req: ::fastwasm_guest::__private::WitRequest,
                deps: ::std::vec::Vec<::fastwasm_guest::__private::Dependency>,
            ) -> ::core::result::Result<
                ::fastwasm_guest::__private::WitResponse,
                ::fastwasm_guest::__private::WitHttpError,
            > {
                let _serving = ::fastwasm_guest::__private::serving(&req);
                let ctx = ::fastwasm_guest::__private::RequestContext::new(req, deps);
                match ctx.operation_id() {
                    #(#sync_arms)*
                    other => ::fastwasm_guest::__private::unknown_operation(other),
                }
            }
        }

        impl ::fastwasm_guest::__private::AsyncHandlerGuest for __FastwasmApp {
            async fn handle(
                req: ::fastwasm_guest::__private::WitRequest,
                deps: ::std::vec::Vec<::fastwasm_guest::__private::Dependency>,
                body: ::core::option::Option<::fastwasm_guest::__private::StreamReader<u8>>,
            ) -> ::core::result::Result<
                ::fastwasm_guest::__private::Reply,
                ::fastwasm_guest::__private::WitHttpError,
            > {
                let serving = ::fastwasm_guest::__private::Serving::of(&req);
                serving.run(async move {
                    let ctx = ::fastwasm_guest::__private::RequestContext::new(req, deps).with_body(body);
                    match ctx.operation_id() {
                        #(#async_arms)*
                        other => ::fastwasm_guest::__private::unknown_operation(other),
                    }
                }).await
            }
        }

        impl ::fastwasm_guest::__private::WebsocketHandlerGuest for __FastwasmApp {
            async fn serve(
                req: ::fastwasm_guest::__private::WitRequest,
                deps: ::std::vec::Vec<::fastwasm_guest::__private::Dependency>,
                ws: ::fastwasm_guest::__private::Connection,
            ) -> ::core::result::Result<(), ::fastwasm_guest::__private::WitHttpError> {
                let serving = ::fastwasm_guest::__private::Serving::of(&req);
                serving.run(async move {
                    let ctx = ::fastwasm_guest::__private::RequestContext::new(req, deps).with_websocket(ws);
                    match ctx.operation_id() {
                        #(#websocket_arms)*
                        other => ::fastwasm_guest::__private::unknown_session(other),
                    }
                }).await
            }
        }

        impl ::fastwasm_guest::__private::ProviderGuest for __FastwasmApp {
            fn provide(
                name: ::std::string::String,
                req: ::fastwasm_guest::__private::WitRequest,
                deps: ::std::vec::Vec<::fastwasm_guest::__private::Dependency>,
            ) -> ::core::result::Result<
                ::std::string::String,
                ::fastwasm_guest::__private::WitHttpError,
            > {
                let _serving = ::fastwasm_guest::__private::serving(&req);
                #sync_provide
            }

            fn teardown(name: ::std::string::String, value: ::std::string::String) {
                #sync_teardown
            }
        }

        impl ::fastwasm_guest::__private::AsyncProviderGuest for __FastwasmApp {
            async fn provide(
                name: ::std::string::String,
                req: ::fastwasm_guest::__private::WitRequest,
                deps: ::std::vec::Vec<::fastwasm_guest::__private::Dependency>,
            ) -> ::core::result::Result<
                ::std::string::String,
                ::fastwasm_guest::__private::WitHttpError,
            > {
                let serving = ::fastwasm_guest::__private::Serving::of(&req);
                serving.run(async move { #async_provide }).await
            }

            async fn teardown(name: ::std::string::String, value: ::std::string::String) {
                #async_teardown
            }
        }

        // The exports' symbol names (`fastwasm:app/handler@0.1.0#handle`) only link on wasm; a
        // native build of the crate (`cargo build --workspace`, clippy, unit tests) type-checks
        // the operations and leaves the component's exports out.
        #[cfg(target_family = "wasm")]
        ::fastwasm_guest::__bindings::export_service!(
            __FastwasmApp with_types_in ::fastwasm_guest::__bindings
        );
        // Natively nothing exports the operations: name them here so that only code the
        // component really leaves unused is reported as dead.
        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::MetadataGuest>::describe;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::HandlerGuest>::handle;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::AsyncHandlerGuest>::handle;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::ProviderGuest>::provide;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::ProviderGuest>::teardown;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::AsyncProviderGuest>::provide;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::AsyncProviderGuest>::teardown;
            let _ = <__FastwasmApp as ::fastwasm_guest::__private::WebsocketHandlerGuest>::serve;
        };
    };
    items.push(Item::Verbatim(generated));
    Ok(quote!(#module))
}

/// The generated teardown of `provider`: reads the provided value and calls the function named
/// by `teardown = ...`, which must be in the module and take that value.
fn teardown_fn(provider: &Route, items: &[Item]) -> syn::Result<Option<TokenStream>> {
    let Role::Provider {
        teardown: Some(teardown),
    } = &provider.role
    else {
        return Ok(None);
    };
    let func: &ItemFn = items
        .iter()
        .find_map(|item| match item {
            Item::Fn(func) if &func.sig.ident == teardown => Some(func),
            _ => None,
        })
        .ok_or_else(|| {
            syn::Error::new(
                teardown.span(),
                format!(
                    "no function `{teardown}` in this module to tear `{}` down",
                    provider.id
                ),
            )
        })?;
    let [FnArg::Typed(arg)] = func.sig.inputs.iter().collect::<Vec<_>>()[..] else {
        return Err(syn::Error::new(
            func.sig.inputs.span(),
            "a teardown takes exactly one argument: the provided value",
        ));
    };
    let teardown_is_async = func.sig.asyncness.is_some();
    if teardown_is_async && !provider.is_async {
        return Err(syn::Error::new(
            func.sig.ident.span(),
            "an async teardown needs an async provider",
        ));
    }
    let ty = &arg.ty;
    let name = &provider.id;
    let caller = provider.teardown_caller();
    let asyncness = provider.is_async.then(|| quote!(async));
    let awaiting = teardown_is_async.then(|| quote!(.await));
    Ok(Some(quote! {
        #[doc(hidden)]
        #asyncness fn #caller(value: ::std::string::String) {
            if let ::core::option::Option::Some(value) =
                ::fastwasm_guest::__private::teardown_value::<#ty>(#name, &value)
            {
                #teardown(value)#awaiting;
            }
        }
    }))
}
