//! Attribute macros of the fastwasm Rust guest SDK. Use them through `fastwasm_guest`.
//!
//! `#[app]` on an inline module finds every function in it that carries a route attribute
//! (`#[get("/path")]`, `#[post(...)]`, …), checks its signature, and generates the component's
//! exports: `describe` (the declaration the host routes and validates from), the sync handler,
//! the async handler and the WebSocket handler. The route attributes themselves are markers
//! that only `#[app]` reads.

mod app;
mod route;

use proc_macro::TokenStream;

/// Marks the module that holds a component's path operations.
#[proc_macro_attribute]
pub fn app(args: TokenStream, input: TokenStream) -> TokenStream {
    app::expand(args.into(), input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

macro_rules! route_markers {
    ($($method:ident),*) => {$(
        #[doc = concat!("Marks a `", stringify!($method), "` function. Only valid inside a `#[fastwasm_guest::app]` module.")]
        #[proc_macro_attribute]
        pub fn $method(_args: TokenStream, input: TokenStream) -> TokenStream {
            // Reached only when no `#[app]` module consumed the attribute.
            let item: proc_macro2::TokenStream = input.into();
            syn::Error::new_spanned(
                &item,
                concat!(
                    "`#[", stringify!($method), "]` must be on a function inside a `#[fastwasm_guest::app]` module"
                ),
            )
            .into_compile_error()
            .into()
        }
    )*};
}

route_markers!(
    get, post, put, patch, delete, head, options, provider, websocket
);
