//! Helpers shared by the text adapters: decoding, ANSI colour, numbers as harnesses print them.

use super::{IngestError, Input};

/// The input as UTF-8 text, or an error naming the first invalid byte.
pub fn text<'a>(input: &'a Input, format: &'static str) -> Result<&'a str, IngestError> {
    match input {
        Input::Bytes { bytes, name } => std::str::from_utf8(bytes).map_err(|e| IngestError {
            input: name.clone(),
            format,
            place: Some(format!("byte {}", e.valid_up_to())),
            message: "not UTF-8 text".into(),
        }),
        Input::Dir { path } => Err(IngestError {
            input: path.display().to_string(),
            format,
            place: None,
            message: "expects a file or stdin, not a directory".into(),
        }),
    }
}

/// `s` without ANSI escape sequences (CSI `ESC [ ... final`, and OSC `ESC ] ... BEL|ESC \`).
pub fn strip_ansi(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\u{1b}') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {
                // nF sequences (`ESC ( B` selects a character set): intermediates in
                // 0x20..=0x2F, then one final byte.
                while chars
                    .peek()
                    .is_some_and(|c| ('\u{20}'..='\u{2f}').contains(c))
                {
                    chars.next();
                }
                chars.next();
            }
        }
    }
    out.into()
}

/// A number as harnesses print it: thousands separators (`1,234.5`, `1_234`), exponent
/// notation (`1.2e-3`), a leading `+`. `None` when it is not a finite number.
pub fn number(s: &str) -> Option<f64> {
    let cleaned: String = s
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|&c| c != ',' && c != '_')
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let x: f64 = cleaned.parse().ok()?;
    x.is_finite().then_some(x)
}

/// An error at 1-based `line` of `input`.
pub fn at_line(
    input: &Input,
    format: &'static str,
    line: usize,
    message: impl Into<String>,
) -> IngestError {
    IngestError {
        input: input.name(),
        format,
        place: Some(format!("line {line}")),
        message: message.into(),
    }
}

/// An error with no particular place.
pub fn whole(input: &Input, format: &'static str, message: impl Into<String>) -> IngestError {
    IngestError {
        input: input.name(),
        format,
        place: None,
        message: message.into(),
    }
}

/// A JSON document, or an error naming the line and column where it stops being JSON.
pub fn json(input: &Input, format: &'static str) -> Result<serde_json::Value, IngestError> {
    let t = text(input, format)?;
    crate::strict_json::from_str(t).map_err(|e| IngestError {
        input: input.name(),
        format,
        place: Some(format!("line {} column {}", e.line(), e.column())),
        message: format!("not JSON: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_colour_and_links_are_removed() {
        assert_eq!(strip_ansi("\u{1b}[1m\u{1b}[32mok\u{1b}[0m x"), "ok x");
        assert_eq!(
            strip_ansi("a\u{1b}]8;;http://x\u{7}b\u{1b}]8;;\u{1b}\\c"),
            "abc"
        );
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(strip_ansi("\u{1b}(B\u{1b}[mbench:"), "bench:");
    }

    #[test]
    fn numbers_as_harnesses_print_them() {
        assert_eq!(number("1,234.50"), Some(1234.5));
        assert_eq!(number("1_000"), Some(1000.0));
        assert_eq!(number("1.5e-3"), Some(1.5e-3));
        assert_eq!(number("+56"), Some(56.0));
        assert_eq!(number("NaN"), None);
        assert_eq!(number("inf"), None);
        assert_eq!(number(""), None);
        assert_eq!(number("12ab"), None);
    }
}
