//! Wrong handler signatures fail at compile time, with the error on the offending code.
//! Refresh the expected output with `TRYBUILD=overwrite cargo test -p fastwasm-guest`.

#[test]
fn wrong_signatures_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
