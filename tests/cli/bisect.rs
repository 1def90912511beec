//! `perfgate bisect` on a real git history: six commits, the fourth makes the benchmark four
//! times slower; bisect names it and leaves the repository on the branch it started from.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{busy, perfgate, run, write, Run};

fn git(dir: &Path, args: &[&str]) -> Run {
    run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null"))
}

#[test]
fn bisect_finds_the_commit_that_made_it_slower() {
    if !common::have_tool("git", "--version", "a git history to bisect") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(git(d, &["init", "-q", "-b", "main"]).code, 0);
    write(
        &d.join("perfgate.toml"),
        &format!(
            "[[bench]]\nname = \"loop\"\nshell = '\"{}\" $(cat work.txt)'\nwarmup = 0\n",
            busy().display()
        ),
    );
    let mut commits = Vec::new();
    for i in 1..=6 {
        let work = if i >= 4 { "120000000" } else { "30000000" };
        write(&d.join("work.txt"), work);
        write(&d.join("notes.txt"), &format!("change {i}\n"));
        assert_eq!(git(d, &["add", "-A"]).code, 0);
        assert_eq!(
            git(d, &["commit", "-q", "-m", &format!("change {i}")]).code,
            0
        );
        commits.push(git(d, &["rev-parse", "HEAD"]).stdout.trim().to_string());
    }
    let r = run(perfgate()
        .args([
            "bisect",
            &commits[0],
            &commits[5],
            "--bench",
            "loop",
            "--runs",
            "5",
        ])
        // CPU time: the levels are measured minutes apart on a shared machine whose load
        // moves wall time by more than a 4x step survives.
        .args(["--metric", "user_time", "--build", "test -f work.txt"])
        .current_dir(d)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with(&format!("first bad commit: {} change 4\n", commits[3])),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("measured step:"), "{}", r.stdout);
    // Back where it started, no bisect in progress.
    assert_eq!(
        git(d, &["rev-parse", "--abbrev-ref", "HEAD"]).stdout.trim(),
        "main"
    );
    assert_ne!(git(d, &["bisect", "log"]).code, 0, "bisect still running");

    // A dirty work tree is refused before anything is checked out.
    write(&d.join("work.txt"), "1");
    let r = run(perfgate()
        .args(["bisect", &commits[0], &commits[5], "--bench", "loop"])
        .current_dir(d));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("uncommitted changes"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(d.join("work.txt")).unwrap(), "1");
}
