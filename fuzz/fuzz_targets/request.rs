//! A client's query string, headers and JSON body, as the host reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Vec<(Vec<u8>, Vec<u8>)>, &[u8])| {
    let (query, headers, body) = input;
    fastwasm::fuzzing::request(query, &headers, body);
});
