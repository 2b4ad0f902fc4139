//! A guest's answer, turned into an HTTP response.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, Vec<(String, Vec<u8>)>, Vec<u8>)| {
    let (status, headers, body) = input;
    fastwasm::fuzzing::answer(status, headers, body);
});
