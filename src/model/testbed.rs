//! The testbed's name: a stable name for a kind of machine (`gha-ubuntu-2core`), under which
//! fresh runners of that kind share one history and one baseline. The same rules hold
//! wherever it is given (`--testbed`, `PERFGATE_TESTBED`, `testbed = "..."`).

/// The longest testbed name, in characters.
pub const MAX_TESTBED_CHARS: usize = 100;

/// Why `name` cannot be a testbed, or `Ok`: it must be non-empty, at most
/// [`MAX_TESTBED_CHARS`] characters, without control characters, and not only spaces.
pub fn check_testbed(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("a testbed name must not be empty".into());
    }
    let chars = name.chars().count();
    if chars > MAX_TESTBED_CHARS {
        return Err(format!(
            "a testbed name is at most {MAX_TESTBED_CHARS} characters, this one has {chars}"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "a testbed name is printable text on one line, this one holds {c:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_printable_one_line_and_bounded() {
        assert!(check_testbed("gha-ubuntu-2core").is_ok());
        assert!(check_testbed("bench box 1 (Ryzen)").is_ok());
        assert!(check_testbed(&"é".repeat(MAX_TESTBED_CHARS)).is_ok());
        for (bad, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("a\nb", "'\\n'"),
            ("tab\there", "'\\t'"),
            ("esc\u{1b}[31m", "'\\u{1b}'"),
        ] {
            let e = check_testbed(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        let e = check_testbed(&"x".repeat(MAX_TESTBED_CHARS + 1)).unwrap_err();
        assert!(
            e.contains("at most 100 characters, this one has 101"),
            "{e}"
        );
    }
}
