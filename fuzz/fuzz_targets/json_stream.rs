//! The JSON Lines reader and the JSON array / concatenated-objects stream scanner.
#![no_main]

use ftqa::load::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzzing::tolerate_caught_dependency_panics();
    let lines = fuzzing::jsonl(data);
    // Every item occupies at least one line.
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(lines.rows + lines.skips <= newlines + 1);
    fuzzing::json_stream(data, true);
    fuzzing::json_stream(data, false);
});
