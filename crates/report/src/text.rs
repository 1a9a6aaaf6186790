//! Making untrusted text safe and short for a terminal.

use std::borrow::Cow;

/// Escapes control characters (ESC, BEL, CR, tabs, other C0/C1 and DEL) so
/// that text from a log can never move the cursor or change the terminal's
/// colours. Printable Unicode is kept as is.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first line of `s`, and whether more lines follow.
pub fn first_line(s: &str) -> (&str, bool) {
    let trimmed = s.trim_end_matches(['\n', '\r']);
    match trimmed.split_once('\n') {
        Some((first, _)) => (first.trim_end_matches('\r'), true),
        None => (trimmed, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(escape_control("a\x1b[31mred\x07"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(escape_control("tab\there"), "tab\\there");
        assert_eq!(escape_control("日本語 ✓"), "日本語 ✓");
    }

    #[test]
    fn first_line_notes_the_rest() {
        assert_eq!(first_line("one\ntwo\n"), ("one", true));
        assert_eq!(first_line("only\n"), ("only", false));
        assert_eq!(first_line(""), ("", false));
    }
}
