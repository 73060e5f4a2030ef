//! Metric state as bytes, for partial result files (`ftqa report --partial`, `ftqa
//! merge`): a part saves each metric's state, a merge loads them into fresh instances
//! made by the same spec and settings and merges as threads do ([`Metric::merge`]).
//!
//! The encoding is postcard: compact, exact for floats (they are stored as their bits),
//! and fixed by the field order of the state's types. It has no self-description, so a
//! changed state type cannot read an old part: the part file's format version and the
//! ftqa version guard that (`src/partial`). postcard cannot encode `serde(flatten)`,
//! `skip_serializing_if` or untagged enums; state types avoid them.
//!
//! [`Metric::merge`]: crate::registry::Metric::merge

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Encodes a state.
pub fn encode<T: Serialize + ?Sized>(state: &T) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(state).map_err(|e| format!("encoding the state: {e}"))
}

/// Decodes a state written by [`encode`] for the same type.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("decoding the state: {e}"))
}

/// `save` and `load` for a metric whose whole struct is its state (settings included:
/// they come from the same config, so loading them back changes nothing).
#[macro_export]
macro_rules! whole_state {
    () => {
        fn save(&self) -> Result<Vec<u8>, String> {
            $crate::state::encode(self)
        }
        fn load(&mut self, saved: &[u8]) -> Result<(), String> {
            *self = $crate::state::decode(saved)?;
            Ok(())
        }
    };
}
