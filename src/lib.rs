//! ftqa: the CLI, loaders, pipeline and fixture generator. Metrics live in `ftqa-metrics`,
//! rendering in `ftqa-reports`.

pub mod cli;
pub mod embed;
pub mod fixtures;
pub mod load;
pub mod metric_docs;
pub mod pipeline;
pub mod progress;
