//! ftqa: the CLI, loaders, pipeline and fixture generator. Metrics live in `ftqa-metrics`,
//! rendering in `ftqa-reports`.

pub mod benchmarks;
pub mod check;
pub mod cli;
pub mod clip;
pub mod cmd;
pub mod dedup;
pub mod element_graph;
pub mod embed;
pub mod fixtures;
pub mod image_check;
pub mod init;
pub mod judge;
pub mod load;
pub mod metric_docs;
pub mod partial;
pub mod pipeline;
pub mod progress;
pub mod stage;
pub mod task_labels;
pub mod truth;
