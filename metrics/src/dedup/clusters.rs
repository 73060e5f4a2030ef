//! Duplicate clusters from a union-find, with one representative each.
//!
//! **Representative rule:** the member with the longest response (in characters); ties go
//! to the member seen first. A longer answer to the same prompt usually carries more;
//! first-seen makes the choice stable. Clusters are numbered by their first-seen member.

use super::union_find::UnionFind;

#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// 0-based, in order of each cluster's first-seen member.
    pub id: u32,
    pub representative: u32,
    /// Every member in input order (the representative included) with its similarity to
    /// the representative (1 for the representative itself).
    pub members: Vec<(u32, f32)>,
}

#[derive(Clone, Debug, Default)]
pub struct Clusters {
    pub clusters: Vec<Cluster>,
    /// Cluster index of each record, `u32::MAX` for records in no cluster.
    pub cluster_of: Vec<u32>,
}

impl Clusters {
    /// Groups of two or more from `uf`. `rank(i)` orders candidates for representative
    /// (higher wins, earlier index breaks ties); `sim(i, rep)` scores each member.
    pub fn build(
        uf: &mut UnionFind,
        rank: impl Fn(u32) -> u64,
        sim: impl Fn(u32, u32) -> f32,
    ) -> Clusters {
        let n = uf.len();
        let mut size = vec![0u32; n];
        for i in 0..n as u32 {
            size[uf.find(i) as usize] += 1;
        }
        let mut index_of_root = vec![u32::MAX; n];
        let mut cluster_of = vec![u32::MAX; n];
        let mut members: Vec<Vec<u32>> = Vec::new();
        for i in 0..n as u32 {
            let r = uf.find(i) as usize;
            if size[r] < 2 {
                continue;
            }
            if index_of_root[r] == u32::MAX {
                index_of_root[r] = members.len() as u32;
                members.push(Vec::new());
            }
            cluster_of[i as usize] = index_of_root[r];
            members[index_of_root[r] as usize].push(i);
        }
        let clusters = members
            .into_iter()
            .enumerate()
            .map(|(id, m)| {
                // max_by_key keeps the last maximum; iterate in reverse so the first wins.
                let rep = *m.iter().rev().max_by_key(|&&i| rank(i)).expect("non-empty");
                let members = m
                    .iter()
                    .map(|&i| (i, if i == rep { 1.0 } else { sim(i, rep) }))
                    .collect();
                Cluster {
                    id: id as u32,
                    representative: rep,
                    members,
                }
            })
            .collect();
        Clusters {
            clusters,
            cluster_of,
        }
    }

    /// Records that dedup removes: every member that is not its cluster's representative.
    pub fn removed(&self) -> u64 {
        self.clusters
            .iter()
            .map(|c| c.members.len() as u64 - 1)
            .sum()
    }

    /// The representative kept in place of record `i`, if `i` is removed.
    pub fn kept_twin(&self, i: u32) -> Option<&Cluster> {
        let c = *self.cluster_of.get(i as usize)?;
        let c = self.clusters.get(c as usize)?;
        (c.representative != i).then_some(c)
    }

    /// Cluster indices, largest first (ties: lower id first).
    pub fn largest(&self, k: usize) -> Vec<&Cluster> {
        let mut order: Vec<&Cluster> = self.clusters.iter().collect();
        order.sort_by_key(|c| (std::cmp::Reverse(c.members.len()), c.id));
        order.truncate(k);
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representative_is_longest_then_first() {
        let mut uf = UnionFind::new(6);
        uf.union(4, 1);
        uf.union(1, 2);
        uf.union(3, 5);
        let lens = [0u64, 10, 30, 7, 30, 7];
        let c = Clusters::build(&mut uf, |i| lens[i as usize], |_, _| 0.9);
        assert_eq!(c.clusters.len(), 2);
        assert_eq!(
            c.clusters[0]
                .members
                .iter()
                .map(|m| m.0)
                .collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
        assert_eq!(c.clusters[0].representative, 2);
        assert_eq!(c.clusters[1].representative, 3);
        assert_eq!(c.removed(), 3);
        assert!(c.kept_twin(2).is_none());
        assert_eq!(c.kept_twin(4).unwrap().representative, 2);
        assert_eq!(c.cluster_of[0], u32::MAX);
    }
}
