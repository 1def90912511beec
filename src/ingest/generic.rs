//! The generic JSON format read in one pass straight into its shape: benchmarks, metrics,
//! fields, samples as `f64`. Building a `serde_json::Value` tree first cost 32 bytes per
//! sample, beside the text, and a copy for every number; here a sample costs its 8 bytes.
//!
//! Only the structure is read here, and a key named twice at any level is refused (as
//! [`crate::strict_json`] does). What is wrong with a value (a sample that is not a number,
//! an unknown field) is recorded, not raised, so that the adapter reports the same first
//! problem, in key order, as when it walked a parsed tree.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The document: an object of benchmarks, each (if an object) of metrics.
#[derive(Debug, Default)]
pub struct Document {
    /// `false` when the top level is not a JSON object.
    pub is_object: bool,
    /// In the document's order; `None`: the benchmark's value is not an object.
    pub benches: Vec<(String, Metrics)>,
}

/// A benchmark's metrics in the document's order (`None`: its value is not an object), each
/// with its fields (`None`: the metric's value is not an object).
pub type Metrics = Option<Vec<(String, Option<Fields>)>>;

/// One metric's fields as found. Outer `None`: absent; inner `None`: not of the right type.
#[derive(Debug, Default)]
pub struct Fields {
    pub value: Option<Option<f64>>,
    pub unit: Option<Option<String>>,
    pub direction: Option<Option<String>>,
    pub samples: Option<Samples>,
    /// Keys that are none of the above, in the document's order.
    pub unknown: Vec<String>,
}

#[derive(Debug)]
pub enum Samples {
    Values(Vec<f64>),
    NotArray,
    /// The index of the first element that is not a number.
    NotNumberAt(usize),
}

/// Parses `text`; the error is serde_json's (syntax, or a key named twice).
pub fn parse(text: &str) -> Result<Document, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = de.deserialize_any(TopVisitor)?;
    de.end()?;
    Ok(doc)
}

fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format!("duplicate key {key:?}"))
}

/// Implements every `visit_*` of a value that is not the expected kind as `$other` (the
/// value is consumed, so parsing carries on).
macro_rules! otherwise {
    ($value:ty, $other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
            Ok($other)
        }
    };
}

/// Skips an array, still refusing duplicate keys inside it.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<Strict>()?.is_some() {}
    Ok(())
}

/// Skips an object, still refusing duplicate keys in it.
fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    let mut seen = HashSet::new();
    while let Some(key) = map.next_key::<String>()? {
        if !seen.insert(key.clone()) {
            return Err(duplicate(&key));
        }
        map.next_value::<Strict>()?;
    }
    Ok(())
}

/// Any value, checked for duplicate keys and dropped.
struct Strict;

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    otherwise!(Strict, Strict);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Strict, A::Error> {
        skip_seq(seq).map(|()| Strict)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Strict, A::Error> {
        skip_map(map).map(|()| Strict)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Document;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    otherwise!(Document, Document::default());
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
        skip_seq(seq).map(|()| Document::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut doc = Document {
            is_object: true,
            benches: Vec::new(),
        };
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(duplicate(&name));
            }
            let metrics = map.next_value_seed(Of(MetricsVisitor))?;
            doc.benches.push((name, metrics));
        }
        Ok(doc)
    }
}

/// Deserializes with the visitor `V` (a seed, so that visitors need no `Deserialize`).
struct Of<V>(V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Of<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

/// A benchmark's value: an object of metrics, else `None`.
struct MetricsVisitor;

impl<'de> Visitor<'de> for MetricsVisitor {
    type Value = Metrics;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of metrics")
    }
    otherwise!(Metrics, None);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Metrics, A::Error> {
        skip_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metrics, A::Error> {
        let mut metrics = Vec::new();
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(duplicate(&name));
            }
            let fields = map.next_value_seed(Of(FieldsVisitor))?;
            metrics.push((name, fields));
        }
        Ok(Some(metrics))
    }
}

/// A metric's value: an object of fields, else `None`.
struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Option<Fields>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `value` and `unit`")
    }
    otherwise!(Option<Fields>, None);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<Fields>, A::Error> {
        skip_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Fields>, A::Error> {
        let mut f = Fields::default();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(duplicate(&key));
            }
            match key.as_str() {
                "value" => f.value = Some(map.next_value_seed(Of(NumberVisitor))?),
                "unit" => f.unit = Some(map.next_value_seed(Of(TextVisitor))?),
                "direction" => f.direction = Some(map.next_value_seed(Of(TextVisitor))?),
                "samples" => f.samples = Some(map.next_value_seed(Of(SamplesVisitor))?),
                _ => {
                    map.next_value::<Strict>()?;
                    f.unknown.push(key);
                }
            }
        }
        Ok(Some(f))
    }
}

/// A number as `f64` (integers converted as `serde_json::Value::as_f64` does), else `None`.
struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<f64>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<f64>, E> {
        Ok(Some(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<f64>, E> {
        Ok(Some(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<f64>, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<f64>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<f64>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<f64>, A::Error> {
        skip_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<f64>, A::Error> {
        skip_map(map).map(|()| None)
    }
}

/// A string, else `None`.
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<String>, A::Error> {
        skip_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<String>, A::Error> {
        skip_map(map).map(|()| None)
    }
}

/// An array of numbers, straight into a `Vec<f64>`.
struct SamplesVisitor;

impl<'de> Visitor<'de> for SamplesVisitor {
    type Value = Samples;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of numbers")
    }
    otherwise!(Samples, Samples::NotArray);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Samples, A::Error> {
        skip_map(map).map(|()| Samples::NotArray)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Samples, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(v) = seq.next_element_seed(Of(NumberVisitor))? {
            match v {
                Some(x) => values.push(x),
                None => {
                    let at = values.len();
                    skip_seq(seq)?;
                    return Ok(Samples::NotNumberAt(at));
                }
            }
        }
        Ok(Samples::Values(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_values_and_problems_are_recorded_in_document_order() {
        let doc = parse(
            r#"{"b": {"t": {"unit": "ms", "samples": [1, 2.5, -3e2], "zz": {}, "value": 7}},
                "a": [1, {"x": 1}], "c": {"m": 3, "n": {"samples": [1, "x", 3], "unit": 5}}}"#,
        )
        .unwrap();
        assert!(doc.is_object);
        let names: Vec<&str> = doc.benches.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        let t = doc.benches[0].1.as_ref().unwrap()[0].1.as_ref().unwrap();
        assert_eq!(t.value, Some(Some(7.0)));
        assert_eq!(t.unit, Some(Some("ms".to_string())));
        assert!(matches!(&t.samples, Some(Samples::Values(v)) if v == &[1.0, 2.5, -300.0]));
        assert_eq!(t.unknown, ["zz"]);
        assert!(doc.benches[1].1.is_none());
        let c = doc.benches[2].1.as_ref().unwrap();
        assert!(c[0].1.is_none());
        let n = c[1].1.as_ref().unwrap();
        assert!(matches!(n.samples, Some(Samples::NotNumberAt(1))));
        assert_eq!(n.unit, Some(None));
        assert!(!parse("[1, 2]").unwrap().is_object);
    }

    #[test]
    fn a_key_named_twice_is_refused_at_any_depth() {
        for text in [
            r#"{"b": {}, "b": {}}"#,
            r#"{"b": {"m": {}, "m": {}}}"#,
            r#"{"b": {"m": {"unit": "s", "unit": "s"}}}"#,
            r#"{"b": {"m": {"extra": {"k": 1, "k": 2}}}}"#,
            r#"{"b": [{"k": 1, "k": 2}]}"#,
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with("duplicate key"), "{text}: {e}");
        }
        assert!(parse("{} trailing").is_err());
    }
}
