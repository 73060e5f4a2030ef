//! Which rows each query block is compared with.

use super::matrix::Rows;

/// Rows per query block: large enough that one GEMM amortises packing, small enough that
/// the early exits of the engine trigger often.
pub const QUERY_BLOCK: usize = 256;

/// A sequence of query blocks covering every row once, each with its candidate rows.
pub trait Plan: Sync {
    fn blocks(&self) -> usize;
    fn queries(&self, block: usize) -> &[u32];
    /// Writes the candidates of `block` into `out`, most promising first. An exact plan
    /// must include every row within `eps` of any query of the block.
    fn candidates(&self, block: usize, rows: Rows, out: &mut Vec<u32>);
}

/// Every block against every row.
pub struct Brute {
    order: Vec<u32>,
}

impl Brute {
    pub fn new(n: usize) -> Self {
        Brute {
            order: (0..n as u32).collect(),
        }
    }
}

impl Plan for Brute {
    fn blocks(&self) -> usize {
        self.order.len().div_ceil(QUERY_BLOCK)
    }
    fn queries(&self, block: usize) -> &[u32] {
        let start = block * QUERY_BLOCK;
        &self.order[start..(start + QUERY_BLOCK).min(self.order.len())]
    }
    fn candidates(&self, block: usize, _rows: Rows, out: &mut Vec<u32>) {
        // Own block first: near-duplicates often sit next to each other in a dataset, so
        // the counting pass can stop early more often.
        let start = block * QUERY_BLOCK;
        out.clear();
        out.extend_from_slice(&self.order[start..]);
        out.extend_from_slice(&self.order[..start]);
    }
}
