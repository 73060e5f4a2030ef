//! Pure analyses over canonical fine-tuning records. No IO, no CLI.

pub mod record;
pub mod registry;
pub mod result;

pub mod examples;
pub mod fasthash;
pub mod sample;
pub mod state;
pub mod stats;
pub mod text;
pub mod uncertainty;

#[cfg(test)]
mod test_records;

pub mod balance;
pub mod complexity;
pub mod contamination;
pub mod correctness;
pub mod dedup;
pub mod empty;
pub mod feedback;
pub mod hygiene;
pub mod images;
pub mod language;
pub mod length;
pub mod matching;
pub mod preference;
pub mod records;
pub mod references;
pub mod script;
pub mod system;
pub mod task_inference;
pub mod tasks;
pub mod turns;
pub mod videos;

pub mod cluster;
pub mod diversity;
pub mod embed;
