//! Personal data and secrets: e-mail addresses, phone numbers, IP addresses, payment
//! card numbers (Luhn-valid, with a card-network prefix) and API keys or private keys.
//!
//! Each kind is a compiled pattern run only when a cheap prefilter (an `@`, a digit, a
//! key prefix) says it could match, then confirmed by a check the pattern cannot express
//! (reserved example domains, digit boundaries, the Luhn sum, placeholder keys).

use super::{all_texts, Check};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.pii",
    docs,
    make,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Email,
    Phone,
    Ip,
    CreditCard,
    Secret,
}

pub const KINDS: [Kind; 5] = [
    Kind::Email,
    Kind::Phone,
    Kind::Ip,
    Kind::CreditCard,
    Kind::Secret,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Ip => "ip",
            Kind::CreditCard => "credit_card",
            Kind::Secret => "secret",
        }
    }
}

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.pii.count", "Samples with personal data or a secret in any text (system, turns, both preference sides): any of the kinds below."),
        d("hygiene.pii.rate", "hygiene.pii.count / records.analyzed."),
        d("hygiene.pii.email.count", "Samples with an e-mail address, except at the reserved example domains (example.com/.org/.net, .example, .test, .invalid, localhost)."),
        d("hygiene.pii.phone.count", "Samples with a phone number: North American (555) 123-4567 style, international +CC numbers, or Chinese mobile numbers (1[3-9] + 9 digits, in Chinese text or after +86), not part of a longer digit run and not an operand of a calculation (next to +, -, =, …)."),
        d("hygiene.pii.ip.count", "Samples with an IPv4 address (four octets 0–255, not part of a longer dotted number) or a full or ::-compressed IPv6 address."),
        d("hygiene.pii.credit_card.count", "Samples with a payment card number: 13–19 digits (spaces or dashes allowed) that pass the Luhn check and start with a card-network prefix (Visa 4, Mastercard 51–55/2221–2720, Amex 34/37, Discover 6011/65/644–649, JCB 35, Diners 30/36/38), are not an operand of a calculation, and are written in groups (spaces or dashes) or follow a word such as card, Visa, credit or 卡."),
        d("hygiene.pii.secret.count", "Samples with an API key or secret: OpenAI sk-…, AWS AKIA…/ASIA…, GitHub ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_, Slack xox…, Google AIza…, Stripe sk_live_, Hugging Face hf_…, or a PEM private key block. Placeholders (a run of 8 identical characters, or containing 'your', 'xxxx' or 'example', such as sk-xxxxxxxx… or AWS's AKIAIOSFODNN7EXAMPLE) are not counted."),
        d("hygiene.pii.<kind>.rate", "hygiene.pii.<kind>.count / records.analyzed (kind: email, phone, ip, credit_card, secret)."),
    ]
}

struct Patterns {
    email: Regex,
    phone: Regex,
    ipv4: Regex,
    ipv6: Regex,
    card: Regex,
    secret: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        // ASCII word boundaries (?-u:\b): a Unicode \b makes the regex engine fall back to
        // its slowest matcher on any text with a non-ASCII character.
        let r = |s: &str| Regex::new(s).expect("pii pattern compiles");
        Patterns {
            email: r(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"),
            phone: r(r"\(\d{3}\)\s?\d{3}[\s.-]\d{4}|(?-u:\b)\d{3}[\s.-]\d{3}[\s.-]\d{4}(?-u:\b)|\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}|(?-u:\b)(?:\+?86[\s-]?)?1[3-9]\d{9}(?-u:\b)"),
            ipv4: r(r"(?-u:\b)(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?-u:\b)"),
            ipv6: r(r"(?i)(?-u:\b)(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?-u:\b)|(?-u:\b)(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}(?-u:\b)"),
            card: r(r"(?-u:\b)\d(?:[ -]?\d){12,18}(?-u:\b)"),
            secret: r(r"(?-u:\b)sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)|(?-u:\b)gh[pousr]_[A-Za-z0-9]{36,}(?-u:\b)|(?-u:\b)github_pat_[A-Za-z0-9_]{22,}|(?-u:\b)xox[abprs]-[A-Za-z0-9-]{10,}|(?-u:\b)AIza[0-9A-Za-z_-]{35}|(?-u:\b)sk_live_[0-9A-Za-z]{24,}|(?-u:\b)hf_[A-Za-z]{34}(?-u:\b)|-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
        }
    })
}

/// The first match of `kind` in `text`, as a byte range.
pub fn find(kind: Kind, text: &str) -> Option<(usize, usize)> {
    let p = patterns();
    let digits = || text.bytes().any(|b| b.is_ascii_digit());
    match kind {
        Kind::Email => {
            if !text.contains('@') {
                return None;
            }
            p.email
                .captures_iter(text)
                .find(|c| !reserved_domain(&c[1]))
                .map(|c| {
                    let m = c.get(0).expect("whole match");
                    (m.start(), m.end())
                })
        }
        Kind::Phone => {
            if !digits() {
                return None;
            }
            p.phone
                .find_iter(text)
                .find(|m| {
                    digit_bounded(text, m.start(), m.end())
                        && plausible_phone(text, m.start(), m.end())
                })
                .map(|m| (m.start(), m.end()))
        }
        Kind::Ip => {
            let v4 = if digits() && text.contains('.') {
                p.ipv4
                    .find_iter(text)
                    .find(|m| dot_bounded(text, m.start(), m.end()))
            } else {
                None
            };
            v4.or_else(|| {
                if text.contains("::") || text.matches(':').count() >= 7 {
                    p.ipv6
                        .find_iter(text)
                        .find(|m| m.as_str().chars().filter(|c| c.is_ascii_hexdigit()).count() >= 4)
                } else {
                    None
                }
            })
            .map(|m| (m.start(), m.end()))
        }
        Kind::CreditCard => {
            if !digits() {
                return None;
            }
            p.card
                .find_iter(text)
                .find(|m| {
                    is_card(m.as_str())
                        && digit_bounded(text, m.start(), m.end())
                        && !arithmetic(text, m.start(), m.end())
                        && (m.as_str().contains([' ', '-']) || card_keyword_before(text, m.start()))
                })
                .map(|m| (m.start(), m.end()))
        }
        Kind::Secret => p
            .secret
            .find_iter(text)
            .find(|m| !placeholder(m.as_str()))
            .map(|m| (m.start(), m.end())),
    }
}

/// A number in a calculation (`84834150134 = -16666579378`, `472547338 +960397912423686`)
/// is not a phone or card number: the nearest non-space character on either side is a
/// digit or an operator.
fn arithmetic(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().rev().find(|c| !c.is_whitespace());
    let after = text[end..].chars().find(|c| !c.is_whitespace());
    let op = |c: char| c.is_ascii_digit() || "+-*/=×÷^<>".contains(c);
    before.is_some_and(op) || after.is_some_and(|c| "+-*/=×÷^".contains(c))
}

/// An unbroken run of 13–19 digits is usually a number (a sum, an id); it is taken as a
/// card number only after a word that says so.
fn card_keyword_before(text: &str, start: usize) -> bool {
    let mut from = start.saturating_sub(40);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let window = text[from..start].to_lowercase();
    [
        "card",
        "visa",
        "mastercard",
        "amex",
        "credit",
        "debit",
        "卡",
    ]
    .iter()
    .any(|k| window.contains(k))
}

/// Chinese mobile numbers (11 digits from 13…19) are only taken in Chinese text or
/// with the +86 prefix; elsewhere an 11-digit number is usually just a number.
fn plausible_phone(text: &str, start: usize, end: usize) -> bool {
    if arithmetic(text, start, end) {
        return false;
    }
    let m = &text[start..end];
    let bare_mobile = m.len() == 11 && m.bytes().all(|b| b.is_ascii_digit()) && m.starts_with('1');
    !bare_mobile || text.chars().any(crate::text::is_cjk_char)
}

fn reserved_domain(domain: &str) -> bool {
    let d = domain.to_ascii_lowercase();
    ["example.com", "example.org", "example.net", "localhost"].contains(&d.as_str())
        || [
            ".example.com",
            ".example.org",
            ".example.net",
            ".example",
            ".test",
            ".invalid",
            ".localhost",
        ]
        .iter()
        .any(|s| d.ends_with(s))
}

fn digit_bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
}

/// `1.2.3.4` inside `1.2.3.4.5` or `v10.0.0.1.2` is a version number, not an address.
fn dot_bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let mut after = text[end..].chars();
    let a1 = after.next();
    let a2 = after.next();
    let version_tail = a1 == Some('.') && a2.is_some_and(|c| c.is_ascii_digit());
    !before.is_some_and(|c| c == '.' || c.is_ascii_digit()) && !version_tail
}

pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (k, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if k % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn is_card(s: &str) -> bool {
    let digits: Vec<u8> = s
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    let n = digits.len();
    if !(13..=19).contains(&n) || digits.iter().all(|d| *d == digits[0]) {
        return false;
    }
    let prefix = |k: usize| {
        digits[..k]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(*d))
    };
    let network = match digits[0] {
        4 => matches!(n, 13 | 16 | 19),
        5 => (51..=55).contains(&prefix(2)) && n == 16,
        2 => (2221..=2720).contains(&prefix(4)) && n == 16,
        3 => {
            (matches!(prefix(2), 34 | 37) && n == 15)
                || (prefix(2) == 35 && n >= 16)
                || (matches!(prefix(2), 30 | 36 | 38) && n == 14)
        }
        6 => prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)),
        _ => false,
    };
    network && luhn(&digits)
}

/// `sk-xxxxxxxxxxxxxxxxxxxxxxxx`, `sk-...YOUR_KEY...`: documentation placeholders.
fn placeholder(s: &str) -> bool {
    let b = s.as_bytes();
    let mut run = 1;
    for k in 1..b.len() {
        run = if b[k] == b[k - 1] { run + 1 } else { 1 };
        if run >= 8 && b[k] != b'-' {
            return true;
        }
    }
    let lower = s.to_ascii_lowercase();
    lower.contains("your") || lower.contains("xxxx") || lower.contains("example")
}

/// Masks the middle of a match for display: `john.doe@mail.com` -> `jo…om`.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 6 {
        return "…".into();
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail} ({} chars)", chars.len())
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Pii {
        n: 0,
        any: Check::new(
            "hygiene.pii.count",
            "hygiene.pii.rate",
            "Personal data and secrets",
            c,
        ),
        per_kind: [0; 5],
    })
}

#[derive(Serialize, Deserialize)]
struct Pii {
    n: u64,
    any: Check,
    per_kind: [u64; 5],
}

impl Metric for Pii {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let mut found: Vec<(Kind, String)> = Vec::new();
        for (k, kind) in KINDS.iter().enumerate() {
            for text in all_texts(r) {
                if let Some((s, e)) = find(*kind, text) {
                    self.per_kind[k] += 1;
                    found.push((*kind, mask(&text[s..e])));
                    break;
                }
            }
        }
        if !found.is_empty() {
            let shown = r.instruction().or(r.response()).unwrap_or("");
            self.any.hit(r, shown, || {
                found
                    .iter()
                    .map(|(k, m)| format!("{}: {m}", k.name()))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o = merged::<Pii>(other);
        self.n += o.n;
        self.any.merge(o.any);
        for (a, b) in self.per_kind.iter_mut().zip(o.per_kind) {
            *a += b;
        }
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let n = self.n;
        self.any.write(n, out);
        if n > 0 {
            for (k, kind) in KINDS.iter().enumerate() {
                out.set(
                    format!("hygiene.pii.{}.count", kind.name()),
                    self.per_kind[k] as f64,
                );
                out.set_rate(
                    format!("hygiene.pii.{}.rate", kind.name()),
                    self.per_kind[k],
                    n,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(kind: Kind, s: &str) -> bool {
        find(kind, s).is_some()
    }

    #[test]
    fn emails_and_phones() {
        assert!(has(Kind::Email, "write to jane.doe@mail.co.uk today"));
        assert!(!has(Kind::Email, "user@example.com or admin@test.example"));
        assert!(has(Kind::Phone, "call (555) 123-4567"));
        assert!(has(Kind::Phone, "call 555-123-4567 now"));
        assert!(has(Kind::Phone, "手机 13812345678"));
        assert!(has(Kind::Phone, "+44 20 7946 0958"));
        assert!(!has(Kind::Phone, "the years 2019-2020 and 12345678901234"));
        assert!(!has(Kind::Phone, "84834150134 - 6778576 = -16666579378"));
        assert!(!has(
            Kind::Phone,
            "472547338 +960397912423686 = 960398384971024"
        ));
        assert!(!has(
            Kind::Phone,
            "an 11-digit id 13812345678 in English text"
        ));
    }

    #[test]
    fn ips_cards_and_secrets() {
        assert!(has(Kind::Ip, "server at 192.168.1.20."));
        assert!(!has(Kind::Ip, "version 1.2.3.4.5"));
        assert!(!has(Kind::Ip, "999.1.1.1"));
        assert!(has(Kind::Ip, "fe80::1ff:fe23:4567:890a"));
        assert!(has(Kind::CreditCard, "card 4111 1111 1111 1111 exp"));
        assert!(has(Kind::CreditCard, "5500-0000-0000-0004"));
        assert!(!has(
            Kind::CreditCard,
            "256626720691 + 1646615806005 =\n\nThe result is:\n\n4212883012996"
        ));
        assert!(!has(Kind::CreditCard, "4111 1111 1111 1112"), "fails Luhn");
        assert!(has(Kind::CreditCard, "Visa: 4111111111111111"));
        assert!(
            !has(Kind::CreditCard, "id 4111111111111111"),
            "unbroken digits need a card word"
        );
        assert!(
            !has(Kind::CreditCard, "1234567812345670"),
            "Luhn-valid but no card network"
        );
        assert!(has(Kind::Secret, "key = sk-proj-abcDEF1234567890ghijKLMN"));
        assert!(has(Kind::Secret, "id AKIA2E0A8F3B244C9986 here"));
        assert!(
            !has(Kind::Secret, "AKIAIOSFODNN7EXAMPLE"),
            "AWS documentation placeholder"
        );
        assert!(has(
            Kind::Secret,
            "token ghp_0123456789abcdefghijABCDEFGHIJ012345"
        ));
        assert!(has(Kind::Secret, "-----BEGIN RSA PRIVATE KEY-----\nMIIE"));
        assert!(!has(Kind::Secret, "sk-xxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!has(Kind::Secret, "use sk-learn for models"));
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::record::Role::*;
        use crate::test_records::{assert_merges, outputs, record};
        let texts = [
            "write to jane.doe@mail.co.uk",
            "call (555) 123-4567",
            "server at 192.168.1.20.",
            "card 4111 1111 1111 1111 exp",
            "key = sk-proj-abcDEF1234567890ghijKLMN",
            "user@example.com is fine",
            "nothing here",
        ];
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let t = format!("{} ({i})", texts[i as usize % texts.len()]);
                if i % 2 == 0 {
                    record(i, &[(User, &t), (Assistant, "ok")])
                } else {
                    record(i, &[(User, "q"), (Assistant, &t)])
                }
            })
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.pii.count"), Some(22.0));
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn luhn_check() {
        assert!(luhn(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
        assert!(!luhn(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]));
    }
}
