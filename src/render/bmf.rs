//! A report as Bencher Metric Format JSON (`perfgate report --format bmf`), for `bencher run
//! --adapter json --file FILE`: benchmark -> measure -> `value` (the metric's median),
//! `lower_value` and `upper_value` (the bounds of the median's 95% interval). Measures are
//! named by the table and rule in [`crate::ingest::bmf`], which reads the file back: `time`
//! is Bencher's `latency` in nanoseconds, `throughput` its `throughput`, any other metric
//! `<metric> (<unit>)` with times in nanoseconds. Benchmarks without metrics (failed ones)
//! are left out; params, tags and samples have no place in BMF.

use serde_json::{json, Map, Value};

use crate::ingest::bmf::{measure_of, to_measure};
use crate::model::Report;

pub fn report_bmf(r: &Report) -> String {
    let mut top = Map::new();
    for b in r.benchmarks.iter().filter(|b| !b.metrics.is_empty()) {
        let mut measures = Map::new();
        for m in &b.metrics {
            let (measure, exp) = measure_of(&m.name, &m.unit, m.direction);
            let [lo, hi] = m.summary.ci95_median;
            measures.insert(
                measure,
                json!({
                    "value": to_measure(m.summary.median, exp),
                    "lower_value": to_measure(lo, exp),
                    "upper_value": to_measure(hi, exp),
                }),
            );
        }
        top.insert(b.name.clone(), Value::Object(measures));
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;
    use crate::testing::{bench, metric, peak_rss, report, time};

    #[test]
    fn times_are_latency_in_nanoseconds_and_other_metrics_say_their_unit() {
        let r = report()
            .bench(
                bench("parse")
                    .metric(time("time", vec![1.0e-6, 2.0e-6, 3.0e-6]))
                    .metric(time("wall_time", vec![0.5, 0.5, 0.5]))
                    .metric(peak_rss(vec![100.0; 3]))
                    .metric(metric(
                        "accuracy",
                        "ratio",
                        Direction::HigherIsBetter,
                        vec![0.5; 3],
                    )),
            )
            .bench(bench("broken").failed("exit 1"))
            .build();
        let v: Value = serde_json::from_str(&report_bmf(&r)).unwrap();
        let parse = v["parse"].as_object().unwrap();
        let keys: Vec<&str> = parse.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "accuracy (ratio, higher is better)",
                "latency",
                "peak_rss (bytes)",
                "wall_time (ns)"
            ]
        );
        assert_eq!(parse["latency"]["value"], 2000.0);
        assert_eq!(parse["wall_time (ns)"]["value"], 5e8);
        assert_eq!(parse["peak_rss (bytes)"]["value"], 100.0);
        assert_eq!(parse["accuracy (ratio, higher is better)"]["value"], 0.5);
        let lat = &parse["latency"];
        assert!(lat["lower_value"].as_f64().unwrap() <= 2000.0);
        assert!(lat["upper_value"].as_f64().unwrap() >= 2000.0);
        assert!(
            v.get("broken").is_none(),
            "a failed benchmark has no measure"
        );
    }
}
