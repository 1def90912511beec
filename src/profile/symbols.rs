//! Frame names as people read them: profilers demangle Rust and C++ symbols, but a Rust
//! legacy symbol keeps its `::h<16 hex>` hash, which differs between two builds of the same
//! code and would make one function two frames in a differential profile.

/// `name` without a trailing Rust symbol hash (`::h` and 16 hex digits).
pub fn clean(name: &str) -> String {
    let name = name.trim();
    if let Some(at) = name.rfind("::h") {
        let hash = &name[at + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return name[..at].to_string();
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn rust_hashes_are_stripped_and_other_names_kept() {
        assert_eq!(clean("busy::slow::h0123456789abcdef"), "busy::slow");
        assert_eq!(
            clean("std::rt::lang_start::{{closure}}::h9a8b7c6d5e4f3a2b"),
            "std::rt::lang_start::{{closure}}"
        );
        // Not a hash: too short, or not hex.
        assert_eq!(clean("a::hello"), "a::hello");
        assert_eq!(clean("a::h0123456789abcdeg"), "a::h0123456789abcdeg");
        assert_eq!(
            clean("std::vector<int>::push_back(int const&)"),
            "std::vector<int>::push_back(int const&)"
        );
    }
}
