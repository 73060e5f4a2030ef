//! Format and compression sniffing (`files::inspect`), then the reader it picks. The first
//! byte selects the file name (extension) and `--format` hint, the rest is the file.
#![no_main]

use ftqa::load::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzzing::tolerate_caught_dependency_panics();
    let _ = fuzzing::sniff(data);
});
