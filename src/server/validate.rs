//! Pushed reports are checked exactly as report files are ([`crate::model::file::parse_report`]);
//! when that refuses a body for a value JSON cannot hold as a number (a `NaN` or `Infinity`
//! token, or the `null` a serializer writes for NaN), this names the field the value is in.

use serde_json::Value;

/// `why` (the report parser's message), or a message naming the offending field when one
/// can be found in `text`.
pub fn explain(text: &str, why: String) -> String {
    match serde_json::from_str::<Value>(text) {
        Err(e) => non_finite_token(text, &e).unwrap_or(why),
        Ok(value) => bad_sample(&value).unwrap_or(why),
    }
}

/// A `NaN`/`Infinity` token where JSON syntax broke off, with its place.
fn non_finite_token(text: &str, e: &serde_json::Error) -> Option<String> {
    let line = text.lines().nth(e.line().checked_sub(1)?)?;
    let at = line.get(e.column().saturating_sub(1)..)?;
    let at = at.trim_start_matches(['-', '+']);
    ["NaN", "Infinity", "inf", "nan"]
        .iter()
        .find(|t| at.starts_with(**t))
        .map(|t| {
            format!(
                "line {} column {}: `{t}` is not a finite number (a sample must be one)",
                e.line(),
                e.column()
            )
        })
}

/// The first sample that is not a number: `benchmarks[0].metrics[1].samples[2]`.
fn bad_sample(value: &Value) -> Option<String> {
    let benchmarks = value.get("benchmarks")?.as_array()?;
    for (i, b) in benchmarks.iter().enumerate() {
        for (j, m) in b.get("metrics")?.as_array()?.iter().enumerate() {
            let Some(samples) = m.get("samples").and_then(Value::as_array) else {
                continue;
            };
            if let Some((k, v)) = samples.iter().enumerate().find(|(_, v)| !v.is_number()) {
                return Some(format!(
                    "benchmarks[{i}].metrics[{j}].samples[{k}]: {v} is not a finite number"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_numbers_are_placed_in_the_report() {
        let why = "not valid".to_string();
        let null = r#"{"benchmarks":[{"metrics":[{"samples":[1]},{"samples":[1.0, null]}]}]}"#;
        assert_eq!(
            explain(null, why.clone()),
            "benchmarks[0].metrics[1].samples[1]: null is not a finite number"
        );
        assert_eq!(
            explain("{\"samples\": [1,\n  NaN]}", why.clone()),
            "line 2 column 3: `NaN` is not a finite number (a sample must be one)"
        );
        assert!(explain("[1, -Infinity]", why.clone()).contains("`Infinity`"));
        assert_eq!(explain("{\"a\": tru}", why.clone()), why);
        assert_eq!(explain("{\"benchmarks\": []}", why.clone()), why);
    }
}
