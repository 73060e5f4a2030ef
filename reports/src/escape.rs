//! Escaping for every output format. Dataset text enters HTML only through [`html_escape`].

/// Escapes `& < > " '` so the result is safe in HTML text and in quoted attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell or inline text: HTML-significant characters become
/// entities, Markdown punctuation is backslash-escaped, `|` is escaped and newlines become
/// spaces, so a cell can never break the table or inject markup.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown for an identifier: a code span when it only holds plain identifier characters,
/// escaped text otherwise (ids can embed dataset-derived names such as task labels).
pub fn md_code(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/' | '+'));
    if plain {
        format!("`{s}`")
    } else {
        md_escape(s)
    }
}

/// Makes dataset text safe to print on a terminal: control characters (escape sequences,
/// carriage returns, newlines) are replaced so they cannot move the cursor or recolour output.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Truncates to at most `max` characters, ending with `…` when something was cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_all_five() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn md_escapes_pipes_and_newlines() {
        assert_eq!(md_escape("a|b\nc<d>"), "a\\|b c&lt;d&gt;");
        assert_eq!(md_code("records.total"), "`records.total`");
        assert_eq!(md_code("tasks.a|b.share"), "tasks.a\\|b.share");
    }

    #[test]
    fn terminal_strips_escape_sequences() {
        assert_eq!(terminal_safe("a\x1b[31mb\nc"), "a [31mb c");
    }

    #[test]
    fn truncates_by_chars() {
        assert_eq!(truncate_chars("héllo wörld", 5), "héll…");
        assert_eq!(truncate_chars("short", 5), "short");
    }
}
