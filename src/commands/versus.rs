//! `perfgate versus A B`: interleaved A/B with outputs cross-checked. Exit codes: 0; 1 with
//! --fail-on-regression when B is critically worse; 2 for bad input or when the outputs
//! disagree (the comparison would be meaningless); 3 when a run fails.

use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

use super::{print_stderr, print_stdout};
use crate::cli::{Format, VersusArgs};
use crate::config::Exec;
use crate::error::{Error, ExitStatus, Result};
use crate::render::human::{format_pct, format_value};
use crate::render::style::table;
use crate::runner::{Interruption, ProcessExecutor, RunMeasurement, RunOutcome};
use crate::shell::{program, with_bin};
use crate::stats::SplitMix64;
use crate::versus::outputs::{agree_captured, comparable, Captured, Mode};
use crate::versus::{default_pcts, order, ratio, run_captured, verdict, MetricRatio, Side};

/// Reads one metric of a run.
type Pick = fn(&crate::runner::RunMeasurement) -> f64;

#[derive(Serialize)]
struct Outcome {
    a: String,
    b: String,
    pairs: usize,
    order: Vec<Side>,
    outputs: Outputs,
    metrics: Vec<MetricRatio>,
    /// Throughput of B relative to A (1 / wall-time ratio): above 1, B does more per second.
    throughput_ratio: Option<f64>,
    /// Peak RSS of B relative to A.
    peak_memory_ratio: Option<f64>,
    /// Start-up wall time of B relative to A (with --startup), and the two commands timed.
    startup_ratio: Option<f64>,
    startup: Option<[String; 2]>,
}

#[derive(Serialize)]
struct Outputs {
    mode: String,
    agree: bool,
    detail: String,
}

/// Runs `--compare-cmd` on the two outputs kept in `dir` (`a.out`, `b.out`).
fn compare_with_cmd(cmd: &str, dir: &Path) -> Result<std::result::Result<(), String>> {
    let (pa, pb) = (dir.join("a.out"), dir.join("b.out"));
    let status = std::process::Command::new("sh")
        .args(["-c", cmd])
        .env("A_OUT", &pa)
        .env("B_OUT", &pb)
        .status()
        .map_err(|e| Error::Io {
            context: format!("cannot run --compare-cmd `{cmd}`"),
            source: e,
        })?;
    Ok(if status.success() {
        Ok(())
    } else {
        Err(format!("--compare-cmd `{cmd}` says they differ ({status})"))
    })
}

/// Copies the output just captured in `out` to `to`, for `--compare-cmd` (a copy on disk:
/// an output may be larger than memory).
fn keep_file(out: &mut std::fs::File, to: &Path) -> Result<()> {
    let write_err = |source| Error::Write {
        path: to.to_path_buf(),
        source,
    };
    out.seek(SeekFrom::Start(0)).map_err(write_err)?;
    let mut file = std::fs::File::create(to).map_err(write_err)?;
    std::io::copy(out, &mut file).map_err(write_err)?;
    Ok(())
}

/// The two sides' commands, and their start-up commands, from the arguments.
struct Sides {
    commands: [String; 2],
    startup: Option<[String; 2]>,
}

fn sides(args: &VersusArgs) -> Result<Sides> {
    let a = args.a.clone().or_else(|| args.baseline_cmd.clone());
    let b = args.b.clone().or_else(|| args.candidate_cmd.clone());
    let (Some(a), Some(b)) = (a, b) else {
        return Err(Error::Usage(
            "versus needs two sides: A B, or --baseline-cmd and --candidate-cmd".into(),
        ));
    };
    let commands = match &args.cmd {
        Some(t) => [
            with_bin(t, &a).map_err(Error::Usage)?,
            with_bin(t, &b).map_err(Error::Usage)?,
        ],
        None => [a.clone(), b.clone()],
    };
    let startup = match &args.startup {
        None => None,
        Some(t) => {
            // With --cmd a side is its program; else the program is its command's first word.
            let prog = |side: &str| {
                if args.cmd.is_some() {
                    Ok(side.to_string())
                } else {
                    program(side).ok_or_else(|| Error::Usage(format!("`{side}` has no program")))
                }
            };
            Some([
                with_bin(t, &prog(&a)?).map_err(Error::Usage)?,
                with_bin(t, &prog(&b)?).map_err(Error::Usage)?,
            ])
        }
    };
    Ok(Sides { commands, startup })
}

/// An interrupted run ends `versus`: nothing is written.
fn stop_if_interrupted(m: &RunMeasurement, command: &str, what: impl Fn() -> String) -> Result<()> {
    match m.outcome {
        RunOutcome::Interrupted(signal) => Err(Error::Interrupted(Interruption {
            signal,
            bench: Some(command.to_string()),
            during: Some(format!("{} {}", what(), m.outcome.describe())),
        })),
        _ => Ok(()),
    }
}

pub fn versus(args: VersusArgs) -> Result<ExitStatus> {
    let sides = sides(&args)?;
    let mode = Mode::parse(&args.compare_output, args.tolerance).map_err(Error::Usage)?;
    if args.runs < 2 {
        return Err(Error::Usage("--runs must be at least 2".into()));
    }
    let cwd = std::env::current_dir().map_err(|e| Error::Io {
        context: "cannot read the current directory".into(),
        source: e,
    })?;
    let env = BTreeMap::new();
    let execs = sides.commands.clone().map(Exec::Shell);
    let mut exec = ProcessExecutor::new(false).map_err(|e| Error::Io {
        context: "cannot create a temporary file".into(),
        source: e,
    })?;
    let mut out = tempfile::tempfile().map_err(|e| Error::Io {
        context: "cannot create a temporary file".into(),
        source: e,
    })?;
    // With --compare-cmd, each side's first output is kept as a file for the command.
    let kept_dir = match &args.compare_cmd {
        Some(_) => Some(crate::tmpdir::create().map_err(|e| Error::Io {
            context: "cannot create a temporary directory".into(),
            source: e,
        })?),
        None => None,
    };
    let idx = |s: Side| usize::from(s == Side::B);
    let name = |s: Side| if s == Side::A { "A" } else { "B" };
    let mut first: [Option<Captured>; 2] = [None, None];
    let mut one = |side: Side,
                   label: &str,
                   first: &mut [Option<Captured>; 2]|
     -> Result<std::result::Result<crate::runner::RunMeasurement, ExitStatus>> {
        let is_first = first[idx(side)].is_none();
        let (m, captured) =
            run_captured(&mut exec, &execs[idx(side)], &env, &cwd, &mut out, is_first);
        stop_if_interrupted(&m, &sides.commands[idx(side)], || {
            format!("{} ({label})", name(side))
        })?;
        if !m.outcome.success() {
            print_stderr(&format!(
                "perfgate versus: {} ({label}) {}{}\n",
                name(side),
                m.outcome.describe(),
                if m.stderr_tail.is_empty() {
                    String::new()
                } else {
                    format!("; stderr: {}", m.stderr_tail)
                }
            ));
            return Ok(Err(ExitStatus::BenchmarkFailed));
        }
        let captured = captured.map_err(|e| Error::Io {
            context: "cannot read the captured stdout".into(),
            source: e,
        })?;
        match &first[idx(side)] {
            None => {
                if let Some(dir) = &kept_dir {
                    keep_file(
                        &mut out,
                        &dir.path().join(format!("{}.out", ["a", "b"][idx(side)])),
                    )?;
                }
                first[idx(side)] = Some(captured);
            }
            Some(f) if !f.same(&captured) => {
                print_stderr(&format!(
                    "perfgate versus: {}'s output changed between runs ({label}): not deterministic, so it cannot be cross-checked\n",
                    name(side)
                ));
                return Ok(Err(ExitStatus::BadInput));
            }
            Some(_) => {}
        }
        Ok(Ok(m))
    };
    // Warm-up (and the first cross-check).
    for i in 0..args.warmup.max(1) {
        for side in [Side::A, Side::B] {
            if let Err(code) = one(side, &format!("warm-up {}", i + 1), &mut first)? {
                return Ok(code);
            }
        }
    }
    let [Some(fa), Some(fb)] = first.clone() else {
        unreachable!("at least one warm-up run of each side");
    };
    let agreement = match (&args.compare_cmd, &kept_dir) {
        (Some(cmd), Some(dir)) => compare_with_cmd(cmd, dir.path())?,
        _ => {
            if let Err(why) = comparable(&mode, &fa, &fb) {
                print_stderr(&format!("perfgate versus: {why}\n"));
                return Ok(ExitStatus::BadInput);
            }
            agree_captured(&mode, &fa, &fb)
        }
    };
    if let Err(diff) = agreement {
        print_stderr(&format!(
            "perfgate versus: A and B disagree ({}): {diff}\ntiming two programs that disagree is meaningless; fix the output or choose --compare-output / --compare-cmd\n",
            args.compare_cmd.as_deref().map_or(mode.to_string(), |c| format!("--compare-cmd `{c}`"))
        ));
        return Ok(ExitStatus::BadInput);
    }
    let mut rng = SplitMix64::new(args.seed);
    let plan = order(args.runs as usize, &mut rng);
    let mut samples: [Vec<crate::runner::RunMeasurement>; 2] = [Vec::new(), Vec::new()];
    for (i, side) in plan.iter().enumerate() {
        match one(*side, &format!("run {}", i + 1), &mut first)? {
            Ok(m) => samples[idx(*side)].push(m),
            Err(code) => return Ok(code),
        }
    }
    // Start-up: the same plan again, on the start-up commands (outputs not compared: a
    // version string may differ); only their wall time is kept.
    let mut startup: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    if let Some(cmds) = &sides.startup {
        let startup_execs = cmds.clone().map(Exec::Shell);
        for (i, side) in plan.iter().enumerate() {
            let (m, _) = run_captured(
                &mut exec,
                &startup_execs[idx(*side)],
                &env,
                &cwd,
                &mut out,
                false,
            );
            stop_if_interrupted(&m, &cmds[idx(*side)], || {
                format!("{}'s start-up command (run {})", name(*side), i + 1)
            })?;
            if !m.outcome.success() {
                print_stderr(&format!(
                    "perfgate versus: {}'s start-up command `{}` (run {}) {}\n",
                    name(*side),
                    cmds[idx(*side)],
                    i + 1,
                    m.outcome.describe()
                ));
                return Ok(ExitStatus::BenchmarkFailed);
            }
            startup[idx(*side)].push(m.wall_time);
        }
    }
    drop(exec);
    crate::runner::interrupt::ensure_not_interrupted().map_err(Error::Interrupted)?;
    let pick = |s: &[crate::runner::RunMeasurement],
                f: fn(&crate::runner::RunMeasurement) -> f64|
     -> Vec<f64> { s.iter().map(f).collect() };
    let plans: [(&str, &str, Pick); 4] = [
        ("wall_time", "s", |m| m.wall_time),
        ("user_time", "s", |m| m.user_time),
        ("sys_time", "s", |m| m.sys_time),
        ("peak_rss", "bytes", |m| m.peak_rss_bytes as f64),
    ];
    let mut series: Vec<(&str, &str, [Vec<f64>; 2])> = plans
        .iter()
        .map(|(metric, unit, f)| {
            (
                *metric,
                *unit,
                [pick(&samples[0], *f), pick(&samples[1], *f)],
            )
        })
        .collect();
    if sides.startup.is_some() {
        series.push(("startup_time", "s", startup));
    }
    let metrics: Vec<MetricRatio> = series
        .iter()
        .map(|(metric, unit, [a, b])| {
            let paired = ratio(a, b, args.seed, metric);
            let (warn, fail) = match args.threshold_pct {
                Some(p) => (p.get() / 2.0, p.get()),
                None => default_pcts(unit),
            };
            let (significant, status) = verdict(paired, warn, fail);
            MetricRatio {
                metric: metric.to_string(),
                unit: unit.to_string(),
                a_median: crate::stats::median(a),
                b_median: crate::stats::median(b),
                ratio: paired.ratio(),
                ratio_ci95: paired.ci95(),
                significant,
                status: status.as_str().to_string(),
            }
        })
        .collect();
    let wall = metrics[0].ratio;
    let ratio_of = |name: &str| {
        metrics
            .iter()
            .find(|m| m.metric == name)
            .and_then(|m| m.ratio)
    };
    let [a, b] = sides.commands.clone();
    let outcome = Outcome {
        peak_memory_ratio: ratio_of("peak_rss"),
        startup_ratio: ratio_of("startup_time"),
        startup: sides.startup.clone(),
        a,
        b,
        pairs: args.runs as usize,
        order: plan,
        outputs: Outputs {
            mode: args
                .compare_cmd
                .as_ref()
                .map_or(args.compare_output.clone(), |_| "command".into()),
            agree: true,
            detail: match &args.compare_cmd {
                Some(c) => format!("--compare-cmd `{c}` accepted them"),
                None => format!("{mode} (A's stdout sha256 {})", &fa.sha256_hex()[..16]),
            },
        },
        metrics,
        throughput_ratio: wall.map(|w| 1.0 / w),
    };
    let json = serde_json::to_string_pretty(&outcome).expect("serializes") + "\n";
    if let Some(path) = &args.json_out {
        crate::model::file::write_atomic(path, json.as_bytes())?;
    }
    let text = match args.format {
        Format::Json => json,
        Format::Human | Format::Md => human(&outcome),
    };
    print_stdout(&text)?;
    let critical = outcome.metrics.iter().any(|m| m.status == "critical");
    Ok(if critical && args.fail_on_regression {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Pass
    })
}

/// A ratio at the precision its significance is judged at.
fn ratio_text(r: f64) -> String {
    format!("{r:.prec$}", prec = crate::versus::RATIO_DECIMALS as usize)
}

fn human(o: &Outcome) -> String {
    let mut rows = vec![[
        "metric",
        "A median",
        "B median",
        "B/A",
        "95% CI",
        "significant",
        "verdict",
    ]
    .map(String::from)
    .to_vec()];
    for m in &o.metrics {
        let (shown_ratio, ci) = match (m.ratio, m.ratio_ci95) {
            _ if m.status == "zero" => ("0 on both sides".to_string(), "-".to_string()),
            (None, _) => ("- (A's median is 0)".to_string(), "-".to_string()),
            (Some(r), ci) => (
                format!("{}x", ratio_text(r)),
                ci.map_or("-".into(), |[a, b]| {
                    format!("{} .. {}", ratio_text(a), ratio_text(b))
                }),
            ),
        };
        let judged = m.status != "zero" && m.status != "not judged";
        rows.push(vec![
            m.metric.clone(),
            format_value(m.a_median, &m.unit),
            format_value(m.b_median, &m.unit),
            shown_ratio,
            ci,
            match (judged, m.significant) {
                (false, _) => "-",
                (true, true) => "yes",
                (true, false) => "no",
            }
            .into(),
            m.status.clone(),
        ]);
    }
    let mut out = table(&rows, &[1, 2, 3, 4]);
    let ratio_or_dash =
        |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{}x", ratio_text(r)));
    out.push_str(&format!(
        "{} pairs in ABBA/BAAB blocks; outputs agree: {}\nthroughput B/A: {}{}; peak memory B/A: {}{}\n",
        o.pairs,
        o.outputs.detail,
        ratio_or_dash(o.throughput_ratio),
        o.throughput_ratio
            .map_or(String::new(), |t| format!(" ({})", format_pct((t - 1.0) * 100.0))),
        ratio_or_dash(o.peak_memory_ratio),
        o.startup_ratio
            .map_or(String::new(), |r| format!("; start-up B/A: {}x", ratio_text(r)))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, medians: [f64; 2], paired: crate::versus::Paired) -> MetricRatio {
        let (significant, status) = verdict(paired, 5.0, 10.0);
        MetricRatio {
            metric: name.into(),
            unit: "s".into(),
            a_median: medians[0],
            b_median: medians[1],
            ratio: paired.ratio(),
            ratio_ci95: paired.ci95(),
            significant,
            status: status.as_str().into(),
        }
    }

    #[test]
    fn metrics_without_a_ratio_are_shown_as_such() {
        use crate::versus::Paired;
        let outcome = Outcome {
            a: "sleep 0.01".into(),
            b: "sleep 0.012".into(),
            pairs: 4,
            order: Vec::new(),
            outputs: Outputs {
                mode: "bytes".into(),
                agree: true,
                detail: "same".into(),
            },
            metrics: vec![
                metric(
                    "wall_time",
                    [0.010, 0.012],
                    Paired::Ratio {
                        ratio: 1.2,
                        ci95: Some([1.0004, 1.25]),
                    },
                ),
                metric("sys_time", [0.0, 0.0], Paired::AllZero),
                metric("user_time", [0.0, 0.001], Paired::NoRatio),
            ],
            throughput_ratio: Some(1.0 / 1.2),
            peak_memory_ratio: None,
            startup_ratio: None,
            startup: None,
        };
        let text = human(&outcome);
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
        let row = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no {name} row in\n{text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        // The interval touches 1 as shown: not significant, so inconclusive, not critical.
        assert_eq!(
            row("wall_time"),
            "wall_time 10.0 ms 12.0 ms 1.200x 1.000 .. 1.250 no inconclusive"
        );
        assert_eq!(row("sys_time"), "sys_time 0 s 0 s 0 on both sides - - zero");
        assert_eq!(
            row("user_time"),
            "user_time 0 s 1.00 ms - (A's median is 0) - - not judged"
        );
        assert!(text.contains("peak memory B/A: -\n"), "{text}");
    }
}
