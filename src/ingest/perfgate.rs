//! `perfgate`: a report in perfgate's own format written by a harness, above all
//! perfgate-harness (`harness/`), as a harness output: `perfgate run --adapter perfgate --
//! cargo bench` or `adapter = "perfgate"` in a suite. Unlike the `json` adapter, which takes a
//! report as it is, this one takes its benchmarks into the running suite's report (perfgate's
//! machine, git state, testbed, suite name and tags), with every sample kept and the
//! summaries recomputed from them. Each sample is one process of the harness: perfgate-harness
//! re-executes itself once per sample, so the samples are tested for significance.

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::BenchStatus;

pub struct Perfgate;

const NAME: &str = "perfgate";

impl Adapter for Perfgate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn samples_are_processes(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let text = text::text(input, NAME)?;
        let report =
            crate::model::file::parse_report(text).map_err(|m| text::whole(input, NAME, m))?;
        let at = |place: String, message: String| IngestError {
            input: input.name(),
            format: NAME,
            place: Some(place),
            message,
        };
        let mut parsed = Parsed::default();
        for b in report.benchmarks {
            if b.status != BenchStatus::Ok {
                let why = b.reason.unwrap_or_default();
                return Err(at(
                    format!("benchmark `{}`", b.name),
                    format!("{} in the harness: {why}", b.status.as_str()),
                ));
            }
            let mut bench = ParsedBench::new(b.name.clone());
            bench.params = b.params;
            bench.tags = b.tags;
            for m in b.metrics {
                if m.processes.is_some_and(|p| p < m.samples.len() as u64) {
                    return Err(at(
                        format!("{}.{}", b.name, m.name),
                        format!(
                            "its samples come from {} process(es), not one each: read the harness's own output with its adapter",
                            m.processes.unwrap_or(1)
                        ),
                    ));
                }
                let mut metric = ParsedMetric::new(m.name, m.unit, m.direction);
                if m.samples.is_empty() {
                    metric.estimate.central = Some(m.summary.median);
                } else {
                    metric.samples = m.samples;
                }
                bench.metrics.push(metric);
            }
            parsed.benchmarks.push(bench);
        }
        if let Some(source) = report.source {
            parsed.source = source.metadata;
            parsed
                .source
                .entry("format".to_string())
                .or_insert(source.format.into());
        }
        Ok(parsed)
    }
}
