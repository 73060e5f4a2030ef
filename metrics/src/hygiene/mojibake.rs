//! Mojibake: UTF-8 that was decoded as a single-byte code page (Windows-1252 / Latin-1,
//! or Windows-1254 as in the garbled paper list in ../shared/papers) and re-encoded, so
//! every non-ASCII character became two to four characters such as `Ã©` or `é¢„`. We
//! detect it by mapping characters back to the bytes that code page would have read and
//! finding complete, valid UTF-8 multi-byte sequences among them, which text written in
//! any real language almost never contains.

use super::{all_texts, context, Check, Rated};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.mojibake",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.mojibake.count", "Samples with mojibake in any text (system, turns, both preference sides): UTF-8 read as Windows-1252/Latin-1 (or Windows-1254), found as characters that map back to a complete, valid multi-byte UTF-8 sequence (`Ã©` for é, `â€™` for ’, `é¢„` for 预). A lone two-byte sequence that decodes to a control character is ignored."),
        d("hygiene.mojibake.rate", "hygiene.mojibake.count / records.analyzed."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(MojibakeCheck(Rated::of_texts(Check::new(
        "hygiene.mojibake.count",
        "hygiene.mojibake.rate",
        "Mojibake (UTF-8 read as Latin-1/Windows-1252)",
        c,
    ))))
}

#[derive(Serialize, Deserialize)]
struct MojibakeCheck(Rated);

impl Metric for MojibakeCheck {
    fn observe(&mut self, r: &Record) {
        self.0.applies();
        // ASCII text has no characters a code page could have garbled.
        for text in all_texts(r).filter(|t| !t.is_ascii()) {
            if let Some(m) = first_mojibake(text) {
                let ctx = context(text, m.start, m.end, 30);
                self.0.check.hit(r, text, || {
                    format!(
                        "\"{}\" should read \"{}\": {ctx}",
                        &text[m.start..m.end],
                        m.repaired
                    )
                });
                break;
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.0.merge(merged::<MojibakeCheck>(other).0);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.0.finish(out);
    }
}

/// The byte a single-byte code page decodes to this character: Latin-1 for U+0080–U+00FF
/// (C1 controls included), Windows-1252's punctuation for 0x80–0x9F, and the letters
/// Windows-1254 (Turkish) puts where Latin-1 has Ð Ý Þ ð ý þ.
pub fn cp_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if (0x80..=0xFF).contains(&u) {
        return Some(u as u8);
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        'Ğ' => 0xD0,
        'İ' => 0xDD,
        'Ş' => 0xDE,
        'ğ' => 0xF0,
        'ı' => 0xFD,
        'ş' => 0xFE,
        _ => return None,
    })
}

pub struct Mojibake {
    /// Byte range of the garbled characters in the text.
    pub start: usize,
    pub end: usize,
    /// What they should have been.
    pub repaired: char,
}

/// The first garbled sequence in `text`, if any.
pub fn first_mojibake(text: &str) -> Option<Mojibake> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let need = match cp_byte(c) {
            Some(0xC2..=0xDF) => 1,
            Some(0xE0..=0xEF) => 2,
            Some(0xF0..=0xF4) => 3,
            _ => {
                i += 1;
                continue;
            }
        };
        if i + need < chars.len() {
            let mut bytes = vec![cp_byte(c).unwrap_or(0)];
            for k in 1..=need {
                match chars.get(i + k).and_then(|(_, c)| cp_byte(*c)) {
                    Some(b @ 0x80..=0xBF) => bytes.push(b),
                    _ => break,
                }
            }
            if bytes.len() == need + 1 {
                if let Some(repaired) = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|s| s.chars().next())
                {
                    let control = need == 1 && (repaired as u32) < 0xA0;
                    if !control {
                        let end = chars.get(i + need + 1).map_or(text.len(), |(b, _)| *b);
                        return Some(Mojibake {
                            start,
                            end,
                            repaired,
                        });
                    }
                }
            }
        }
        i += 1;
    }
    None
}

/// Number of garbled sequences in `text` (for tests and tools).
pub fn count_mojibake(text: &str) -> usize {
    let mut n = 0;
    let mut rest = text;
    while let Some(m) = first_mojibake(rest) {
        n += 1;
        rest = &rest[m.end..];
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    /// What a Windows-1252 decoder makes of UTF-8 bytes (bytes it has no character for
    /// become the Latin-1 control characters, as Python's `errors="ignore"`-free paths do).
    fn garble(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b < 0x80 {
                    b as char
                } else {
                    (0x80u32..=0xFF)
                        .chain(0x100..0x2200)
                        .filter_map(char::from_u32)
                        .find(|c| cp_byte(*c) == Some(b) && !(0x80..=0x9F).contains(&(*c as u32)))
                        .unwrap_or(char::from_u32(u32::from(b)).unwrap())
                }
            })
            .collect()
    }

    #[test]
    fn detects_garbled_utf8() {
        assert_eq!(garble("café"), "cafÃ©");
        assert_eq!(count_mojibake(&garble("café")), 1);
        assert_eq!(count_mojibake(&garble("预训练数据集")), 6);
        assert_eq!(first_mojibake("donâ€™t").unwrap().repaired, '’');
        // The style of ../shared/papers/002: Turkish code page for the 0xF0 lead byte.
        assert_eq!(first_mojibake("## ğŸ”¥ MLLM").unwrap().repaired, '🔥');
        assert_eq!(
            count_mojibake("é¢„è®ç»ƒæ•°æ®é›†"),
            4,
            "bytes the code page drops break some sequences"
        );
    }

    #[test]
    fn real_text_is_clean() {
        for s in [
            "Ça va? Größe, naïve, déjà vu, ¿Qué?",
            "预训练数据集",
            "Привет",
            "Ångström £5 — “quoted”",
            "日本語のテキスト",
            "Â",
        ] {
            assert!(first_mojibake(s).is_none(), "{s}");
        }
    }

    #[test]
    fn counts_samples_and_merges_like_one_pass() {
        use Role::*;
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let text = match i % 4 {
                    0 => format!("cafÃ© number {i}"),
                    1 => format!("donâ€™t {i}"),
                    2 => format!("Ça va? déjà vu {i}"),
                    _ => format!("plain {i}"),
                };
                record(i, &[(User, "q"), (Assistant, &text)])
            })
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.mojibake.count"), Some(16.0));
        assert_eq!(out.get("hygiene.mojibake.rate"), Some(16.0 / 30.0));
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
