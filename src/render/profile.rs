//! A profile's summary for people: the terminal's lines and the pull-request comment's
//! section. Both say which profiler ran and why, the whole cost on each side, and the
//! functions whose inclusive cost grew the most.

use crate::model::profile::{BenchProfile, GrownFunction};
use crate::render::human::{format_bytes, format_pct, format_seconds, sig};
use crate::render::markdown::{escape, escape_code};
use crate::render::safe::one_line;

/// How many grown functions the summaries list.
pub const SHOWN: usize = 5;

/// A cost per run in the profile's unit.
pub fn format_cost(value: f64, unit: &str) -> String {
    match unit {
        "s" => format_seconds(value),
        "bytes" => format_bytes(value),
        _ => {
            let a = value.abs();
            let (v, prefix) = if a >= 1e9 {
                (value / 1e9, "G")
            } else if a >= 1e6 {
                (value / 1e6, "M")
            } else if a >= 1e3 {
                (value / 1e3, "k")
            } else {
                (value, "")
            };
            format!("{} {prefix}instr", sig(v))
        }
    }
}

/// The whole cost per run: `baseline <arrow> candidate`, or the candidate's alone.
pub fn per_run(p: &BenchProfile, arrow: &str) -> String {
    let candidate = format_cost(p.candidate.total, &p.unit);
    match &p.baseline {
        Some(b) => format!("{} {arrow} {candidate}", format_cost(b.total, &p.unit)),
        None => candidate,
    }
}

fn signed(value: f64, unit: &str) -> String {
    let text = format_cost(value.abs(), unit);
    if value < 0.0 {
        format!("-{text}")
    } else {
        format!("+{text}")
    }
}

fn percent(f: &GrownFunction) -> String {
    f.percent.map_or_else(|| "new".to_string(), format_pct)
}

/// The terminal's lines for one profile.
pub fn text(p: &BenchProfile) -> String {
    let mut out = format!(
        "{}: {} profile by {}\n  ({})\n",
        one_line(&p.benchmark),
        p.kind.as_str(),
        one_line(&p.tool),
        one_line(&p.why)
    );
    out.push_str(&format!(
        "  per run: {} ({} runs{})\n",
        per_run(p, "->"),
        p.candidate.runs,
        if p.baseline.is_some() { " a side" } else { "" }
    ));
    if let Some(note) = &p.note {
        out.push_str(&format!("  note: {}\n", one_line(note)));
    }
    if !p.grown.is_empty() {
        out.push_str("  grew most (inclusive cost per run):\n");
    }
    for f in p.grown.iter().take(SHOWN) {
        out.push_str(&format!(
            "    {:>12}  {:>9}  {}  (own {})\n",
            signed(f.delta, &p.unit),
            percent(f),
            one_line(&f.function),
            signed(f.self_delta, &p.unit)
        ));
    }
    for a in p.artifacts.iter().filter(|a| a.ends_with(".svg")) {
        out.push_str(&format!("  flame graph: {}\n", one_line(a)));
    }
    out
}

/// The pull-request comment's section for one profile; artifact paths become links.
pub fn markdown(p: &BenchProfile) -> String {
    let mut out = format!(
        "#### Why `{}` changed: {} profile\n\n{} ({}).",
        escape_code(&p.benchmark),
        p.kind.as_str(),
        escape(&p.tool),
        escape(&p.why)
    );
    out.push_str(&format!(" Per run: {}.\n\n", per_run(p, "→")));
    if let Some(note) = &p.note {
        out.push_str(&format!("> {}\n\n", escape(note)));
    }
    if !p.grown.is_empty() {
        out.push_str("| Function | Baseline | Candidate | Grew | Own cost grew |\n");
        out.push_str("|---|--:|--:|--:|--:|\n");
        for f in p.grown.iter().take(SHOWN) {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} ({}) | {} |\n",
                escape_code(&f.function),
                format_cost(f.baseline, &p.unit),
                format_cost(f.candidate, &p.unit),
                signed(f.delta, &p.unit),
                percent(f),
                signed(f.self_delta, &p.unit)
            ));
        }
        out.push('\n');
    }
    let links: Vec<String> = p
        .artifacts
        .iter()
        .filter(|a| a.ends_with(".svg"))
        .map(|a| {
            let name = a.rsplit('/').next().unwrap_or(a);
            format!(
                "[{}]({})",
                escape(name),
                a.replace(' ', "%20").replace(')', "%29")
            )
        })
        .collect();
    if !links.is_empty() {
        out.push_str(&format!("Flame graphs: {}\n\n", links.join(" · ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::{ProfileKind, ProfileSide};

    fn profile() -> BenchProfile {
        let side = |total| ProfileSide {
            command: "build/app".into(),
            runs: 4,
            total,
            folded: String::new(),
            truncated: false,
        };
        BenchProfile {
            benchmark: "parse|big".into(),
            kind: ProfileKind::Cpu,
            tool: "perf version 6.1.187 (cpu-clock, 999 Hz, dwarf call graphs)".into(),
            why: "perf may record the cpu-clock software event here".into(),
            unit: "s".into(),
            baseline: Some(side(0.1)),
            candidate: side(0.3),
            grown: vec![GrownFunction {
                function: "app::hot".into(),
                baseline: 0.09,
                candidate: 0.29,
                delta: 0.2,
                percent: Some(222.2),
                self_delta: 0.195,
            }],
            artifacts: vec![".perfgate/profiles/parse/cpu/diff.svg".into()],
            note: None,
        }
    }

    #[test]
    fn the_terminal_summary_names_the_function_with_its_growth() {
        let t = text(&profile());
        assert!(
            t.contains("per run: 100 ms -> 300 ms (4 runs a side)"),
            "{t}"
        );
        assert!(
            t.contains("+200 ms    +222.2%  app::hot  (own +195 ms)"),
            "{t}"
        );
        assert!(
            t.contains("flame graph: .perfgate/profiles/parse/cpu/diff.svg"),
            "{t}"
        );
    }

    #[test]
    fn the_markdown_section_has_a_table_and_links() {
        let m = markdown(&profile());
        assert!(
            m.contains("| `app::hot` | 90.0 ms | 290 ms | +200 ms (+222.2%) | +195 ms |"),
            "{m}"
        );
        assert!(
            m.contains("[diff.svg](.perfgate/profiles/parse/cpu/diff.svg)"),
            "{m}"
        );
        assert!(
            m.contains("#### Why `parse|big` changed: cpu profile"),
            "{m}"
        );
    }

    #[test]
    fn instructions_and_bytes_read_well() {
        assert_eq!(format_cost(1_234_567_890.0, "instructions"), "1.23 Ginstr");
        assert_eq!(format_cost(4.0 * 1024.0 * 1024.0, "bytes"), "4.00 MiB");
    }
}
