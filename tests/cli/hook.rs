//! The pre-push gate for real: a git repository with a bare remote, a benchmark made slower
//! by a commit, and `git push` refused, then accepted after the fix.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{perfgate, run, write, Run};

fn git(dir: &Path, args: &[&str]) -> Run {
    run(Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("PERFGATE_STORE"))
}

fn set_work(dir: &Path, secs: &str) {
    write(&dir.join("work.sh"), &format!("sleep {secs}\n"));
}

fn commit(dir: &Path, message: &str) {
    let r = git(dir, &["add", "-A"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = git(dir, &["commit", "-q", "-m", message]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn pre_push_blocks_a_regression_and_lets_the_fix_through() {
    if !common::have_tool("git", "--version", "a repository to install the hook in") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let remote = root.path().join("remote.git");
    let work = root.path().join("work");
    std::fs::create_dir(&work).unwrap();
    assert_eq!(
        git(
            root.path(),
            &["init", "-q", "--bare", remote.to_str().unwrap()]
        )
        .code,
        0
    );
    assert_eq!(git(&work, &["init", "-q", "-b", "main"]).code, 0);
    assert_eq!(
        git(
            &work,
            &["remote", "add", "origin", remote.to_str().unwrap()]
        )
        .code,
        0
    );
    write(
        &work.join("perfgate.toml"),
        r#"suite = "hooked"
[[bench]]
name = "work"
command = ["sh", "work.sh"]
runs = 6
warmup = 1
tags = ["smoke"]
[[bench]]
name = "slow-full-suite"
command = ["sleep", "0.3"]
tags = ["full"]
[thresholds]
"*.wall_time" = { warn_pct = 25, fail_pct = 50 }
"*.user_time" = { warn_pct = 400, fail_pct = 500 }
"*.sys_time" = { warn_pct = 400, fail_pct = 500 }
"#,
    );
    // A hook that was there before: it must keep running, with the refs on its stdin.
    let hooks = work.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let seen = root.path().join("old-hook-saw.txt");
    let old_hook = format!("#!/bin/sh\ncat >> {}\n", seen.display());
    write(&hooks.join("pre-push"), &old_hook);
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(hooks.join("pre-push"))
        .status()
        .unwrap();

    set_work(&work, "0.05");
    commit(&work, "fast");
    let r = run(perfgate().args(["hook", "install"]).current_dir(&work));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("kept as"), "{}", r.stdout);

    // First push: the baseline is bootstrapped and the push goes through.
    let r = git(&work, &["push", "-q", "origin", "main"]);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 0, "{said}");
    assert!(said.contains("baseline bootstrapped"), "{said}");
    assert!(
        std::fs::read_to_string(&seen)
            .unwrap()
            .contains("refs/heads/main"),
        "the old hook got the refs"
    );

    // A commit that quadruples the work: refused, with the metric and the ways out. (Starting
    // `sh` and `sleep` on a loaded machine adds tens of ms to both sides, which can make a 2x
    // step of 50 ms look like +50% or less.)
    set_work(&work, "0.2");
    commit(&work, "slower");
    let r = git(&work, &["push", "-q", "origin", "main"]);
    let said = format!("{}{}", r.stdout, r.stderr);
    assert_ne!(r.code, 0, "the push must be refused: {said}");
    assert!(said.contains("work.wall_time: +"), "{said}");
    // The hook checks the smoke subset: the untagged benchmark is not `missing`.
    assert!(!said.contains("missing"), "{said}");
    assert!(said.contains("partial run (--tag smoke)"), "{said}");
    let remote_head = git(&remote, &["rev-parse", "main"]).stdout;
    let first = git(&work, &["rev-parse", "HEAD~1"]).stdout;
    assert_eq!(remote_head, first, "the remote did not get the slow commit");
    // The advice to get past the hook works as printed.
    let advice = said
        .lines()
        .find_map(|l| l.strip_prefix("to push anyway, this once: "))
        .unwrap_or_else(|| panic!("no advice to push anyway: {said}"));
    assert_eq!(advice, "git push --no-verify");
    let words: Vec<&str> = advice.split_whitespace().collect();
    let r = git(&work, &[&words[1..], &["-q", "origin", "main"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        git(&remote, &["rev-parse", "main"]).stdout,
        git(&work, &["rev-parse", "HEAD"]).stdout,
        "--no-verify pushed the slow commit"
    );

    // The fix goes through.
    set_work(&work, "0.05");
    commit(&work, "fix");
    let r = git(&work, &["push", "-q", "origin", "main"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        git(&remote, &["rev-parse", "main"]).stdout,
        git(&work, &["rev-parse", "HEAD"]).stdout
    );

    // Uninstall restores the old hook byte for byte.
    let r = run(perfgate().args(["hook", "uninstall"]).current_dir(&work));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        old_hook
    );
}

#[test]
fn install_refuses_a_tag_no_benchmark_has() {
    if !common::have_tool("git", "--version", "a repository to install the hook in") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(git(dir.path(), &["init", "-q"]).code, 0);
    write(
        &dir.path().join("perfgate.toml"),
        "[[bench]]\nname = \"a\"\ncommand = [\"true\"]\n",
    );
    let r = run(perfgate().args(["hook", "install"]).current_dir(dir.path()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("has tag `smoke`"), "{}", r.stderr);
    let r = run(perfgate()
        .args(["hook", "install", "--all"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let hook = std::fs::read_to_string(dir.path().join(".git/hooks/pre-push")).unwrap();
    assert!(
        hook.contains("check --fail-on-regression < /dev/null"),
        "{hook}"
    );
}
