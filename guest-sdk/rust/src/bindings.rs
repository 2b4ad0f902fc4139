// The generated WIT bindings, kept in one place; the rest of the SDK uses them through
// `crate::__bindings`, and the macros through `fastwasm_guest::__private`.
wit_bindgen::generate!({
    path: "../../wit",
    world: "fastwasm:app/service",
    pub_export_macro: true,
    export_macro_name: "export_service",
    default_bindings_module: "fastwasm_guest::__bindings",
    generate_all,
});
