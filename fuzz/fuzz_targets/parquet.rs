//! The Parquet reader on arbitrary bytes.
#![no_main]

use ftqa::load::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzzing::tolerate_caught_dependency_panics();
    let _ = fuzzing::parquet(data);
});
