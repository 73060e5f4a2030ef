//! The Parquet reader on a valid small file with byte patches applied (structure-aware:
//! the input is a list of (u16 position, byte) patches, see `fuzzing::parquet_patched`).
#![no_main]

use ftqa::load::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzzing::tolerate_caught_dependency_panics();
    let _ = fuzzing::parquet_patched(data);
});
