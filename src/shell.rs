//! Building `sh -c` command lines: quoting a word, and putting a program in a `{bin}` template.

/// `s` as one shell word: as is when it has only characters the shell leaves alone, else in
/// single quotes.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The shell command `template` with every `{bin}` replaced by the quoted `bin`.
pub fn put_bin(template: &str, bin: &str) -> String {
    template.replace("{bin}", &quote(bin))
}

/// [`put_bin`], or an error naming the template when it has no `{bin}` (the two sides would
/// run the same thing).
pub fn with_bin(template: &str, bin: &str) -> Result<String, String> {
    if !template.contains("{bin}") {
        return Err(format!("`{template}` has no {{bin}} to put the program in"));
    }
    Ok(put_bin(template, bin))
}

/// The first word of a shell command (its program), unquoted when it is quoted simply.
pub fn program(command: &str) -> Option<String> {
    let t = command.trim_start();
    if let Some(rest) = t.strip_prefix('\'') {
        return rest.split_once('\'').map(|(p, _)| p.to_string());
    }
    if let Some(rest) = t.strip_prefix('"') {
        return rest.split_once('"').map(|(p, _)| p.to_string());
    }
    t.split_whitespace().next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_templates() {
        assert_eq!(quote("./target/release/app"), "./target/release/app");
        assert_eq!(quote("my app"), "'my app'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(
            with_bin("{bin} --input x.txt | {bin} -q", "old build/app").unwrap(),
            "'old build/app' --input x.txt | 'old build/app' -q"
        );
        assert!(with_bin("app --input x", "a")
            .unwrap_err()
            .contains("no {bin}"));
        assert_eq!(program("./a.out big.txt").as_deref(), Some("./a.out"));
        assert_eq!(program("'my app' x").as_deref(), Some("my app"));
        assert_eq!(program("  "), None);
    }
}
