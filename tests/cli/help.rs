//! Every command's help follows the one convention written at the top of `src/cli.rs`: walked
//! through clap's `Command` tree, each visible option and argument is checked; then the
//! binary's own help output is read for what the structure cannot show, and the spellings
//! kept as hidden aliases are checked to still work.

use crate::common;

use std::collections::BTreeMap;

use clap::{Arg, CommandFactory, Parser};
use common::{perfgate, run};
use perfgate::cli::{Cli, Command as Sub};

/// Every visible command below the top, with its path (`baseline save`).
fn commands() -> Vec<(String, clap::Command)> {
    fn walk(prefix: &str, cmd: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        // clap's generated `help` subcommand is clap's, not ours.
        for sub in cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            let path = format!("{prefix}{}", sub.get_name()).trim().to_string();
            out.push((path.clone(), sub.clone()));
            walk(&format!("{path} "), sub, out);
        }
    }
    let mut cli = Cli::command();
    cli.build();
    let mut out = Vec::new();
    walk("", &cli, &mut out);
    out
}

fn visible_args(cmd: &clap::Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set() && a.get_id() != "help" && a.get_id() != "version")
}

fn help_text(a: &Arg) -> String {
    a.get_long_help()
        .or(a.get_help())
        .map(std::string::ToString::to_string)
        .unwrap_or_default()
}

fn shown_default(a: &Arg) -> Option<String> {
    if a.is_hide_default_value_set() || a.get_default_values().is_empty() {
        return None;
    }
    Some(
        a.get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(","),
    )
}

#[test]
fn the_walk_sees_every_command() {
    let names: Vec<String> = commands().into_iter().map(|(n, _)| n).collect();
    for expected in [
        "run",
        "check",
        "baseline save",
        "hook uninstall",
        "ci init",
        "doctor",
    ] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    assert!(
        !names.iter().any(|n| n == "bisect-step"),
        "hidden: {names:?}"
    );
}

#[test]
fn every_option_and_argument_is_described_once_with_one_default() {
    let mut problems = Vec::new();
    for (path, cmd) in commands() {
        if cmd.get_about().is_none() {
            problems.push(format!("`{path}` has no description"));
        }
        for a in visible_args(&cmd) {
            let name = a
                .get_long()
                .map_or_else(|| a.get_id().to_string(), |l| format!("--{l}"));
            let text = help_text(a);
            if text.trim().is_empty() {
                problems.push(format!("`{path} {name}` has no description"));
            }
            let written = text.matches("[default:").count();
            if written > 1 || (written == 1 && shown_default(a).is_some()) {
                problems.push(format!("`{path} {name}` shows its default twice: {text}"));
            }
            if text.contains("(default") {
                problems.push(format!(
                    "`{path} {name}` writes its default as `(default ...)`, not `[default: ...]`: {text}"
                ));
            }
            if let Some(d) = shown_default(a) {
                if d.chars().filter(char::is_ascii_digit).count() > 9 {
                    problems.push(format!("`{path} {name}` shows an unreadable default {d}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_option_is_spelled_twice_in_a_command() {
    let mut problems = Vec::new();
    for (path, cmd) in commands() {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for a in cmd.get_arguments() {
            let id = a.get_id().to_string();
            let spellings = a
                .get_long_and_visible_aliases()
                .into_iter()
                .flatten()
                .chain(a.get_all_aliases().into_iter().flatten())
                .map(|l| format!("--{l}"))
                .chain(a.get_short().map(|s| format!("-{s}")));
            for s in spellings {
                if let Some(other) = seen.insert(s.clone(), id.clone()) {
                    if other != id {
                        problems.push(format!("`{path}`: {s} is both `{other}` and `{id}`"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Options whose values differ in kind between commands, and why.
const VALUE_NAME_EXCEPTIONS: [(&str, &str); 3] = [
    (
        "output",
        "attest writes two files into a directory (DIR); the others write a FILE",
    ),
    (
        "bench",
        "bisect needs one benchmark by its exact NAME; the others take a GLOB",
    ),
    (
        "metric",
        "detect scans every metric matching a GLOB; history, report and bisect follow one metric by NAME",
    ),
];

/// One option, one value name: `--suite <NAME>` in every command that has `--suite`.
#[test]
fn an_option_has_the_same_value_name_everywhere() {
    let mut names: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (path, cmd) in commands() {
        for a in visible_args(&cmd).filter(|a| a.get_action().takes_values()) {
            let (Some(long), Some(vn)) = (a.get_long(), a.get_value_names()) else {
                continue;
            };
            let vn = vn
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            names
                .entry(long.to_string())
                .or_default()
                .entry(vn)
                .or_default()
                .push(path.clone());
        }
    }
    let mixed: Vec<String> = names
        .iter()
        .filter(|(long, by_name)| {
            by_name.len() > 1 && !VALUE_NAME_EXCEPTIONS.iter().any(|(l, _)| l == long)
        })
        .map(|(long, by_name)| format!("--{long}: {by_name:?}"))
        .collect();
    assert!(mixed.is_empty(), "\n{}", mixed.join("\n"));
}

/// The binary's help, short and long, for every command: no default in two places on one
/// option and no option without a description, as a reader sees it.
#[test]
fn the_printed_help_of_every_command_reads_cleanly() {
    for (path, _) in commands() {
        for flag in ["-h", "--help"] {
            let words: Vec<&str> = path.split(' ').chain([flag]).collect();
            let r = run(perfgate().args(&words));
            assert_eq!(r.code, 0, "{path} {flag}: {}", r.stderr);
            // An option's entry: from its line to the next option's (long help spreads it).
            let mut entries: Vec<String> = Vec::new();
            for line in r.stdout.lines() {
                let t = line.trim_start();
                // Entries start at most 6 columns in; their descriptions are indented further.
                let head = line.len() - t.len() <= 6;
                let argument = head && (t.starts_with('<') || t.starts_with('['));
                // `--long` or `-s, --long`; not a possible value's `- name: ...` line.
                let option = head
                    && (t.starts_with("--")
                        || t.len() > 1
                            && t.starts_with('-')
                            && t.as_bytes()[1].is_ascii_alphanumeric());
                if option || argument {
                    entries.push(String::new());
                }
                if let Some(e) = entries.last_mut() {
                    e.push_str(t);
                    e.push('\n');
                }
            }
            for e in &entries {
                assert!(
                    e.matches("[default:").count() <= 1,
                    "{path} {flag}: default twice in\n{e}"
                );
                let first = e.lines().next().unwrap_or_default();
                let described = first.split("  ").filter(|p| !p.trim().is_empty()).count() > 1
                    || e.lines().nth(1).is_some_and(|l| !l.trim().is_empty());
                assert!(described, "{path} {flag}: no description in\n{e}");
            }
        }
    }
}

#[test]
fn old_spellings_still_work_as_hidden_aliases() {
    let doctor = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
        Sub::Doctor(d) => d,
        other => panic!("{other:?}"),
    };
    assert!(doctor(&["perfgate", "doctor", "--json"]).wants_json());
    assert!(doctor(&["perfgate", "doctor", "--format", "json"]).wants_json());
    assert!(!doctor(&["perfgate", "doctor"]).wants_json());
    for spelling in ["--out-dir", "--output", "-o"] {
        match Cli::try_parse_from(["perfgate", "attest", spelling, "dir", "a.json"])
            .unwrap()
            .command
        {
            Sub::Attest(a) => assert_eq!(a.output, std::path::PathBuf::from("dir")),
            other => panic!("{other:?}"),
        }
    }
    let r = run(perfgate().args(["doctor", "--help"]));
    assert!(!r.stdout.contains("--json"), "{}", r.stdout);
    assert!(r.stdout.contains("--format"), "{}", r.stdout);
}

/// The seed's default is the fixed seed, though the help describes it instead of printing it.
#[test]
fn the_default_seed_is_still_the_fixed_one() {
    match Cli::try_parse_from(["perfgate", "run", "--", "true"])
        .unwrap()
        .command
    {
        Sub::Run(r) => assert_eq!(r.seed, perfgate::commands::DEFAULT_SEED),
        other => panic!("{other:?}"),
    }
}
