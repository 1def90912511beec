//! The text benchmark-ips prints to stdout:
//!
//! ```text
//! Warming up --------------------------------------
//!                 join    48.065k i/100ms
//! inject with String#+ over eight words
//!                         26.642k i/100ms
//! Calculating -------------------------------------
//!                 join    476.937k (±25.4%) i/s -    913.235k in   2.048570s
//! inject with String#+ over eight words
//!                         454.957k (±38.5%) i/s -    799.260k in   2.100759s
//!
//! Comparison:
//!                 join:   476937.2 i/s
//! ```
//!
//! - A label is right-aligned in 20 columns; a longer one is printed alone on its line and
//!   its numbers on the next, indented by 20 spaces.
//! - `Warming up`: `<label> <cycles> i/100ms`, the calls per sample. `Calculating`:
//!   `<label> <ips> (±<pct>%) i/s - <iterations>[ in <seconds>s]`, where `<pct>` is the
//!   standard deviation of the rate in percent of it (one decimal), and `<iterations>` the
//!   calls over all samples.
//! - Numbers are scaled by default (`476.937k`, `1.696M`, `3.323 `: three decimals and a
//!   suffix k, M, B, T or Q); with `Benchmark::IPS.options[:format] = :raw` they are plain
//!   (`46033051.9`, iterations and cycles as integers).
//! - With `x.iterations = N` the warm-up and the measurement run N times, so a label is
//!   printed N times: the last measurement is the result, as benchmark-ips's own report
//!   keeps it. A second `Warming up` header starts another `Benchmark.ips` run; a label in two
//!   runs is refused, as two different results for one name.
//! - `Comparison:` starts the ranking, which is not read; the program's own output between
//!   sections is ignored.
//!
//! The number of samples is `iterations / cycles` when the printed digits fix it to one
//! whole number (always with `:raw`; with scaling, when the rounding of `2.973M` still leaves
//! a single candidate). The rate's printed digits are its central value, and the standard
//! deviation is `pct / 100` of it.

use std::collections::BTreeMap;

use super::{Entry, NAME};
use crate::ingest::{text, IngestError, Input};

const WARMING: &str = "Warming up -";
const CALCULATING: &str = "Calculating -";

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    Warming,
    Calculating,
}

/// The state of a walk through the lines.
struct Walk<'a> {
    section: Section,
    /// Which `Benchmark.ips` run (counted by `Warming up` headers).
    run: usize,
    /// A line that may be a long label, waiting for its numbers on the next line.
    pending: Option<&'a str>,
    /// Calls per sample of each label in this run: value and half its last printed digit.
    cycles: BTreeMap<&'a str, (f64, f64)>,
    /// Results in the order benchmark-ips keeps them (a repeated label moves to the end).
    entries: Vec<Entry>,
    /// Label -> (run, line) of its latest result.
    seen: BTreeMap<String, (usize, usize)>,
    calculated: bool,
}

pub(super) fn parse(input: &Input, raw: &str) -> Result<Vec<Entry>, IngestError> {
    let clean = text::strip_ansi(raw);
    let mut w = Walk {
        section: Section::Other,
        run: 0,
        pending: None,
        cycles: BTreeMap::new(),
        entries: Vec::new(),
        seen: BTreeMap::new(),
        calculated: false,
    };
    for (i, line) in clean.lines().enumerate() {
        w.line(line.trim_end(), i + 1)
            .map_err(|m| text::at_line(input, NAME, i + 1, m))?;
    }
    if !w.calculated {
        return Err(text::whole(
            input,
            NAME,
            "no benchmark-ips output (a `Calculating ----` section of \
             `<label> <ips> (±<sd>%) i/s - <iterations>` lines)",
        ));
    }
    Ok(w.entries)
}

impl<'a> Walk<'a> {
    fn line(&mut self, line: &'a str, lineno: usize) -> Result<(), String> {
        if line.starts_with(WARMING) {
            self.run += 1;
            self.cycles.clear();
            return self.enter(Section::Warming);
        }
        if line.starts_with(CALCULATING) {
            self.calculated = true;
            return self.enter(Section::Calculating);
        }
        if line.trim() == "Comparison:" {
            return self.enter(Section::Other);
        }
        match self.section {
            Section::Warming if line.ends_with(" i/100ms") => {
                let head = &line[..line.len() - " i/100ms".len()];
                let (label, number) = self.label_and_number(head)?;
                let cycles = scaled(number)
                    .ok_or_else(|| format!("`{number}` is not a number of calls per 100 ms"))?;
                self.cycles.insert(label, cycles);
            }
            Section::Calculating if line.contains(") i/s - ") => self.result(line, lineno)?,
            Section::Calculating if is_confidence_footer(line) => {
                return Err(format!(
                    "`{}`: benchmark-ips's bootstrap statistics (a median and an interval) \
                     are not supported, only the default standard deviation",
                    line.trim()
                ));
            }
            Section::Warming | Section::Calculating if !line.trim().is_empty() => {
                self.pending = Some(line.trim());
            }
            _ => {}
        }
        Ok(())
    }

    fn enter(&mut self, section: Section) -> Result<(), String> {
        self.section = section;
        self.pending = None;
        Ok(())
    }

    /// `<label> <number>` (the label right-aligned), or `<number>` alone after a long label
    /// on the line before.
    fn label_and_number(&mut self, head: &'a str) -> Result<(&'a str, &'a str), String> {
        let head = head.trim_end();
        let (label, number) = match head.rsplit_once(' ') {
            Some((l, n)) => (l.trim(), n),
            None => ("", head),
        };
        let label = match (label.is_empty(), self.pending.take()) {
            (false, _) => label,
            (true, Some(p)) => p,
            (true, None) => return Err("numbers without a label".into()),
        };
        Ok((label, number))
    }

    /// `<label> <ips> (±<pct>%) i/s - <iterations>[ in <seconds>s]`, read from the right.
    fn result(&mut self, line: &'a str, lineno: usize) -> Result<(), String> {
        let (head, tail) = line
            .rsplit_once(") i/s - ")
            .ok_or("expected `) i/s - <iterations>`")?;
        let iterations = tail.split(" in ").next().unwrap_or_default().trim();
        let iterations = scaled(iterations)
            .ok_or_else(|| format!("`{iterations}` is not a count of iterations"))?;
        let (head, pct) = head
            .rsplit_once("(\u{b1}")
            .ok_or("expected `(±<percent>%)` after the rate")?;
        let pct = pct
            .strip_suffix('%')
            .and_then(text::number)
            .filter(|p| *p >= 0.0)
            .ok_or_else(|| format!("`(±{pct})` is not a percentage"))?;
        let (label, ips) = self.label_and_number(head)?;
        let (ips, _) = scaled(ips).ok_or_else(|| format!("`{ips}` is not a rate"))?;
        let samples = self
            .cycles
            .get(label)
            .and_then(|c| whole_ratio(iterations, *c));
        if let Some(&(run, first)) = self.seen.get(label) {
            if run != self.run {
                return Err(format!(
                    "`{label}` is already on line {first}, in an earlier Benchmark.ips run"
                ));
            }
            // A later pass of `x.iterations`: it replaces the earlier, at the end.
            self.entries.retain(|e| e.name != label);
        }
        self.seen.insert(label.to_string(), (self.run, lineno));
        self.entries.push(Entry {
            name: label.to_string(),
            ips,
            stddev: Some(ips * pct / 100.0),
            samples,
        });
        Ok(())
    }
}

/// `with 95.0% confidence`, the footer of the bootstrap statistics.
fn is_confidence_footer(line: &str) -> bool {
    let t = line.trim();
    t.strip_prefix("with ")
        .and_then(|r| r.strip_suffix("% confidence"))
        .and_then(text::number)
        .is_some()
}

/// A number as benchmark-ips prints it: plain (`46064998`, `80294.8`) or scaled
/// (`913.235k`, `2.973M`), with half a unit of its last printed digit (0 for an integer).
fn scaled(s: &str) -> Option<(f64, f64)> {
    let s = s.trim();
    let (digits, scale) = match s.char_indices().last()? {
        (i, 'k') => (&s[..i], 1e3),
        (i, 'M') => (&s[..i], 1e6),
        (i, 'B') => (&s[..i], 1e9),
        (i, 'T') => (&s[..i], 1e12),
        (i, 'Q') => (&s[..i], 1e15),
        _ => (s, 1.0),
    };
    if !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let value = text::number(digits)?;
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
    let half = match decimals {
        0 if scale == 1.0 => 0.0,
        d => 0.5 * scale / 10f64.powi(i32::try_from(d).ok()?),
    };
    Some((value * scale, half))
}

/// The one whole number `a / b` can be, given each printed to within its half-digit; `None`
/// when the digits leave none or several.
fn whole_ratio((a, da): (f64, f64), (b, db): (f64, f64)) -> Option<usize> {
    if b - db <= 0.0 || a <= 0.0 {
        return None;
    }
    let lo = ((a - da) / (b + db)).ceil();
    let hi = ((a + da) / (b - db)).floor();
    (lo == hi && (1.0..1e15).contains(&lo)).then_some(lo as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_numbers_carry_their_precision() {
        assert_eq!(scaled("913.235k"), Some((913_235.0, 0.5)));
        assert_eq!(scaled("2.973M"), Some((2_973_000.0, 500.0)));
        assert_eq!(scaled("46064998"), Some((46_064_998.0, 0.0)));
        assert_eq!(scaled("3.323"), Some((3.323, 0.0005)));
        assert_eq!(scaled("80294.8"), Some((80_294.8, 0.05)));
        assert_eq!(scaled("1,000"), None);
        assert_eq!(scaled("k"), None);
        assert_eq!(scaled("-1"), None);
        assert_eq!(scaled(""), None);
    }

    #[test]
    fn sample_counts_only_where_the_digits_fix_them() {
        // 2,973,150 / 99,105 = 30: `2.973M` leaves 29.99..30.01.
        assert_eq!(whole_ratio((2_973_000.0, 500.0), (99_105.0, 0.5)), Some(30));
        assert_eq!(
            whole_ratio((46_637_234.0, 0.0), (286_118.0, 0.0)),
            Some(163)
        );
        // 2.973M over 50 calls: 59,450..59,470, many whole numbers.
        assert_eq!(whole_ratio((2_973_000.0, 500.0), (50.0, 0.0)), None);
        assert_eq!(whole_ratio((10.0, 0.0), (3.0, 0.0)), None);
        assert_eq!(whole_ratio((10.0, 0.0), (0.0, 0.0)), None);
    }

    #[test]
    fn the_bootstrap_footer_is_recognised() {
        assert!(is_confidence_footer(
            "                   with 95.0% confidence"
        ));
        assert!(!is_confidence_footer("with confidence"));
    }
}
