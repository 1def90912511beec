//! A testbed's history from the server, copied into a local store: the recent runs of each
//! device (as many as the noise-aware thresholds look at) and the baseline a check compares
//! with. The check then runs against that store exactly as against a local one.

use super::{Client, RemoteBaseline, RetryNote};
use crate::error::Result;
use crate::store::{BaselineKey, Store};

/// Which history to fetch.
#[derive(Debug, Clone)]
pub struct HistoryRequest<'a> {
    /// The project: the report's suite.
    pub project: &'a str,
    pub testbed: &'a str,
    /// The devices the check measured.
    pub devices: &'a [String],
    /// The baseline to fetch per device (`None`: a baseline file is used instead).
    pub baseline: Option<&'a str>,
    /// Runs per device.
    pub limit: usize,
}

/// What was copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    pub runs: usize,
    /// The devices whose baseline the server had.
    pub baselines: Vec<String>,
}

/// Copies the history `req` names from the server into `store`: the runs oldest first (so the
/// local run ids keep the server's order), then the baselines, keyed as the check looks for
/// them. A server that cannot be reached fails the whole fetch.
pub fn fetch_history(
    client: &Client,
    store: &mut dyn Store,
    req: &HistoryRequest,
    note: RetryNote,
) -> Result<Fetched> {
    let mut runs = Vec::new();
    for device in req.devices {
        runs.extend(client.runs(req.project, req.testbed, device, req.limit, note)?);
    }
    runs.sort_unstable_by_key(|r| r.id);
    runs.dedup_by_key(|r| r.id);
    let mut fetched = Fetched::default();
    for run in runs {
        let report = client.report(req.project, run.id, note)?;
        // A run a gate judged comes with its verdicts: the noise-aware thresholds leave out
        // the metrics that failed, here as in a local store.
        let judgement = match run.gate {
            Some(_) => client.judgement(req.project, run.id, note)?,
            None => None,
        };
        store.record_judged(&report, judgement.as_ref())?;
        fetched.runs += 1;
    }
    let Some(name) = req.baseline else {
        return Ok(fetched);
    };
    for device in req.devices {
        let remote = RemoteBaseline {
            project: req.project.to_string(),
            testbed: req.testbed.to_string(),
            device: device.clone(),
            name: name.to_string(),
        };
        if let Some(report) = client.baseline(&remote, note)? {
            let key = BaselineKey {
                suite: req.project.to_string(),
                device: device.clone(),
                testbed: req.testbed.to_string(),
                name: name.to_string(),
            };
            store.save_baseline(&key, &report, &format!("server {}", client.url()))?;
            fetched.baselines.push(device.clone());
        }
    }
    Ok(fetched)
}
