//! Union-find with path splitting; the smaller index becomes the root, so roots (and the
//! cluster numbering derived from them) do not depend on the order pairs are joined.
//! The one union-find of the crate: dedup clusters, DBSCAN's core-point components
//! ([`crate::cluster`]) and task tagging all use it.

pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_are_transitive_and_roots_are_the_smallest_index() {
        let mut uf = UnionFind::new(6);
        uf.union(5, 3);
        uf.union(2, 3);
        uf.union(1, 0);
        assert_eq!(uf.find(5), 2);
        assert_eq!(uf.find(0), 0);
        assert_ne!(uf.find(0), uf.find(2));
        assert_eq!(uf.find(4), 4);
    }
}
