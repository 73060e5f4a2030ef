//! "Did you mean": the documented metric ids closest to an unknown one.

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to `n` candidates closest to `key`, nearest first, ties alphabetically. A candidate
/// pattern such as `contamination.<benchmark>.rate` is also compared with its placeholder
/// replaced by the key's segment at that position, so `contamination.gsm8k.rte` finds it.
/// Candidates further than half the key's length are not suggestions but noise.
pub fn closest_ids<'a>(
    key: &str,
    candidates: impl Iterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let key_segs: Vec<&str> = key.split('.').collect();
    let mut scored: Vec<(usize, &str)> = candidates
        .map(|c| {
            let filled: Vec<&str> = c
                .split('.')
                .enumerate()
                .map(|(i, seg)| {
                    if seg.starts_with('<') && seg.ends_with('>') {
                        key_segs.get(i).copied().unwrap_or(seg)
                    } else {
                        seg
                    }
                })
                .collect();
            (
                edit_distance(key, c).min(edit_distance(key, &filled.join("."))),
                c,
            )
        })
        .filter(|(d, _)| *d <= key.chars().count().div_ceil(2))
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn closest_first_and_patterns_filled() {
        let ids = [
            "dedup.exact.sample_rate",
            "dedup.exact.response_rate",
            "contamination.<benchmark>.rate",
            "records.total",
        ];
        assert_eq!(
            closest_ids("dedup.exact.sampel_rate", ids.iter().copied(), 2),
            ["dedup.exact.sample_rate", "dedup.exact.response_rate"]
        );
        assert_eq!(
            closest_ids("contamination.gsm8k.rte", ids.iter().copied(), 1),
            ["contamination.<benchmark>.rate"]
        );
        assert!(closest_ids("zzzzzzzzzzzzzzzzzz", ids.iter().copied(), 3).is_empty());
    }
}
