//! Names from benchmarks (and anything else a benchmark or a harness chose) as they may be
//! printed to a terminal or a CI log: on one line, with control characters escaped, so that no
//! escape sequence (colours, OSC titles and links, BEL) reaches the terminal and no name can
//! start a line of its own. A GitHub Actions runner reads a line that starts with `::` as a
//! workflow command (`::error`, `::add-mask::`, `::stop-commands::`), so a leading `::` of a
//! name is written `\::`; [`guard_workflow_commands`] keeps any other such line from reaching
//! the log unless perfgate wrote the command itself.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` on one line, control characters (C0, DEL, C1) escaped as `\n`, `\t`, `\r`, `\e`... or
/// `\u{9b}`, a backslash doubled when it would read as such an escape, and a leading `::`
/// written `\::`.
pub fn one_line(s: &str) -> Cow<'_, str> {
    let needs = s.starts_with("::") || s.chars().any(|c| c.is_control() || c == '\\');
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    if s.starts_with("::") {
        out.push('\\');
    }
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Under GitHub Actions: every line of `text` that would start a workflow command (`::` after
/// optional blanks) gets a `\` in front, so only [`crate::ci::github`]'s own annotations,
/// printed apart, are commands.
pub fn guard_workflow_commands(text: &str) -> Cow<'_, str> {
    if !text.lines().any(|l| l.trim_start().starts_with("::")) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("::") {
            out.push('\\');
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

/// A CSV field: quoted when it holds a comma, quote or line break; a text field (never a
/// number perfgate wrote) that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a `'` in front, as spreadsheet users expect.
pub fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    };
    csv_quoted(&s)
}

/// A CSV field as it is, quoted when needed (numbers, and text already neutralised).
pub fn csv_quoted(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_workflow_commands_are_escaped() {
        assert_eq!(one_line("parse/small"), "parse/small");
        assert!(matches!(one_line("plain"), Cow::Borrowed(_)));
        assert_eq!(
            one_line("a\nb\tc\u{1b}[31mred\u{7}\u{9b}"),
            "a\\nb\\tc\\e[31mred\\u{7}\\u{9b}"
        );
        assert_eq!(
            one_line("::error title=INJ::INJECTED"),
            "\\::error title=INJ::INJECTED"
        );
        assert_eq!(one_line("x\n::add-mask::s"), "x\\n::add-mask::s");
        assert_eq!(one_line("back\\nslash"), "back\\\\nslash");
        assert_eq!(
            guard_workflow_commands("ok\n  ::warning::x\n::error::y\nend"),
            "ok\n\\  ::warning::x\n\\::error::y\nend"
        );
        assert!(matches!(
            guard_workflow_commands("a\nb\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn csv_text_cannot_run_as_a_formula() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("-2+3"), "'-2+3");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("sort, 10k"), "\"sort, 10k\"");
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_quoted("-3.5"), "-3.5");
    }
}
