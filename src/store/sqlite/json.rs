//! JSON columns that read back bit for bit.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::stats::Summary;

/// JSON text of `value`; floats in their shortest form that reads back to the same bits.
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value)
}

/// Reads JSON written by [`to_json`] with every float bit for bit: serde_json's
/// `float_roundtrip` feature (enabled in Cargo.toml) makes its float parser correctly rounded.
pub(super) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

pub(super) fn summary_from_json(text: &str) -> Result<Summary, String> {
    from_json(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_json_reads_back_every_bit() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0.1 + 0.2,
            -0.0,
            5e-324,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            1.0 / 3.0,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if f.is_finite() {
                values.push(f);
            }
        }
        let text = to_json(&values).unwrap();
        let back: Vec<f64> = from_json(&text).unwrap();
        assert_eq!(values.len(), back.len());
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a:e} came back as {b:e}");
        }
    }

    #[test]
    fn summaries_read_back_exactly_also_when_another_program_reordered_them() {
        let s = Summary {
            n: 7,
            min: 0.012_361_699_053_111_61,
            max: f64::MAX,
            mean: 0.1 + 0.2,
            stddev: 5e-324,
            cv: -0.0,
            median: 0.012_783_025_162_607_223,
            p95: 1e300,
            p99: 1.797_693_134_862_315_5e308,
            mad: 2.225_073_858_507_201e-308,
            ci95_mean: [0.012_708_729_375_410_063, 1.0],
            ci95_median: [1.0 / 3.0, 2.0 / 3.0],
            outliers: crate::stats::OutlierCounts { mild: 1, severe: 2 },
        };
        let bits = |s: &Summary| {
            let v = serde_json::to_value(s).unwrap();
            let mut out = Vec::new();
            fn walk(v: &serde_json::Value, out: &mut Vec<u64>) {
                match v {
                    serde_json::Value::Number(n) => out.push(n.as_f64().unwrap().to_bits()),
                    serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                    serde_json::Value::Object(m) => m.values().for_each(|x| walk(x, out)),
                    _ => {}
                }
            }
            walk(&v, &mut out);
            out
        };
        let text = to_json(&s).unwrap();
        assert_eq!(bits(&summary_from_json(&text).unwrap()), bits(&s));
        // Keys in another order (a text perfgate did not write): the fallback, still exact.
        let reordered = text
            .replace("\"min\"", "\"tmp\"")
            .replace("\"max\"", "\"min\"")
            .replace("\"tmp\"", "\"max\"");
        let mut swapped = s.clone();
        std::mem::swap(&mut swapped.min, &mut swapped.max);
        assert_eq!(
            bits(&summary_from_json(&reordered).unwrap()),
            bits(&swapped)
        );
    }

    #[test]
    fn exact_json_leaves_strings_and_integers_alone() {
        let v: serde_json::Value = serde_json::json!({
            "a": "1.5e3 \"quoted\" -0.0",
            "b": [1, -2, 3.25, {"c": "x\\y", "d": 18446744073709551615u64}],
        });
        let back: serde_json::Value = from_json(&to_json(&v).unwrap()).unwrap();
        assert_eq!(v, back);
    }
}
