//! Number formatting shared by the Markdown, HTML and terminal renderers and the plots.

use ftqa_metrics::result::Interval;

/// How a metric value should be shown, decided from its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A share in `[0, 1]`, shown as a percentage.
    Rate,
    /// An integer count.
    Count,
    /// Anything else: a few significant digits.
    Number,
}

/// Classifies a metric by its id and value: ids whose last segment ends in `rate`, `share`
/// or `fraction` (with a value in `[0, 1]`) are rates; integral values are counts.
pub fn value_kind(id: &str, v: f64) -> ValueKind {
    let last = id.rsplit('.').next().unwrap_or(id);
    let rate_like = ["rate", "share", "fraction"]
        .iter()
        .any(|s| last.ends_with(s));
    if rate_like && (0.0..=1.0).contains(&v) {
        ValueKind::Rate
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        ValueKind::Count
    } else {
        ValueKind::Number
    }
}

/// Formats a metric value for display: `12.5%`, `1,234`, `3.14`, `0.0123`.
pub fn format_value(id: &str, v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    match value_kind(id, v) {
        ValueKind::Rate => format_percent(v),
        ValueKind::Count => group_thousands(&format!("{}", v as i64)),
        ValueKind::Number => format_number(v),
    }
}

/// A 95% interval in the metric's own format: `[2.61, 3.12]`, `[0.9%, 2.1%]`.
pub fn format_interval(id: &str, i: &Interval) -> String {
    format!(
        "[{}, {}]",
        format_value(id, i.low),
        format_value(id, i.high)
    )
}

/// A value followed by its interval when it has one: `2.89 [2.61, 3.12]`.
pub fn format_value_interval(id: &str, v: f64, i: Option<&Interval>) -> String {
    match i {
        Some(i) => format!("{} {}", format_value(id, v), format_interval(id, i)),
        None => format_value(id, v),
    }
}

/// A share in `[0, 1]` as a percentage: `42%`, `12.5%`, `1.42%`, `0.33%`, `0.025%`.
pub fn format_percent(share: f64) -> String {
    let p = share * 100.0;
    let a = p.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 10.0 {
        trim_zeros(&format!("{:.1}", p))
    } else if a >= 1.0 {
        trim_zeros(&format!("{:.2}", p))
    } else {
        // Two significant digits below 1%.
        let digits = (-a.log10().floor()) as usize + 1;
        trim_zeros(&format!("{:.*}", digits.min(12), p))
    };
    format!("{s}%")
}

/// A count with thousands separators.
pub fn format_count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// A real number with about three significant digits, trailing zeros trimmed, and
/// thousands separators for large values.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 1000.0 {
        return group_thousands(&format!("{:.0}", v));
    } else if a >= 100.0 {
        format!("{:.1}", v)
    } else if a >= 1.0 {
        format!("{:.2}", v)
    } else {
        // Three significant digits for small magnitudes.
        let digits = (-a.log10().floor()) as usize + 2;
        format!("{:.*}", digits.min(12), v)
    };
    trim_zeros(&s)
}

/// A short axis label: `950`, `1.5k`, `12k`, `3.2M`, `0.25`.
pub fn format_compact(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let ax = x.abs();
    let s = if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else if ax >= 100.0 {
        format!("{:.0}", x)
    } else if ax >= 10.0 {
        trim_zeros(&format!("{:.1}", x))
    } else if ax >= 1.0 {
        trim_zeros(&format!("{:.2}", x))
    } else {
        format_number(x)
    };
    format!("{s}{suffix}")
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn group_thousands(digits: &str) -> String {
    let (sign, body) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::with_capacity(body.len() + body.len() / 3);
    for (i, c) in body.chars().enumerate() {
        if i > 0 && (body.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_counts_numbers() {
        assert_eq!(format_value("records.skipped_rate", 0.125), "12.5%");
        assert_eq!(format_value("script.latin.share", 1.0), "100%");
        assert_eq!(format_value("empty.response.rate", 0.0), "0%");
        assert_eq!(format_value("empty.response.rate", 0.000123), "0.012%");
        assert_eq!(format_value("records.skipped_rate", 4.0 / 1204.0), "0.33%");
        assert_eq!(
            format_value("dedup.exact.duplicate_rate", 17.0 / 1200.0),
            "1.42%"
        );
        assert_eq!(format_value("records.total", 1234567.0), "1,234,567");
        assert_eq!(format_value("length.response.words.mean", 123.456), "123.5");
        assert_eq!(format_value("turns.mean", 2.5), "2.5");
        assert_eq!(format_value("x.y", 0.012345), "0.0123");
        assert_eq!(format_value("x.y", -1234.6), "-1,235");
    }

    #[test]
    fn intervals_in_the_metric_format() {
        let i = Interval {
            low: 2.61,
            high: 3.1234,
            level: 0.95,
            method: "half_sample".into(),
            n: 12,
        };
        assert_eq!(format_interval("x.mean", &i), "[2.61, 3.12]");
        assert_eq!(
            format_value_interval("x.mean", 2.891, Some(&i)),
            "2.89 [2.61, 3.12]"
        );
        assert_eq!(format_value_interval("x.mean", 2.891, None), "2.89");
        let r = Interval {
            low: 0.009,
            high: 0.021,
            ..i
        };
        assert_eq!(format_interval("x.rate", &r), "[0.9%, 2.1%]");
    }

    #[test]
    fn compact_axis_labels() {
        assert_eq!(format_compact(950.0), "950");
        assert_eq!(format_compact(1500.0), "1500");
        assert_eq!(format_compact(12000.0), "12k");
        assert_eq!(format_compact(3_200_000.0), "3.2M");
        assert_eq!(format_compact(0.25), "0.25");
        assert_eq!(format_compact(2.5), "2.5");
    }
}
