//! `#[app]`: collects a module's path operations and generates the component's exports.

use crate::route::{Route, route_method};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;
use syn::{Item, ItemMod};

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
    let mut seen: HashMap<String, syn::Ident> = HashMap::new();
    for item in items.iter_mut() {
        let Item::Fn(func) = item else { continue };
        let markers: Vec<(usize, String)> = func
            .attrs
            .iter()
            .enumerate()
            .filter_map(|(index, attr)| route_method(attr).map(|method| (index, method)))
            .collect();
        let (index, method) = match markers.as_slice() {
            [] => continue,
            [one] => one.clone(),
            [_, (second, _), ..] => {
                return Err(syn::Error::new_spanned(
                    &func.attrs[*second],
                    "one route per function; write a second function for a second route",
                ));
            }
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
    if routes.is_empty() {
        return Err(syn::Error::new_spanned(
            &module.ident,
            "this app module has no path operations; add a function with #[get(\"/\")] or another route",
        ));
    }

    let declarations = routes.iter().map(Route::declaration);
    let callers = routes.iter().map(Route::caller_fn);
    let arms = |is_async: bool| {
        let arms = routes
            .iter()
            .filter(|route| route.is_async == is_async)
            .map(|route| {
                let (id, caller) = (&route.id, route.caller());
                let awaiting = is_async.then(|| quote!(.await));
                quote!(#id => #caller(&ctx)#awaiting,)
            });
        quote! {
            let ctx = ::fastwasm_guest::__private::RequestContext::new(req, deps);
            match ctx.operation_id() {
                #(#arms)*
                other => ::fastwasm_guest::__private::unknown_operation(other),
            }
        }
    };
    let sync_arms = arms(false);
    let async_arms = arms(true);

    let generated: TokenStream = quote! {
        #(#callers)*

        #[doc(hidden)]
        pub struct __FastwasmApp;

        impl ::fastwasm_guest::__private::MetadataGuest for __FastwasmApp {
            fn describe() -> ::fastwasm_guest::__private::AppInfo {
                ::fastwasm_guest::__private::app_info(::std::vec![#(#declarations),*])
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
                #sync_arms
            }
        }

        impl ::fastwasm_guest::__private::AsyncHandlerGuest for __FastwasmApp {
            async fn handle(
                req: ::fastwasm_guest::__private::WitRequest,
                deps: ::std::vec::Vec<::fastwasm_guest::__private::Dependency>,
            ) -> ::core::result::Result<
                ::fastwasm_guest::__private::WitResponse,
                ::fastwasm_guest::__private::WitHttpError,
            > {
                #async_arms
            }
        }

        ::fastwasm_guest::__bindings::export_service!(
            __FastwasmApp with_types_in ::fastwasm_guest::__bindings
        );
    };
    items.push(Item::Verbatim(generated));
    Ok(quote!(#module))
}
