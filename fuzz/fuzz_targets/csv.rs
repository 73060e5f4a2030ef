//! The CSV and TSV reader.
#![no_main]

use ftqa::load::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzzing::tolerate_caught_dependency_panics();
    let _ = fuzzing::delimited(data, b',');
    let _ = fuzzing::delimited(data, b'\t');
});
