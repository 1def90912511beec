//! SI values -> human text: `50.2 ms`, `3.4 MiB`, `1.25 M rows/s`.

use crate::model::Unit;

/// Formats `value` given in `unit` (SI base) with a readable prefix and 3-4 significant digits.
pub fn format_value(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return "-".to_string();
    }
    match Unit::from(unit) {
        Unit::Seconds => format_seconds(value),
        Unit::Bytes => format_bytes(value),
        Unit::PerSecond(_) => format!("{} {unit}", si_prefixed(value)),
        Unit::Custom(_) if unit.is_empty() => sig(value),
        Unit::Count | Unit::Custom(_) => format!("{} {unit}", sig(value)),
    }
}

pub fn format_seconds(s: f64) -> String {
    let a = s.abs();
    if a == 0.0 {
        "0 s".to_string()
    } else if a < 1e-6 {
        format!("{} ns", sig(s * 1e9))
    } else if a < 1e-3 {
        format!("{} \u{00B5}s", sig(s * 1e6))
    } else if a < 1.0 {
        format!("{} ms", sig(s * 1e3))
    } else {
        format!("{} s", sig(s))
    }
}

pub fn format_bytes(b: f64) -> String {
    const STEPS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v.abs() >= 1024.0 && i < STEPS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{} B", v.round())
    } else {
        format!("{} {}", sig(v), STEPS[i])
    }
}

fn si_prefixed(v: f64) -> String {
    let a = v.abs();
    let (scaled, prefix) = if a >= 1e9 {
        (v / 1e9, " G")
    } else if a >= 1e6 {
        (v / 1e6, " M")
    } else if a >= 1e3 {
        (v / 1e3, " k")
    } else {
        (v, "")
    };
    format!("{}{prefix}", sig(scaled))
        .replace(" G", "G")
        .replace(" M", "M")
        .replace(" k", "k")
}

/// Three significant digits for values under 1000 (four digits of integers above).
pub fn sig(v: f64) -> String {
    let a = v.abs();
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$}")
}

/// A signed percentage: `+12.3%`, `-0.4%`.
/// A comparison row's shift with its 95% interval, `+0.3% (-12.1% .. +0.7%)`; `-` without an
/// interval. The shift is the estimate the interval belongs to (`shift_pct`), so it is inside
/// it, unlike the change of the medians, which can lie outside.
pub fn shift_with_ci(m: &crate::gate::MetricComparison) -> String {
    match (m.shift_pct, m.change_ci95_pct) {
        (Some(s), Some([lo, hi])) => format!(
            "{} ({} .. {})",
            format_pct(s),
            format_pct(lo),
            format_pct(hi)
        ),
        // A comparison written before the shift was recorded.
        (None, Some([lo, hi])) => format!("{} .. {}", format_pct(lo), format_pct(hi)),
        _ => "-".to_string(),
    }
}

pub fn format_pct(p: f64) -> String {
    if !p.is_finite() {
        return "-".to_string();
    }
    format!(
        "{p:+.prec$}%",
        prec = crate::gate::CHANGE_PCT_DECIMALS as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_pick_a_readable_unit() {
        assert_eq!(format_seconds(0.0502), "50.2 ms");
        assert_eq!(format_seconds(2.5e-6), "2.50 \u{00B5}s");
        assert_eq!(format_seconds(3.0e-8), "30.0 ns");
        assert_eq!(format_seconds(12.345), "12.3 s");
    }

    #[test]
    fn bytes_use_binary_prefixes() {
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(3.5 * 1024.0 * 1024.0), "3.50 MiB");
        assert_eq!(format_value(1_250_000.0, "rows/s"), "1.25M rows/s");
        assert_eq!(format_value(0.9987, "ratio"), "0.999 ratio");
    }

    #[test]
    fn percentages_are_signed() {
        assert_eq!(format_pct(12.34), "+12.3%");
        assert_eq!(format_pct(-0.44), "-0.4%");
    }
}
