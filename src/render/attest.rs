//! The attestation as a one-page Markdown document (`attestation.md`): who, where, what, and
//! how to check it; and what `attest`, `attest --verify` and `replay` say on the terminal.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use super::markdown::{escape, escape_code};
use crate::attest::replay::{Executable, OutputCheck, ReplayManifest, ReplayReport};
use crate::attest::{ArtifactCheck, Attestation, Verification};

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

/// The note for an artifact left out: it is the attestation being written.
pub fn not_attesting(path: &Path) -> String {
    format!(
        "perfgate: note: not attesting {}: it is the attestation being written\n",
        path.display()
    )
}

/// What `attest` says once it wrote the attestation as JSON and as Markdown.
pub fn written(json: &Path, md: &Path, att: &Attestation) -> String {
    format!(
        "wrote {} and {}: {} artifact{}, overall {}\nmanifest_sha256 {}\n",
        json.display(),
        md.display(),
        att.artifacts.len(),
        plural(att.artifacts.len()),
        att.overall_status.as_str(),
        att.manifest_sha256
    )
}

/// Why no replay manifest was written: each deterministic benchmark that failed to run.
pub fn manifest_failed(failed: &BTreeMap<String, String>) -> String {
    let mut out: String = failed
        .iter()
        .map(|(name, reason)| {
            format!("perfgate: error: deterministic benchmark `{name}` failed: {reason}\n")
        })
        .collect();
    out.push_str("perfgate: error: no replay manifest written\n");
    out
}

/// The warning for a manifest that records no output; empty when it records some.
pub fn manifest_records_nothing(m: &ReplayManifest) -> String {
    if !m.artifact_hashes.is_empty() {
        return String::new();
    }
    format!(
        "perfgate: warning: no benchmark of suite `{}` is declared `deterministic = true`; the replay manifest records no outputs\n",
        m.suite
    )
}

/// A warning for each executable the manifest has no hash of, with the reason.
pub fn manifest_unhashed(m: &ReplayManifest) -> String {
    m.executables
        .iter()
        .filter(|e| e.sha256.is_none())
        .map(|e| {
            format!(
                "perfgate: warning: benchmark `{}`: no executable hash: {}\n",
                e.bench,
                e.error.as_deref().unwrap_or("unknown")
            )
        })
        .collect()
}

/// What `attest` says once it wrote the replay manifest `m` to `out`.
pub fn manifest_written(out: &Path, m: &ReplayManifest) -> String {
    format!(
        "wrote {}: {} deterministic output{}, {} executable{}, seed {}\n",
        out.display(),
        m.artifact_hashes.len(),
        plural(m.artifact_hashes.len()),
        m.executables.len(),
        plural(m.executables.len()),
        m.seed
    )
}

/// `attest --verify`: a line per artifact, the manifest hash, and the verdict.
pub fn verification(path: &Path, v: &Verification) -> String {
    let mut out = format!(
        "verifying {} ({} artifact{})\n",
        path.display(),
        v.artifacts.len(),
        plural(v.artifacts.len())
    );
    for (a, check) in &v.artifacts {
        out.push_str(&match check {
            ArtifactCheck::Same => format!("  ok        {}\n", a.path),
            ArtifactCheck::Changed(now) => format!(
                "  CHANGED   {}: sha256 {now}, recorded {}\n",
                a.path, a.sha256
            ),
            ArtifactCheck::Missing => format!("  MISSING   {}\n", a.path),
            ArtifactCheck::Refused(why) => format!("  REFUSED   {}: {why}\n", a.path),
        });
    }
    out.push_str(&if v.manifest_matches() {
        format!(
            "  ok        manifest_sha256 {}\n",
            v.computed_manifest_sha256
        )
    } else {
        format!(
            "  MISMATCH  manifest_sha256: recorded {}, computed {} (the attestation was edited)\n",
            v.attestation.manifest_sha256, v.computed_manifest_sha256
        )
    });
    out.push_str(&verdict(v));
    out
}

fn verdict(v: &Verification) -> String {
    if v.passed() {
        return "verified: every artifact and the manifest hash match\n".to_string();
    }
    let t = v.tally();
    let refused = if t.refused > 0 {
        format!(", {} refused", t.refused)
    } else {
        String::new()
    };
    let manifest = if v.manifest_matches() {
        ""
    } else {
        ", manifest hash mismatch"
    };
    format!(
        "verification FAILED: {} changed, {} missing{refused}{manifest}\n",
        t.changed, t.missing
    )
}

/// `replay`: a line per deterministic output, one per changed executable, and the verdict.
pub fn replay(manifest: &ReplayManifest, report: &ReplayReport) -> String {
    let mut out = format!(
        "replaying suite `{}` (seed {}, config sha256 {})\n",
        manifest.suite, manifest.seed, manifest.config_sha256
    );
    for (name, check) in &report.outputs {
        let recorded = manifest
            .artifact_hashes
            .get(name)
            .map_or("-", String::as_str);
        out.push_str(&match check {
            OutputCheck::Same => format!("  same        {name}: {recorded}\n"),
            OutputCheck::Differs(now) => {
                format!("  DIFFERS     {name}: stdout sha256 {now}, recorded {recorded}\n")
            }
            OutputCheck::Failed(why) => format!("  FAILED      {name}: {why}\n"),
            OutputCheck::NotRecorded => format!("  UNRECORDED  {name}: not in the manifest\n"),
            OutputCheck::NotRun => {
                format!("  NOT RUN     {name}: no longer a deterministic benchmark\n")
            }
        });
    }
    for c in &report.executables {
        out.push_str(&format!(
            "  executable changed: `{}`: now {}, recorded {}\n",
            c.bench,
            executable(c.now.as_ref()),
            executable(Some(&c.recorded))
        ));
    }
    let (bad, failed) = (report.mismatches(), report.failures());
    out.push_str(&if bad + failed == 0 {
        format!(
            "replay matches: {} deterministic output{} hash the same\n",
            report.outputs.len(),
            plural(report.outputs.len())
        )
    } else {
        format!("replay FAILED: {bad} differ, {failed} failed to run\n")
    });
    out
}

/// An executable as a replay shows it: where it is and its hash.
fn executable(e: Option<&Executable>) -> String {
    match e {
        Some(e) => format!(
            "{} {}",
            e.path.as_deref().unwrap_or("(not found)"),
            e.sha256.as_deref().unwrap_or("-")
        ),
        None => "(benchmark gone)".to_string(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
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

    #[test]
    fn a_failed_verification_counts_what_failed_and_names_the_seal() {
        use crate::attest::verify;
        let att = build(
            context(),
            vec![artifact("a.txt", b"a"), artifact("b.txt", b"b")],
        );
        let text = serde_json::to_string(&att).unwrap();
        let v = verify(&text, |a| match a.path.as_str() {
            "a.txt" => Err("a device".into()),
            _ => Ok(None),
        })
        .unwrap();
        let out = verification(Path::new("att.json"), &v);
        assert!(
            out.starts_with("verifying att.json (2 artifacts)\n"),
            "{out}"
        );
        assert!(out.contains("  REFUSED   a.txt: a device\n"), "{out}");
        assert!(out.contains("  MISSING   b.txt\n"), "{out}");
        assert!(out.ends_with("verification FAILED: 0 changed, 1 missing, 1 refused\n"));
        let edited = text.replace("\"ci-1\"", "\"ci-2\"");
        let v = verify(&edited, |a| Ok(Some(a.sha256.clone()))).unwrap();
        let out = verification(Path::new("att.json"), &v);
        assert!(
            out.contains("  MISMATCH  manifest_sha256: recorded "),
            "{out}"
        );
        assert!(
            out.ends_with("0 changed, 0 missing, manifest hash mismatch\n"),
            "{out}"
        );
    }

    #[test]
    fn a_replay_shows_each_output_against_its_record() {
        use crate::attest::replay::{build as manifest, compare, ReplayInputs};
        let m = manifest(ReplayInputs {
            timestamp_utc: "2026-01-02T03:04:05Z".into(),
            suite: "demo".into(),
            config_path: None,
            config_sha256: "c0ffee".into(),
            seed: 7,
            executables: Vec::new(),
            artifact_hashes: [("a".into(), "h1".into()), ("b".into(), "h2".into())].into(),
        });
        let outputs = [
            ("a".to_string(), Ok("h1".to_string())),
            ("b".to_string(), Ok("h3".to_string())),
        ];
        let out = replay(&m, &compare(&m, &outputs.into(), &[]));
        assert!(out.starts_with("replaying suite `demo` (seed 7, config sha256 c0ffee)\n"));
        assert!(out.contains("  same        a: h1\n"), "{out}");
        assert!(
            out.contains("  DIFFERS     b: stdout sha256 h3, recorded h2\n"),
            "{out}"
        );
        assert!(
            out.ends_with("replay FAILED: 1 differ, 0 failed to run\n"),
            "{out}"
        );
        let same = [
            ("a".to_string(), Ok("h1".into())),
            ("b".to_string(), Ok("h2".into())),
        ];
        let out = replay(&m, &compare(&m, &same.into(), &[]));
        assert!(out.ends_with("replay matches: 2 deterministic outputs hash the same\n"));
    }
}
