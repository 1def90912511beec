//! Harness units -> SI base units, exactly: a value is multiplied by a power of ten (or two)
//! and nothing else. Both micro signs are accepted: U+00B5 (what most tools print) and U+03BC
//! (Greek mu, what some fonts and tools produce).

use crate::model::Unit;

/// Seconds per one `unit` of time, for the spellings harnesses print.
pub fn seconds_per(unit: &str) -> Option<f64> {
    Some(match unit {
        "ps" => 1e-12,
        "ns" => 1e-9,
        "\u{00b5}s" | "\u{03bc}s" | "us" => 1e-6,
        "ms" => 1e-3,
        "s" | "sec" => 1.0,
        _ => return None,
    })
}

/// `value` in `unit` as seconds. Dividing by the inverse keeps exact decimals exact where a
/// multiplication by `1e-9` would not (`1.5 ns` -> `1.5e-9`, not `1.5000000000000002e-9`).
pub fn to_seconds(value: f64, unit: &str) -> Option<f64> {
    let per = seconds_per(unit)?;
    Some(if per < 1.0 {
        value / (1.0 / per).round()
    } else {
        value * per
    })
}

/// Power of ten of one `unit` of time in seconds (`ns` -> -9).
pub fn time_exponent(unit: &str) -> Option<i32> {
    Some(match unit {
        "ps" => -12,
        "ns" => -9,
        "\u{00b5}s" | "\u{03bc}s" | "us" => -6,
        "ms" => -3,
        "s" | "sec" => 0,
        _ => return None,
    })
}

/// A decimal number as printed (`1,234.56`, `1.2e3`) times `10^exp`, rounded once: the
/// exponent is added to the text before parsing, so `1234.56 ns` is the double nearest to
/// 1.23456e-6, with no second rounding from a multiplication.
pub fn decimal_scaled(text: &str, exp: i32) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|&c| c != ',' && c != '_')
        .collect();
    let (mantissa, e) = match cleaned.find(['e', 'E']) {
        Some(i) => (&cleaned[..i], cleaned[i + 1..].parse::<i32>().ok()?),
        None => (cleaned.as_str(), 0),
    };
    if mantissa.is_empty()
        || !mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    let x: f64 = format!("{mantissa}e{}", e.checked_add(exp)?).parse().ok()?;
    x.is_finite().then_some(x)
}

/// A time printed as `text` in `unit`, in seconds, rounded once.
pub fn seconds_from_text(text: &str, unit: &str) -> Option<f64> {
    decimal_scaled(text, time_exponent(unit)?)
}

/// Bytes per one `unit`: decimal (kB, MB, GB) and binary (KiB, MiB, GiB) prefixes.
pub fn bytes_per(unit: &str) -> Option<f64> {
    Some(match unit {
        "B" | "b" | "bytes" | "byte" => 1.0,
        "kB" | "KB" | "k" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0_f64.powi(4),
        _ => return None,
    })
}

/// A rate such as `MiB/s`, `Melem/s`, `ops/s`, `Kitem/s`: (multiplier to base items per second,
/// the base item per second). Byte rates become [`Unit::BYTES_PER_SECOND`].
pub fn rate(unit: &str) -> Option<(f64, Unit)> {
    let per = unit
        .strip_suffix("/s")
        .or_else(|| unit.strip_suffix("/sec"))?;
    if let Some(b) = bytes_per(per) {
        return Some((b, Unit::BYTES_PER_SECOND));
    }
    for (prefix, factor) in [("K", 1e3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)] {
        if let Some(item) = per.strip_prefix(prefix) {
            if item.len() > 1 && item.chars().all(|c| c.is_ascii_lowercase()) {
                return Some((factor, Unit::per_second(item)));
            }
        }
    }
    (!per.is_empty() && per.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
        .then(|| (1.0, Unit::per_second(per)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_units_convert_exactly_with_both_micro_signs() {
        assert_eq!(to_seconds(1.5, "ns"), Some(1.5e-9));
        assert_eq!(to_seconds(12.25, "\u{00b5}s"), Some(12.25e-6));
        assert_eq!(to_seconds(12.25, "\u{03bc}s"), Some(12.25e-6));
        assert_eq!(to_seconds(12.25, "us"), Some(12.25e-6));
        assert_eq!(to_seconds(3.0, "ms"), Some(3e-3));
        assert_eq!(to_seconds(2.0, "s"), Some(2.0));
        assert_eq!(to_seconds(250.0, "ps"), Some(250e-12));
        assert_eq!(to_seconds(1.0, "min"), None);
    }

    #[test]
    fn printed_decimals_are_rounded_once() {
        assert_eq!(seconds_from_text("1,234.56", "ns"), Some(1.23456e-6));
        assert_eq!(seconds_from_text("1.2e3", "\u{00b5}s"), Some(1.2e-3));
        assert_eq!(seconds_from_text("7", "s"), Some(7.0));
        assert_eq!(seconds_from_text("abc", "s"), None);
        assert_eq!(seconds_from_text("1.0", "min"), None);
        assert_eq!(decimal_scaled("-2.5", 0), Some(-2.5));
    }

    #[test]
    fn rates_become_items_or_bytes_per_second() {
        assert_eq!(rate("MiB/s"), Some((1048576.0, "bytes/s".into())));
        assert_eq!(rate("MB/s"), Some((1e6, "bytes/s".into())));
        assert_eq!(rate("Melem/s"), Some((1e6, "elem/s".into())));
        assert_eq!(rate("Kelem/s"), Some((1e3, "elem/s".into())));
        assert_eq!(rate("ops/s"), Some((1.0, "ops/s".into())));
        assert_eq!(rate("elem/s"), Some((1.0, "elem/s".into())));
        assert_eq!(rate("ns"), None);
    }
}
