//! Durations in `perfgate.toml` and on the command line: seconds (`0.5`) or with a unit
//! (`"500ms"`, `"3s"`, `"2min"`), never negative, never beyond [`MAX_DURATION`].

use std::time::Duration;

use serde::Deserialize;

/// A duration written as seconds (`0.5`) or with a unit (`"500ms"`, `"3s"`, `"2min"`).
#[derive(Debug, Clone, Copy)]
pub(super) struct DurationValue(pub(super) Duration);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(f64),
            Text(String),
        }
        let parsed = match Raw::deserialize(d)? {
            Raw::Seconds(s) => seconds(s, &s.to_string()),
            Raw::Text(t) => parse_duration(&t),
        };
        parsed.map(DurationValue).map_err(serde::de::Error::custom)
    }
}

/// The longest duration perfgate takes (30 days): a time-out or minimum time beyond it is a
/// typo, and deadlines computed from it must not overflow the clock.
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// A number of seconds as a duration, refused when negative, not finite or beyond
/// [`MAX_DURATION`]. `shown` is how the user wrote it.
fn seconds(secs: f64, shown: &str) -> std::result::Result<Duration, String> {
    if !(secs.is_finite() && secs >= 0.0) {
        return Err(format!(
            "duration {shown} must be a non-negative number of seconds"
        ));
    }
    if secs > MAX_DURATION.as_secs_f64() {
        return Err(format!(
            "duration {shown} is out of range: at most {} s (30 days)",
            MAX_DURATION.as_secs()
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `"500ms"`, `"3s"`, `"1.5s"`, `"2min"`, or a bare number of seconds, up to
/// [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    // Shown in a one-line error: a TOML multi-line string can hold a newline.
    let text: String = text
        .chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect();
    if let Ok(secs) = t.parse::<f64>() {
        return seconds(secs, &format!("`{text}`"));
    }
    // humantime does not take fractions ("1.5s"); the rule quantity parser does.
    if let Ok(q) = crate::model::threshold::Quantity::parse(t) {
        if q.unit == Some(crate::model::units::SECONDS) {
            return seconds(q.value, &format!("`{text}`"));
        }
    }
    match humantime::parse_duration(t) {
        Ok(d) if d > MAX_DURATION => Err(format!(
            "duration `{text}` is out of range: at most {} s (30 days)",
            MAX_DURATION.as_secs()
        )),
        Ok(d) => Ok(d),
        Err(humantime::DurationError::NumberOverflow) => Err(format!(
            "duration `{text}` is out of range: at most {} s (30 days)",
            MAX_DURATION.as_secs()
        )),
        Err(_) => Err(format!(
            "`{text}` is not a duration (write e.g. \"500ms\", \"3s\" or 0.5)"
        )),
    }
}
