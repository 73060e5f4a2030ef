//! The diversity indices of the VLIT review (paper 004, section 4.2): task diversity
//! (distinct task labels), instruction diversity (Ego-Splitting) and response diversity
//! (DBSCAN clusters).

pub mod instruction;
pub mod response;
pub mod task;
