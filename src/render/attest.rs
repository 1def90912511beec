//! The attestation as a one-page Markdown document (`attestation.md`): who, where, what, and
//! how to check it.

use std::fmt::Write;

use super::markdown::{escape, escape_code};
use crate::attest::Attestation;

/// Renders `att`; every value shown comes from the attestation itself.
pub fn markdown(att: &Attestation) -> String {
    let mut md = String::new();
    let suite = att.suite.as_deref().unwrap_or("(no config)");
    let _ = writeln!(md, "# Performance attestation: {}\n", escape(suite));
    let _ = writeln!(
        md,
        "**Overall status: {}** ({} artifact{})\n",
        att.overall_status.as_str(),
        att.artifacts.len(),
        if att.artifacts.len() == 1 { "" } else { "s" }
    );
    let commit = att.git.as_ref().map_or_else(
        || "(not a git checkout)".to_string(),
        |g| {
            let branch = g.branch.as_deref().unwrap_or("detached HEAD");
            let dirty = if g.dirty { ", uncommitted changes" } else { "" };
            format!("`{}` ({}{dirty})", g.commit, escape(branch))
        },
    );
    let m = &att.machine;
    let rows = [
        ("Commit", commit),
        ("Tool", format!("{} {}", att.tool.name, att.tool.version)),
        ("Created (UTC)", att.timestamp_utc.clone()),
        (
            "Machine",
            format!(
                "`{}`: {}, {} cores, {} GiB, {} ({})",
                m.id,
                escape(&m.cpu_model),
                m.cores,
                (m.memory_bytes as f64 / f64::from(1u32 << 30)).round(),
                escape(&m.os),
                m.arch
            ),
        ),
        (
            "Config SHA-256",
            att.config_sha256
                .as_ref()
                .map_or_else(|| "(none)".to_string(), |h| format!("`{h}`")),
        ),
    ];
    md.push_str("| | |\n|---|---|\n");
    for (k, v) in rows {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    md.push_str("\n## Artifacts\n\n| Artifact | Kind | Status | Bytes | SHA-256 |\n");
    md.push_str("|---|---|---|---:|---|\n");
    for a in &att.artifacts {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | `{}` |",
            code_cell(&a.path),
            a.kind.as_str(),
            a.status.as_str(),
            a.bytes,
            a.sha256
        );
    }
    let _ = writeln!(
        md,
        "\nManifest SHA-256: `{}`\n\nThe manifest hash is the SHA-256 of the canonical JSON of \
         `attestation.json` without its `manifest_sha256` field (keys sorted, no whitespace). \
         Check the artifacts and the manifest with `perfgate attest --verify attestation.json`.",
        att.manifest_sha256
    );
    md
}

/// A code span in a table cell: a pipe ends the cell even inside a code span (GitHub's
/// tables), so it is escaped there as well.
fn code_cell(text: &str) -> String {
    escape_code(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::{artifact, build, tests::context};

    #[test]
    fn the_page_lists_each_artifact_with_its_hash_and_status() {
        let report = br#"{"benchmarks":[{"status":"failed"}]}"#;
        let att = build(
            context(),
            vec![artifact("out/r.json", report), artifact("a|b.html", b"x")],
        );
        let md = markdown(&att);
        assert!(md.starts_with("# Performance attestation: demo\n"), "{md}");
        assert!(
            md.contains("**Overall status: fail** (2 artifacts)"),
            "{md}"
        );
        let row = format!(
            "| `out/r.json` | report | failed | {} | `{}` |",
            report.len(),
            att.artifacts[0].sha256
        );
        assert!(md.contains(&row), "{md}");
        assert!(md.contains("| `a\\|b.html` | html | n/a | 1 |"), "{md}");
        assert!(
            md.contains("`0123456789abcdef0123456789abcdef01234567` (main)"),
            "{md}"
        );
        assert!(md.contains(&format!("Manifest SHA-256: `{}`", att.manifest_sha256)));
    }
}
