//! `benchmark_ips`: Ruby's benchmark-ips (gem `benchmark-ips`, Debian's `ruby-benchmark-ips`
//! 2.7.x): the JSON file of `x.json! FILE`, or the text it prints. Both describe the same
//! measurement: for each `x.report(label)`, benchmark-ips calls the block `cycles` times per
//! sample (`cycles` is what the warm-up found fits in 100 ms), takes samples for `x.time`
//! seconds, and turns each sample into a rate, `cycles / sample seconds`. With the default
//! `:sd` statistics it then reports the mean of those rates (`central_tendency`, also
//! written as `ips`) and their standard deviation rounded to an integer (`error`, also
//! `stddev`). Every sample runs in the one Ruby process.
//!
//! JSON: an array with one object per report, in the order they ended:
//!
//! ```json
//! [{ "name": "join", "central_tendency": 476937.24, "ips": 476937.24, "error": 121262,
//!    "stddev": 121262, "microseconds": 2048570.49, "iterations": 913235, "cycles": 48065 }]
//! ```
//!
//! `iterations` counts the calls over all samples, so the number of samples is
//! `iterations / cycles` (exactly: every sample is `cycles` calls). `microseconds` is the
//! total measured time. Older versions wrote only `ips` and `stddev`; either spelling is read.
//!
//! Text: see [`text_output`].
//!
//! Two metrics per report: `throughput` in `ops/s`, higher is better, with central = mean =
//! the mean rate, stddev = `error`, n = the number of samples; and `time`, seconds per
//! iteration, lower is better: the inverse of that rate (left out if the rate is 0), with the
//! same n and the same relative spread (`stddev / ips²`, the first-order carry-over).
//! benchmark-ips keeps no samples in its output, so both are estimates. The comparison block
//! (`x.compare!`) is a ranking of the same numbers, not a benchmark.
//!
//! Not read: the `:bootstrap` statistics (they need the `kalibera` gem, which is not in
//! Debian), whose `central_tendency` is a median and `error` an interval's half-width. The
//! JSON does not say which statistics made it, so it is read as `:sd`; the text says so in a
//! `with 95.0% confidence` line, which is refused.

mod text_output;

use serde_json::{Map, Value};

use super::{text, Adapter, Estimate, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct BenchmarkIps;

const NAME: &str = "benchmark_ips";

/// One report of benchmark-ips, from either output.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    name: String,
    /// Iterations per second: the mean of the samples' rates.
    ips: f64,
    /// Standard deviation of the samples' rates.
    stddev: Option<f64>,
    /// Number of samples, when known exactly.
    samples: Option<usize>,
}

impl Adapter for BenchmarkIps {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let raw = text::text(input, NAME)?;
        let entries = if raw.trim_start().starts_with(['[', '{']) {
            from_json(input)?
        } else {
            text_output::parse(input, raw)?
        };
        Ok(Parsed {
            benchmarks: entries.iter().map(bench).collect(),
            ..Parsed::default()
        })
    }
}

const NOT_IPS_JSON: &str = "not benchmark-ips JSON (an array of objects with `name`, \
                            `central_tendency` or `ips`, `iterations` and `cycles`)";

fn from_json(input: &Input) -> Result<Vec<Entry>, IngestError> {
    let doc = text::json(input, NAME)?;
    let Some(items) = doc.as_array() else {
        return Err(text::whole(input, NAME, NOT_IPS_JSON));
    };
    let looks_right = |v: &Value| {
        v.as_object().is_some_and(|o| {
            o.contains_key("name")
                && (o.contains_key("central_tendency") || o.contains_key("ips"))
                && o.contains_key("iterations")
                && o.contains_key("cycles")
        })
    };
    if !items.iter().all(looks_right) {
        return Err(text::whole(input, NAME, NOT_IPS_JSON));
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
        .map(|(i, o)| json_entry(input, i, o))
        .collect()
}

fn json_entry(input: &Input, i: usize, o: &Map<String, Value>) -> Result<Entry, IngestError> {
    let at = |key: &str, message: &str| IngestError {
        input: input.name(),
        format: NAME,
        place: Some(format!("[{i}].{key}")),
        message: message.to_string(),
    };
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| at("name", "not a non-empty string"))?;
    // The current spelling first, then the older one it is a copy of.
    let number = |keys: [&str; 2]| -> Result<Option<f64>, IngestError> {
        match keys.iter().find_map(|k| o.get(*k).map(|v| (*k, v))) {
            None => Ok(None),
            Some((k, v)) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| at(k, "not a finite number")),
        }
    };
    let ips =
        number(["central_tendency", "ips"])?.ok_or_else(|| at("central_tendency", "missing"))?;
    let stddev = number(["error", "stddev"])?;
    let count = |key: &str| {
        o.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| at(key, "not a whole number"))
    };
    let (iterations, cycles) = (count("iterations")?, count("cycles")?);
    // Each sample is `cycles` calls; a remainder would mean another way of counting.
    let samples = (cycles > 0 && iterations % cycles == 0 && iterations > 0)
        .then(|| usize::try_from(iterations / cycles).ok())
        .flatten();
    Ok(Entry {
        name: name.to_string(),
        ips,
        stddev,
        samples,
    })
}

fn bench(e: &Entry) -> ParsedBench {
    let mut rate = ParsedMetric::new(
        metric_names::THROUGHPUT,
        Unit::OPS_PER_SECOND,
        Direction::HigherIsBetter,
    );
    rate.estimate = Estimate {
        central: Some(e.ips),
        mean: Some(e.ips),
        stddev: e.stddev,
        n: e.samples,
        ..Estimate::default()
    };
    let mut b = ParsedBench::new(e.name.clone());
    b.metrics.push(rate);
    if e.ips > 0.0 {
        let mut time = ParsedMetric::point(
            metric_names::TIME,
            Unit::SECONDS,
            Direction::LowerIsBetter,
            1.0 / e.ips,
        );
        // The rate's relative spread, carried to its inverse to first order.
        time.estimate.stddev = e.stddev.map(|sd| sd / (e.ips * e.ips));
        time.estimate.n = e.samples;
        b.metrics.push(time);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_json(s: &str) -> Result<Vec<Entry>, IngestError> {
        from_json(&Input::from_bytes("t", s))
    }

    #[test]
    fn samples_are_iterations_over_cycles_when_they_divide() {
        let one = |it: u64, cy: u64| {
            let s = format!(
                r#"[{{"name":"a","ips":2.0,"stddev":1,"microseconds":1,"iterations":{it},"cycles":{cy}}}]"#
            );
            parse_json(&s).unwrap()[0].samples
        };
        assert_eq!(one(913_235, 48_065), Some(19));
        assert_eq!(one(10, 3), None);
        assert_eq!(one(10, 0), None);
        assert_eq!(one(0, 5), None);
    }

    #[test]
    fn the_older_spellings_are_read_and_the_newer_win() {
        let e = parse_json(
            r#"[{"name":"a","central_tendency":4.0,"ips":5.0,"error":2,"stddev":3,"iterations":8,"cycles":2}]"#,
        )
        .unwrap();
        assert_eq!((e[0].ips, e[0].stddev), (4.0, Some(2.0)));
        let old = parse_json(r#"[{"name":"a","ips":5.0,"iterations":8,"cycles":2}]"#).unwrap();
        assert_eq!((old[0].ips, old[0].stddev), (5.0, None));
    }

    #[test]
    fn broken_entries_name_their_field() {
        for (doc, place) in [
            (
                r#"[{"name":"","ips":1,"iterations":1,"cycles":1}]"#,
                "[0].name",
            ),
            (
                r#"[{"name":"a","ips":"1","iterations":1,"cycles":1}]"#,
                "[0].ips",
            ),
            (
                r#"[{"name":"a","ips":1,"iterations":-1,"cycles":1}]"#,
                "[0].iterations",
            ),
            (
                r#"[{"name":"a","ips":1,"error":null,"iterations":1,"cycles":1}]"#,
                "[0].error",
            ),
        ] {
            let e = parse_json(doc).unwrap_err();
            assert_eq!(e.place.as_deref(), Some(place), "{doc}");
        }
        let e = parse_json(r#"{"name":"a"}"#).unwrap_err();
        assert_eq!(e.message, NOT_IPS_JSON);
    }

    #[test]
    fn a_zero_rate_has_no_time() {
        let b = bench(&Entry {
            name: "a".into(),
            ips: 0.0,
            stddev: None,
            samples: None,
        });
        assert_eq!(b.metrics.len(), 1);
        let b = bench(&Entry {
            name: "a".into(),
            ips: 4.0,
            stddev: Some(1.0),
            samples: Some(3),
        });
        assert_eq!(b.metrics[1].estimate.central, Some(0.25));
        // cv 1/4 of the rate is cv 1/4 of the time: 0.25 · 0.25.
        assert_eq!(b.metrics[1].estimate.stddev, Some(0.0625));
        assert_eq!(b.metrics[1].estimate.n, Some(3));
    }
}
