//! Whether responses are right: the paper's correctness index (VLIT review, section 4.2,
//! Table 4's C column), judged by an LLM ([`judge`]).

pub mod judge;
