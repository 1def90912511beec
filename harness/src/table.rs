//! The table on stderr while the benchmarks run: one row per benchmark when its processes
//! are done, values in human units.

use std::io::Write;

use crate::report::Outcome;

pub(crate) struct Table {
    width: usize,
}

impl Table {
    /// Prints the header; `names` sets the first column's width.
    pub fn start<'a>(names: impl Iterator<Item = &'a str>, processes: usize) -> Table {
        let width = names.map(str::len).max().unwrap_or(9).max(9);
        let t = Table { width };
        t.line(&format!(
            "{:<w$}  {:>10}  {:>8}  {:>16}  {:>9}  {:>10}  {:>9}   ({processes} processes each)",
            "benchmark",
            "time/iter",
            "±95%",
            "throughput",
            "allocs",
            "bytes",
            "peak RSS",
            w = width
        ));
        t
    }

    pub fn row(&self, o: &Outcome) {
        let m = match &o.result {
            Ok(m) => m,
            Err(why) => {
                self.line(&format!("{:<w$}  FAILED: {why}", o.name, w = self.width));
                return;
            }
        };
        let metrics = m.metrics(o.throughput.as_ref());
        let find = |name: &str| metrics.iter().find(|x| x.name == name);
        let cell = |name: &str, f: fn(f64) -> String| {
            find(name).map_or("-".into(), |x| f(x.summary.median))
        };
        let ci = find("wall_time").map_or("-".into(), |t| {
            let s = &t.summary;
            format!(
                "{:.1}%",
                100.0 * (s.ci95_median[1] - s.ci95_median[0]) / 2.0 / s.median
            )
        });
        let rate = find("throughput").map_or("-".into(), |x| {
            format!("{} {}", si(x.summary.median), x.unit)
        });
        let mut row = format!(
            "{:<w$}  {:>10}  {:>8}  {:>16}  {:>9}  {:>10}  {:>9}",
            o.name,
            cell("wall_time", time),
            ci,
            rate,
            cell("allocations", |a| format!("{a:.1}")),
            cell("allocated_bytes", bytes),
            cell("peak_rss", bytes),
            w = self.width
        );
        if let Some((count, _)) = &m.instructions {
            row.push_str(&format!("  {} instr", si(*count)));
        }
        self.line(&row);
    }

    pub fn line(&self, text: &str) {
        // The table is for people; a closed stderr must not stop the run.
        let _ = writeln!(std::io::stderr(), "{text}");
    }
}

/// Seconds in ns, µs, ms or s, four significant digits.
pub(crate) fn time(s: f64) -> String {
    let (v, unit) = if s < 1e-6 {
        (s * 1e9, "ns")
    } else if s < 1e-3 {
        (s * 1e6, "µs")
    } else if s < 1.0 {
        (s * 1e3, "ms")
    } else {
        (s, "s")
    };
    format!("{} {unit}", four(v))
}

fn bytes(b: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i < units.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} B")
    } else {
        format!("{} {}", four(v), units[i])
    }
}

/// A count with k, M, G.
fn si(x: f64) -> String {
    if x >= 1e9 {
        format!("{}G", four(x / 1e9))
    } else if x >= 1e6 {
        format!("{}M", four(x / 1e6))
    } else if x >= 1e3 {
        format!("{}k", four(x / 1e3))
    } else {
        four(x)
    }
}

fn four(v: f64) -> String {
    let decimals = if v >= 100.0 {
        1
    } else if v >= 10.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(time(12.5e-9), "12.50 ns");
        assert_eq!(time(0.002_01), "2.010 ms");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0), "3.000 MiB");
        assert_eq!(si(2_500_000.0), "2.500M");
    }
}
