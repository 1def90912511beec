//! Threshold rules: what change of a metric is a warning or critical.
//!
//! A rule is looked up by `"<benchmark>.<metric>"`, exactly or by a glob (`*` any run of
//! characters, `?` one character). Fields a rule leaves out fall back to the defaults of the
//! metric's kind (PRODUCT.md section 5).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{units, MetricKind};
use crate::stats::Statistic;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    /// Statistic compared; the median when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Statistic>,
    /// Worsening (in percent of the baseline) from which the verdict is `warning`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_pct: Option<f64>,
    /// Worsening (in percent of the baseline) from which the verdict is `critical`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_pct: Option<f64>,
    /// Critical when `current > baseline * (1 + ratio) + abs` (mirrored for higher-is-better).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abs: Option<Quantity>,
    /// An absolute limit: critical beyond it whatever the baseline says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Quantity>,
}

/// Default thresholds (warn %, critical %) by kind of metric.
pub fn default_pcts(kind: MetricKind) -> (f64, f64) {
    match kind {
        MetricKind::Time => (5.0, 10.0),
        MetricKind::Memory => (10.0, 20.0),
        MetricKind::Throughput => (5.0, 10.0),
        // Instruction counts barely move between runs: +1% is a real change.
        MetricKind::Count => (0.5, 1.0),
        MetricKind::Other => (5.0, 10.0),
    }
}

impl ThresholdRule {
    /// The rule `compare --emit-template` writes: the defaults made explicit, for editing.
    pub fn default_for(kind: MetricKind) -> Self {
        let (warn, fail) = default_pcts(kind);
        ThresholdRule {
            statistic: Some(Statistic::Median),
            warn_pct: Some(warn),
            fail_pct: Some(fail),
            ..Default::default()
        }
    }

    /// Checks values that serde cannot: signs, ordering, and units against the metric.
    pub fn validate(&self, key: &str) -> Result<(), String> {
        for (name, v) in [
            ("warn_pct", self.warn_pct),
            ("fail_pct", self.fail_pct),
            ("ratio", self.ratio),
        ] {
            if let Some(v) = v {
                if !v.is_finite() || v < 0.0 {
                    return Err(format!(
                        "threshold `{key}`: {name} must be a non-negative number, got {v}"
                    ));
                }
            }
        }
        if let (Some(w), Some(f)) = (self.warn_pct, self.fail_pct) {
            if w > f {
                return Err(format!(
                    "threshold `{key}`: warn_pct ({w}) is larger than fail_pct ({f})"
                ));
            }
        }
        Ok(())
    }
}

/// A number with an optional unit, as written in a rule: `0.002`, `"2ms"`, `"10us"`, `"1.1GB"`.
/// Stored in SI base units (seconds, bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub value: f64,
    /// `Some("s")` or `Some("bytes")` when the text carried a unit.
    pub unit: Option<&'static str>,
    text: Option<String>,
}

impl Quantity {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .unwrap_or(t.len());
        let (num, suffix) = t.split_at(split);
        let value: f64 = num
            .parse()
            .map_err(|_| format!("`{text}` is not a number with an optional unit"))?;
        let (factor, unit) = match suffix.trim() {
            "" => (1.0, None),
            "ns" => (1e-9, Some(units::SECONDS)),
            "us" | "\u{00B5}s" | "\u{03BC}s" => (1e-6, Some(units::SECONDS)),
            "ms" => (1e-3, Some(units::SECONDS)),
            "s" => (1.0, Some(units::SECONDS)),
            "min" => (60.0, Some(units::SECONDS)),
            "B" => (1.0, Some(units::BYTES)),
            "kB" | "KB" => (1e3, Some(units::BYTES)),
            "MB" => (1e6, Some(units::BYTES)),
            "GB" => (1e9, Some(units::BYTES)),
            "KiB" => (1024.0, Some(units::BYTES)),
            "MiB" => (1024.0 * 1024.0, Some(units::BYTES)),
            "GiB" => (1024.0 * 1024.0 * 1024.0, Some(units::BYTES)),
            other => {
                return Err(format!(
                    "`{text}`: unknown unit `{other}` (use ns, us, ms, s, min, B, KB, MB, GB, KiB, MiB, GiB)"
                ))
            }
        };
        if !value.is_finite() {
            return Err(format!("`{text}` is not a finite number"));
        }
        Ok(Quantity {
            value: value * factor,
            unit,
            text: Some(t.to_string()),
        })
    }

    pub fn plain(value: f64) -> Self {
        Quantity {
            value,
            unit: None,
            text: None,
        }
    }

    /// Whether the quantity can apply to a metric in `metric_unit`.
    pub fn fits(&self, metric_unit: &str) -> bool {
        self.unit.is_none_or(|u| u == metric_unit)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(t) => f.write_str(t),
            None => write!(f, "{}", self.value),
        }
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.text {
            Some(t) => s.serialize_str(t),
            None => s.serialize_f64(self.value),
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(v) => Ok(Quantity::plain(v)),
            Raw::Text(t) => Quantity::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// Finds the rule for `key` (`"bench.metric"`): an exact key first, else the matching glob with
/// the most literal characters (ties: the first in key order).
pub fn find_rule<'a>(
    rules: &'a BTreeMap<String, ThresholdRule>,
    key: &str,
) -> Option<(&'a str, &'a ThresholdRule)> {
    if let Some((k, r)) = rules.get_key_value(key) {
        return Some((k.as_str(), r));
    }
    rules
        .iter()
        .filter(|(pattern, _)| glob_match(pattern, key))
        .max_by_key(|(pattern, _)| {
            let literal = pattern.chars().filter(|c| !matches!(c, '*' | '?')).count();
            // Ties go to the smallest pattern string, i.e. the first in key order.
            (literal, std::cmp::Reverse((*pattern).clone()))
        })
        .map(|(k, r)| (k.as_str(), r))
}

/// Why `pattern` is not a usable glob: empty, or with an unbalanced bracket. Brackets match
/// themselves (pytest's `test_sum[1000]`, Google Benchmark's `BM_f<int>`... are names), so an
/// unbalanced one is a typo or an attempt at a character class, which these globs do not have.
pub fn glob_check(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("an empty pattern matches nothing".into());
    }
    let mut depth = 0usize;
    for c in pattern.chars() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Err("`]` without `[`".into()),
            ']' => depth -= 1,
            _ => {}
        }
    }
    if depth > 0 {
        return Err(
            "`[` without `]` (globs here have `*` and `?` only; brackets match themselves)".into(),
        );
    }
    Ok(())
}

/// Glob with `*` (any run, including none) and `?` (exactly one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_convert_to_si_exactly() {
        let cases = [
            ("10us", 10e-6, Some("s")),
            ("10\u{00B5}s", 10e-6, Some("s")),
            ("10\u{03BC}s", 10e-6, Some("s")),
            ("2ms", 2e-3, Some("s")),
            ("1.5 s", 1.5, Some("s")),
            ("250ns", 250e-9, Some("s")),
            ("1.1GB", 1.1e9, Some("bytes")),
            ("512MiB", 536_870_912.0, Some("bytes")),
            ("1e3", 1000.0, None),
            ("0.25", 0.25, None),
        ];
        for (text, value, unit) in cases {
            let q = Quantity::parse(text).unwrap();
            assert!(
                (q.value - value).abs() <= value * 1e-12,
                "{text}: {}",
                q.value
            );
            assert_eq!(q.unit, unit, "{text}");
            assert_eq!(q.to_string(), text.trim());
        }
        assert!(Quantity::parse("10 parsecs")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(Quantity::parse("fast").is_err());
    }

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_match("*.wall_time", "parse/big.wall_time"));
        assert!(glob_match("parse/*.peak_rss", "parse/big.peak_rss"));
        assert!(!glob_match("parse/*.peak_rss", "render/big.peak_rss"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("*.wall_time", "x.wall_time_extra"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
    }

    #[test]
    fn most_specific_rule_wins() {
        let mut rules = BTreeMap::new();
        let r = |w: f64| ThresholdRule {
            warn_pct: Some(w),
            ..Default::default()
        };
        rules.insert("*".to_string(), r(1.0));
        rules.insert("*.wall_time".to_string(), r(2.0));
        rules.insert("parse/*.wall_time".to_string(), r(3.0));
        rules.insert("parse/big.wall_time".to_string(), r(4.0));
        let pick = |k: &str| find_rule(&rules, k).unwrap().1.warn_pct.unwrap();
        assert_eq!(pick("parse/big.wall_time"), 4.0);
        assert_eq!(pick("parse/small.wall_time"), 3.0);
        assert_eq!(pick("render.wall_time"), 2.0);
        assert_eq!(pick("render.peak_rss"), 1.0);
    }

    #[test]
    fn validation_rejects_inverted_thresholds() {
        let r = ThresholdRule {
            warn_pct: Some(20.0),
            fail_pct: Some(10.0),
            ..Default::default()
        };
        assert!(r.validate("x.wall_time").unwrap_err().contains("warn_pct"));
        let neg = ThresholdRule {
            ratio: Some(-0.1),
            ..Default::default()
        };
        assert!(neg.validate("x").unwrap_err().contains("ratio"));
    }
}
