//! Pure analyses over canonical fine-tuning records. No IO, no CLI.

pub mod record;
pub mod registry;
pub mod result;

pub mod examples;
pub mod fasthash;
pub mod sample;
pub mod stats;
pub mod text;
pub mod uncertainty;

#[cfg(test)]
mod test_records;

pub mod balance;
pub mod complexity;
pub mod contamination;
pub mod counts;
pub mod dedup;
pub mod empties;
pub mod exact_dup;
pub mod hygiene;
pub mod images;
pub mod instruction_diversity;
pub mod lengths;
pub mod preference;
pub mod references;
pub mod script_mix;
pub mod system_prompt;
pub mod task_inference;
pub mod tasks;
pub mod turns;

pub mod cluster;
pub mod embed;
pub mod response_diversity;
