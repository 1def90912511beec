//! `perfgate record REPORT...`: put existing reports (from CI artifacts, other tools) into
//! the history store.

use super::{common, print_stderr, print_stdout};
use crate::cli::RecordArgs;
use crate::error::{ExitStatus, Result};
use crate::model::file::read_report;
use crate::store::Store;

pub fn record(args: RecordArgs) -> Result<ExitStatus> {
    let given = crate::cli::plans::checked_testbed(args.testbed.as_deref())?;
    // Read and check every file first: nothing is recorded if one of them is bad.
    let mut reports = args
        .reports
        .iter()
        .map(|p| read_report(p))
        .collect::<Result<Vec<_>>>()?;
    let config = common::optional_config(None)?;
    // A report that names no testbed is filed under the one named here, if any.
    let named = crate::context::named_testbed(given, config.as_ref());
    for r in reports.iter_mut().filter(|r| r.testbed.is_none()) {
        r.testbed = named.clone().filter(|t| *t != r.machine.id);
    }
    let path = common::store_path(&args.store, config.as_ref());
    let mut store = common::open_store(&path)?;
    let mut out = String::new();
    for (file, report) in args.reports.iter().zip(&reports) {
        if let Some(warning) = crate::engine::drift_note(store.as_ref(), report)? {
            print_stderr(&format!("perfgate: warning: {warning}\n"));
        }
        let id = store.record(report)?;
        out.push_str(&format!(
            "recorded {} as run {id} in {}\n",
            file.display(),
            path.display()
        ));
    }
    print_stdout(&out)?;
    Ok(ExitStatus::Pass)
}
