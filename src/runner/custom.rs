//! Metrics a benchmark reports itself, per run: lines on its stdout such as
//!
//! ```text
//! PERFGATE_METRIC name=accuracy value=0.9987 unit=ratio direction=higher
//! ```
//!
//! or a JSON file at the path perfgate passes in `PERFGATE_METRICS_FILE`:
//! `{"accuracy": {"value": 0.9987, "unit": "ratio", "direction": "higher"}}`. Each run gives
//! one sample per metric; a metric must come with the same unit and direction in every
//! measured run, and in all of them (a metric that sometimes goes missing would make its
//! samples a biased subset).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::Direction;

pub const METRICS_FILE_VAR: &str = "PERFGATE_METRICS_FILE";
const LINE_PREFIX: &str = "PERFGATE_METRIC ";

#[derive(Debug, Clone, PartialEq)]
pub struct CustomSeries {
    pub unit: String,
    pub direction: Direction,
    pub samples: Vec<f64>,
}

/// Collects the custom metrics of one benchmark's measured runs.
#[derive(Debug, Default)]
pub struct CustomMetrics {
    series: BTreeMap<String, CustomSeries>,
    runs: usize,
}

/// One value as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub direction: Direction,
}

impl CustomMetrics {
    /// Adds one measured run's reports. Errors name the metric and what is inconsistent.
    pub fn add_run(&mut self, reports: Vec<Reported>) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for r in reports {
            if !seen.insert(r.name.clone()) {
                return Err(format!(
                    "custom metric `{}` reported twice in one run",
                    r.name
                ));
            }
            match self.series.get_mut(&r.name) {
                Some(s) => {
                    if s.unit != r.unit || s.direction != r.direction {
                        return Err(format!(
                            "custom metric `{}` changed its unit or direction between runs ({} -> {})",
                            r.name, s.unit, r.unit
                        ));
                    }
                    s.samples.push(r.value);
                }
                None if self.runs > 0 => {
                    return Err(format!(
                        "custom metric `{}` first reported in run {}, not in every run",
                        r.name,
                        self.runs + 1
                    ))
                }
                None => {
                    self.series.insert(
                        r.name,
                        CustomSeries {
                            unit: r.unit,
                            direction: r.direction,
                            samples: vec![r.value],
                        },
                    );
                }
            }
        }
        self.runs += 1;
        if let Some((name, s)) = self
            .series
            .iter()
            .find(|(_, s)| s.samples.len() != self.runs)
        {
            return Err(format!(
                "custom metric `{name}` missing from run {} (reported in {} of {} runs)",
                self.runs,
                s.samples.len(),
                self.runs
            ));
        }
        Ok(())
    }

    pub fn into_series(self) -> BTreeMap<String, CustomSeries> {
        self.series
    }
}

/// The longest `PERFGATE_METRIC` line read, in bytes: a longer line starting with the prefix
/// is refused, so what perfgate keeps of a benchmark's stdout stays bounded.
pub const MAX_LINE_BYTES: usize = 4096;
/// The most `PERFGATE_METRIC` lines one run may print.
pub const MAX_LINES: usize = 1000;

/// The `PERFGATE_METRIC` lines of a run's stdout, picked out as it is read: every other line
/// is dropped as it goes by, whatever its length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricLines {
    /// (line number, text) of each metric line.
    lines: Vec<(u64, String)>,
    /// The first line that could not be kept, and why.
    problem: Option<String>,
    /// Lines seen, the current one excluded.
    number: u64,
    /// The start of the current line, while it may still be a metric line.
    current: Vec<u8>,
    current_len: u64,
    /// The current line cannot be a metric line.
    skipping: bool,
}

impl MetricLines {
    pub fn feed(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() {
            match newline(chunk) {
                Some(i) => {
                    self.take(&chunk[..i]);
                    self.end_line();
                    chunk = &chunk[i + 1..];
                }
                None => {
                    self.take(chunk);
                    break;
                }
            }
        }
    }

    /// The end of the output: a last line without a newline counts.
    pub fn finish(&mut self) {
        if self.current_len > 0 {
            self.end_line();
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        self.current_len += bytes.len() as u64;
        if self.skipping {
            return;
        }
        let room = (MAX_LINE_BYTES + 1).saturating_sub(self.current.len());
        self.current
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        let prefix = LINE_PREFIX.as_bytes();
        let n = self.current.len().min(prefix.len());
        if self.current[..n] != prefix[..n] {
            self.skipping = true;
            self.current.clear();
        }
    }

    fn end_line(&mut self) {
        self.number += 1;
        let is_metric = !self.skipping && self.current.starts_with(LINE_PREFIX.as_bytes());
        if is_metric && self.problem.is_none() {
            if self.current_len > MAX_LINE_BYTES as u64 {
                self.problem = Some(format!(
                    "stdout line {} starts with `{}` but is {} bytes long, over the {MAX_LINE_BYTES} a metric line may have",
                    self.number,
                    LINE_PREFIX.trim_end(),
                    self.current_len
                ));
            } else if self.lines.len() >= MAX_LINES {
                self.problem = Some(format!(
                    "stdout line {}: more than {MAX_LINES} `{}` lines in one run",
                    self.number,
                    LINE_PREFIX.trim_end()
                ));
            } else {
                let text = String::from_utf8_lossy(&self.current);
                self.lines.push((self.number, text.trim_end().to_string()));
            }
        }
        self.current.clear();
        self.current_len = 0;
        self.skipping = false;
    }
}

/// The first `\n` in `bytes`. libc's memchr: a benchmark may print gigabytes, and this runs
/// at memory speed even in a debug build.
fn newline(bytes: &[u8]) -> Option<usize> {
    // SAFETY: memchr reads at most `bytes.len()` bytes from a valid slice.
    let p = unsafe { libc::memchr(bytes.as_ptr().cast(), b'\n' as i32, bytes.len()) };
    (!p.is_null()).then(|| p as usize - bytes.as_ptr() as usize)
}

/// The metrics reported by a run's `PERFGATE_METRIC` lines.
pub fn from_stdout(lines: &MetricLines) -> Result<Vec<Reported>, String> {
    if let Some(problem) = &lines.problem {
        return Err(problem.clone());
    }
    lines
        .lines
        .iter()
        .map(|(number, text)| parse_line(text).map_err(|e| format!("stdout line {number}: {e}")))
        .collect()
}

/// `PERFGATE_METRIC name=accuracy value=0.9987 unit=ratio direction=higher`.
pub fn parse_line(line: &str) -> Result<Reported, String> {
    let rest = line
        .strip_prefix(LINE_PREFIX)
        .ok_or("not a PERFGATE_METRIC line")?;
    let mut fields = BTreeMap::new();
    for word in rest.split_whitespace() {
        let (k, v) = word
            .split_once('=')
            .ok_or_else(|| format!("`{word}` is not key=value"))?;
        if fields.insert(k, v).is_some() {
            return Err(format!("`{k}` given twice"));
        }
    }
    let get = |k: &str| fields.get(k).copied();
    if let Some(k) = fields
        .keys()
        .find(|k| !["name", "value", "unit", "direction"].contains(k))
    {
        return Err(format!(
            "unknown key `{k}` (known: name, value, unit, direction)"
        ));
    }
    let name = get("name")
        .filter(|n| !n.is_empty())
        .ok_or("`name=` is missing")?;
    let text = get("value").ok_or("`value=` is missing")?;
    let value: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`value={text}` is not a finite number"))?;
    reported(name, value, get("unit"), get("direction"))
}

fn reported(
    name: &str,
    value: f64,
    unit: Option<&str>,
    direction: Option<&str>,
) -> Result<Reported, String> {
    let unit = unit.unwrap_or("").to_string();
    if value < 0.0 && crate::model::units::never_negative(&unit) {
        return Err(format!(
            "`{name}` = {value} {unit} is negative, which a measurement in {unit} cannot be"
        ));
    }
    let direction = match direction {
        None => {
            if unit.ends_with("/s") {
                Direction::HigherIsBetter
            } else {
                Direction::LowerIsBetter
            }
        }
        Some("lower" | "lower_is_better") => Direction::LowerIsBetter,
        Some("higher" | "higher_is_better") => Direction::HigherIsBetter,
        Some(d) => return Err(format!("direction `{d}`: must be `lower` or `higher`")),
    };
    Ok(Reported {
        name: name.to_string(),
        value,
        unit,
        direction,
    })
}

/// The metrics file a run wrote, if it wrote one; removed after reading.
pub fn from_file(path: &Path) -> Result<Vec<Reported>, String> {
    let text = match crate::read::text(path) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let _ = std::fs::remove_file(path);
    let value: serde_json::Value = crate::strict_json::from_str(&text)
        .map_err(|e| format!("{METRICS_FILE_VAR}: not JSON: {e}"))?;
    let obj = value
        .as_object()
        .ok_or(format!("{METRICS_FILE_VAR}: not an object of metrics"))?;
    obj.iter()
        .map(|(name, m)| {
            let field = |k: &str| m.get(k);
            let value = field("value")
                .and_then(serde_json::Value::as_f64)
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{METRICS_FILE_VAR}: {name}.value {} is not a finite number",
                        field("value")
                            .map_or("(missing)".to_string(), std::string::ToString::to_string)
                    )
                })?;
            reported(
                name,
                value,
                field("unit").and_then(|u| u.as_str()),
                field("direction").and_then(|d| d.as_str()),
            )
            .map_err(|e| format!("{METRICS_FILE_VAR}: {name}: {e}"))
        })
        .collect()
}

/// A fresh path for a benchmark's metrics file (in a directory removed with the value).
pub struct MetricsFile {
    dir: tempfile::TempDir,
}

impl MetricsFile {
    pub fn new() -> std::io::Result<Self> {
        Ok(MetricsFile {
            dir: crate::tmpdir::create()?,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("metrics.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_defaults_and_errors_say_what() {
        let r =
            parse_line("PERFGATE_METRIC name=accuracy value=0.9987 unit=ratio direction=higher")
                .unwrap();
        assert_eq!(r.name, "accuracy");
        assert_eq!(r.value, 0.9987);
        assert_eq!(r.direction, Direction::HigherIsBetter);
        let r = parse_line("PERFGATE_METRIC name=rate value=5 unit=req/s").unwrap();
        assert_eq!(r.direction, Direction::HigherIsBetter);
        let r = parse_line("PERFGATE_METRIC name=load value=1.5e-3 unit=s").unwrap();
        assert_eq!((r.value, r.direction), (1.5e-3, Direction::LowerIsBetter));
        assert_eq!(
            parse_line("PERFGATE_METRIC value=1").unwrap_err(),
            "`name=` is missing"
        );
        assert_eq!(
            parse_line("PERFGATE_METRIC name=a value=NaN").unwrap_err(),
            "`value=NaN` is not a finite number"
        );
        assert_eq!(
            parse_line("PERFGATE_METRIC name=lat value=-2 unit=s").unwrap_err(),
            "`lat` = -2 s is negative, which a measurement in s cannot be"
        );
        assert_eq!(
            parse_line("PERFGATE_METRIC name=delta value=-2 unit=ratio")
                .unwrap()
                .value,
            -2.0
        );
        assert!(parse_line("PERFGATE_METRIC name=a value=1 colour=red")
            .unwrap_err()
            .contains("unknown key `colour`"));
        assert!(parse_line("PERFGATE_METRIC name=a value=1 direction=up")
            .unwrap_err()
            .contains("direction `up`"));
    }

    /// `output` fed in pieces of `piece` bytes, as reads from a pipe would give it.
    fn scanned(output: &[u8], piece: usize) -> Result<Vec<Reported>, String> {
        let mut lines = MetricLines::default();
        for chunk in output.chunks(piece) {
            lines.feed(chunk);
        }
        lines.finish();
        from_stdout(&lines)
    }

    #[test]
    fn metric_lines_are_picked_out_of_any_output_in_any_pieces() {
        let mut out = b"noise\n".to_vec();
        out.extend(vec![b'x'; 3 * MAX_LINE_BYTES]);
        out.extend(b"\nPERFGATE_METRIC name=a value=1\nPERFGATE_METRICS are not this\n");
        out.extend(b"PERFGATE_METRIC name=b value=2 unit=ratio");
        for piece in [1, 7, 4096, out.len()] {
            let r = scanned(&out, piece).unwrap();
            let got: Vec<(&str, f64)> = r.iter().map(|m| (m.name.as_str(), m.value)).collect();
            assert_eq!(got, [("a", 1.0), ("b", 2.0)], "pieces of {piece}");
        }
        assert_eq!(
            scanned(b"ok\nPERFGATE_METRIC name=a\n", 3).unwrap_err(),
            "stdout line 2: `value=` is missing"
        );
    }

    #[test]
    fn an_overlong_or_excess_metric_line_is_refused_with_its_line_number() {
        let mut out = b"x\nPERFGATE_METRIC name=a value=1 ".to_vec();
        out.extend(vec![b' '; MAX_LINE_BYTES]);
        out.extend(b"\n");
        let len = out.len() - 3;
        assert_eq!(
            scanned(&out, 1000).unwrap_err(),
            format!("stdout line 2 starts with `PERFGATE_METRIC` but is {len} bytes long, over the 4096 a metric line may have")
        );
        let many = "PERFGATE_METRIC name=a value=1\n".repeat(MAX_LINES + 1);
        assert_eq!(
            scanned(many.as_bytes(), 4096).unwrap_err(),
            "stdout line 1001: more than 1000 `PERFGATE_METRIC` lines in one run"
        );
    }

    #[test]
    fn every_run_must_report_every_metric_the_same_way() {
        let rep = |v: f64| Reported {
            name: "a".into(),
            value: v,
            unit: "ratio".into(),
            direction: Direction::HigherIsBetter,
        };
        let mut c = CustomMetrics::default();
        c.add_run(vec![rep(1.0)]).unwrap();
        c.add_run(vec![rep(2.0)]).unwrap();
        assert_eq!(c.into_series()["a"].samples, vec![1.0, 2.0]);
        let mut c = CustomMetrics::default();
        c.add_run(vec![rep(1.0)]).unwrap();
        assert!(c
            .add_run(vec![])
            .unwrap_err()
            .contains("missing from run 2"));
        let mut c = CustomMetrics::default();
        c.add_run(vec![]).unwrap();
        assert!(c
            .add_run(vec![rep(1.0)])
            .unwrap_err()
            .contains("first reported in run 2"));
        let mut c = CustomMetrics::default();
        c.add_run(vec![rep(1.0)]).unwrap();
        let mut other = rep(1.0);
        other.unit = "%".into();
        assert!(c
            .add_run(vec![other])
            .unwrap_err()
            .contains("changed its unit"));
    }
}
