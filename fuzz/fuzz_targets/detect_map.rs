//! Schema detection and mapping: JSON lines -> rows -> `detect::detect` -> `Plan::map`.
//! The first byte selects a forced schema (0: auto-detect), the rest are the lines.
#![no_main]

use ftqa::load::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzzing::tolerate_caught_dependency_panics();
    let _ = fuzzing::detect_map(data);
});
