//! A metric's unit, classified once when it is made or read.
//!
//! Report JSON writes a unit as a string: an SI base unit (`s`, `bytes`), a rate
//! `<item>/s`, `count`, or a unit of the user's own (`ratio`, `%`, `allocs`) kept as written.
//! What a unit is decides a metric's kind and so its default thresholds; deciding that by
//! comparing strings wherever a unit is used let a misspelling (`byte`) move a memory metric
//! to other thresholds without a word. Here the text is read once into a [`Unit`], known
//! units are made from its constants, and code matches on its cases.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The spellings in report JSON, for code that holds a unit as text (threshold quantities,
/// comparison rows). Code that makes a metric uses the [`Unit`] constants.
pub const SECONDS: &str = "s";
pub const BYTES: &str = "bytes";
pub const COUNT: &str = "count";
pub const ITEMS_PER_SECOND: &str = "items/s";
pub const BYTES_PER_SECOND: &str = "bytes/s";
/// Operations per second: what harnesses that time a callable report (benchmark.js, pytest).
pub const OPS_PER_SECOND: &str = "ops/s";

/// What a rate's text ends with.
const PER_SECOND: &str = "/s";

/// A metric's unit. Serialized as its text, so reports read and write exactly as before.
///
/// Equal units have equal text and the other way round: every way of making one (the
/// constants, [`Unit::parse`], [`Unit::per_second`]) classifies the text the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Seconds (`s`): any time.
    Seconds,
    /// Bytes (`bytes`): any amount of memory or data.
    Bytes,
    /// Events counted exactly (`count`): instructions, cache hits.
    Count,
    /// Items per second (`items/s`, `bytes/s`, `ops/s`).
    PerSecond(Rate),
    /// Anything else, kept as written (`ratio`, `%`, `allocs`, `instructions`).
    Custom(Custom),
}

/// The text of a [`Unit::PerSecond`]: always ends in `/s`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rate(Cow<'static, str>);

/// The text of a [`Unit::Custom`]: never a known unit's spelling, never a rate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Custom(Cow<'static, str>);

impl Unit {
    pub const SECONDS: Unit = Unit::Seconds;
    pub const BYTES: Unit = Unit::Bytes;
    pub const COUNT: Unit = Unit::Count;
    pub const ITEMS_PER_SECOND: Unit = Unit::PerSecond(Rate(Cow::Borrowed(ITEMS_PER_SECOND)));
    pub const BYTES_PER_SECOND: Unit = Unit::PerSecond(Rate(Cow::Borrowed(BYTES_PER_SECOND)));
    pub const OPS_PER_SECOND: Unit = Unit::PerSecond(Rate(Cow::Borrowed(OPS_PER_SECOND)));

    /// The unit written `text`: a known spelling is that unit, `<item>/s` a rate, anything
    /// else a custom unit as written.
    pub fn parse(text: impl Into<Cow<'static, str>>) -> Unit {
        let text = text.into();
        match text.as_ref() {
            SECONDS => Unit::Seconds,
            BYTES => Unit::Bytes,
            COUNT => Unit::Count,
            t if t.ends_with(PER_SECOND) => Unit::PerSecond(Rate(text)),
            _ => Unit::Custom(Custom(text)),
        }
    }

    /// `<item>/s`: `per_second("rows")` is `rows/s` (and `per_second("bytes")` is
    /// [`Unit::BYTES_PER_SECOND`]).
    pub fn per_second(item: &str) -> Unit {
        Unit::PerSecond(Rate(Cow::Owned(format!("{item}{PER_SECOND}"))))
    }

    /// The text as written in report JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Unit::Seconds => SECONDS,
            Unit::Bytes => BYTES,
            Unit::Count => COUNT,
            Unit::PerSecond(Rate(t)) | Unit::Custom(Custom(t)) => t,
        }
    }

    /// For a rate, what is counted per second (`rows` of `rows/s`).
    pub fn item(&self) -> Option<&str> {
        match self {
            Unit::PerSecond(Rate(t)) => t.strip_suffix(PER_SECOND),
            _ => None,
        }
    }

    /// Whether a value in this unit cannot be negative: times, memory, counts and rates. A
    /// negative one is a broken input, not a measurement (and would fail a gate compared
    /// with itself). Custom units (`ratio`, `%`, `dB`) may be negative.
    pub fn never_negative(&self) -> bool {
        !matches!(self, Unit::Custom(_))
    }
}

/// [`Unit::never_negative`] of the unit written `unit`.
pub fn never_negative(unit: &str) -> bool {
    Unit::from(unit).never_negative()
}

impl From<&str> for Unit {
    fn from(text: &str) -> Unit {
        Unit::parse(text.to_string())
    }
}

impl From<String> for Unit {
    fn from(text: String) -> Unit {
        Unit::parse(text)
    }
}

impl From<Unit> for String {
    fn from(unit: Unit) -> String {
        unit.as_str().to_string()
    }
}

/// Lets a unit go wherever its text did (`format_value(v, &m.unit)`).
impl std::ops::Deref for Unit {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Unit {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Unit {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Unit {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Unit {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Unit> for &str {
    fn eq(&self, other: &Unit) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Unit> for String {
    fn eq(&self, other: &Unit) -> bool {
        self == other.as_str()
    }
}

impl Serialize for Unit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Unit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Unit, D::Error> {
        String::deserialize(d).map(Unit::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_constant_is_what_its_spelling_parses_to() {
        for (unit, text) in [
            (Unit::SECONDS, SECONDS),
            (Unit::BYTES, BYTES),
            (Unit::COUNT, COUNT),
            (Unit::ITEMS_PER_SECOND, ITEMS_PER_SECOND),
            (Unit::BYTES_PER_SECOND, BYTES_PER_SECOND),
            (Unit::OPS_PER_SECOND, OPS_PER_SECOND),
        ] {
            assert_eq!(Unit::from(text), unit, "{text}");
            assert_eq!(unit.as_str(), text);
        }
        assert_eq!(Unit::per_second("bytes"), Unit::BYTES_PER_SECOND);
        assert_eq!(Unit::per_second("rows").item(), Some("rows"));
    }

    #[test]
    fn near_misses_are_custom_units_not_known_ones() {
        for text in ["byte", "B", "sec", "ns", "counts", "S", "s/op", "/", ""] {
            assert!(
                matches!(Unit::from(text), Unit::Custom(_)),
                "`{text}` must not pass for a known unit"
            );
        }
        assert!(matches!(Unit::from("/s"), Unit::PerSecond(_)));
    }

    #[test]
    fn text_reads_back_exactly_and_json_is_the_plain_string() {
        for text in ["s", "bytes", "count", "rows/s", "ratio", "%", "µs", "a b"] {
            let unit = Unit::from(text);
            assert_eq!(unit.to_string(), text);
            let json = serde_json::to_string(&unit).unwrap();
            assert_eq!(json, serde_json::to_string(text).unwrap());
            assert_eq!(serde_json::from_str::<Unit>(&json).unwrap(), unit);
        }
    }

    #[test]
    fn custom_units_alone_may_be_negative() {
        assert!(never_negative("s") && never_negative("bytes") && never_negative("count"));
        assert!(never_negative("ops/s"));
        assert!(!never_negative("ratio") && !never_negative("%"));
    }
}
