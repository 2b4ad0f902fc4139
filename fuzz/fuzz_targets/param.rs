//! A parameter a guest declares, and a request's values for it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &str, &str, &[u8])| {
    let (location, schema, query, header) = input;
    fastwasm::fuzzing::param(location, schema, query, header);
});
