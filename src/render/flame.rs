//! Flame graphs of a profile, as SVG (inferno's renderer): one per side, and a differential
//! one drawn with the candidate's widths, each frame red where it grew and blue where it
//! shrank. Drawn from the folded stacks kept in the report, so a stored run draws them again.

use crate::model::profile::{BenchProfile, ProfileSide};

/// The flame graphs of one profile: `(file name, svg)` for the candidate, the baseline when
/// there is one, and their difference.
pub fn svgs(p: &BenchProfile) -> Result<Vec<(&'static str, String)>, String> {
    let mut out = Vec::new();
    if let Some(b) = &p.baseline {
        out.push(("baseline.svg", side(p, b, "baseline")?));
    }
    out.push(("candidate.svg", side(p, &p.candidate, "candidate")?));
    if let Some(b) = &p.baseline {
        out.push(("diff.svg", differential(p, b, &p.candidate)?));
    }
    Ok(out)
}

fn options(p: &BenchProfile, title: String) -> inferno::flamegraph::Options<'static> {
    let mut o = inferno::flamegraph::Options::default();
    o.title = title;
    o.subtitle = Some(p.tool.clone());
    o.count_name = count_name(p).into();
    o.deterministic = true;
    o.image_width = Some(1200);
    o
}

/// What one unit of a folded weight is.
fn count_name(p: &BenchProfile) -> &'static str {
    match p.unit.as_str() {
        "instructions" => "instructions",
        "bytes" => "bytes",
        _ => "samples",
    }
}

fn side(p: &BenchProfile, s: &ProfileSide, which: &str) -> Result<String, String> {
    let mut o = options(
        p,
        format!(
            "{}: {} ({which}, {} runs)",
            p.benchmark,
            p.kind.as_str(),
            s.runs
        ),
    );
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut o, s.folded.lines(), &mut svg)
        .map_err(|e| format!("flame graph of {} ({which}): {e}", p.benchmark))?;
    String::from_utf8(svg).map_err(|e| e.to_string())
}

fn differential(
    p: &BenchProfile,
    before: &ProfileSide,
    after: &ProfileSide,
) -> Result<String, String> {
    let mut pairs = Vec::new();
    let opt = inferno::differential::Options::default();
    inferno::differential::from_readers(
        opt,
        scaled(before, after.runs).as_bytes(),
        after.folded.as_bytes(),
        &mut pairs,
    )
    .map_err(|e| format!("differential flame graph of {}: {e}", p.benchmark))?;
    let mut o = options(
        p,
        format!(
            "{}: {} growth, baseline -> candidate (red grew, blue shrank)",
            p.benchmark,
            p.kind.as_str()
        ),
    );
    let mut svg = Vec::new();
    let text = String::from_utf8_lossy(&pairs).into_owned();
    inferno::flamegraph::from_lines(&mut o, text.lines(), &mut svg)
        .map_err(|e| format!("differential flame graph of {}: {e}", p.benchmark))?;
    String::from_utf8(svg).map_err(|e| e.to_string())
}

/// `side`'s folded stacks with weights rescaled to `runs` runs, so that both sides of a
/// differential count the same number of runs.
fn scaled(side: &ProfileSide, runs: u32) -> String {
    if side.runs == runs || side.runs == 0 {
        return side.folded.clone();
    }
    let factor = f64::from(runs) / f64::from(side.runs);
    side.folded
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .filter_map(|(stack, w)| w.parse::<f64>().ok().map(|w| (stack, w)))
        .map(|(stack, w)| format!("{stack} {}\n", (w * factor).round() as u64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::ProfileKind;

    fn side(folded: &str, runs: u32) -> ProfileSide {
        ProfileSide {
            command: "app".into(),
            runs,
            total: 0.0,
            folded: folded.into(),
            truncated: false,
        }
    }

    #[test]
    fn three_svgs_name_the_frames_and_the_diff_colours_growth() {
        let p = BenchProfile {
            benchmark: "b<&>".into(),
            kind: ProfileKind::Cpu,
            tool: "callgrind".into(),
            why: String::new(),
            unit: "instructions".into(),
            baseline: Some(side("main;hot 100\nmain;cold 100\n", 1)),
            candidate: side("main;hot 300\nmain;cold 100\n", 1),
            grown: Vec::new(),
            artifacts: Vec::new(),
            note: None,
        };
        let svgs = svgs(&p).unwrap();
        let names: Vec<&str> = svgs.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["baseline.svg", "candidate.svg", "diff.svg"]);
        for (_, svg) in &svgs {
            assert!(svg.contains("<svg"), "{svg}");
            assert!(svg.contains("hot"));
            // The benchmark's name is escaped in the title.
            assert!(svg.contains("b&lt;&amp;&gt;"));
        }
        // inferno titles a differential frame with its growth as a share of the candidate's
        // total: (300 - 100) / 400 = +50%.
        assert!(svgs[2]
            .1
            .contains("hot (300 instructions, 75.00%; +50.00%)"));
        assert!(svgs[2].1.contains("cold (100 instructions, 25.00%; 0.00%)"));
    }

    #[test]
    fn a_side_with_more_runs_is_scaled_to_the_others() {
        assert_eq!(scaled(&side("a;b 10\na 3\n", 2), 4), "a;b 20\na 6\n");
        assert_eq!(scaled(&side("a;b 10\n", 4), 4), "a;b 10\n");
    }
}
