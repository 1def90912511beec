//! Hardware drift within a testbed: a testbed names a kind of machine, so a runner whose CPU
//! differs from the one its testbed's last run was made on is warned about, naming both. The
//! run is still judged and recorded: the warning says why its numbers may have moved.

use crate::error::Result;
use crate::model::{Machine, Report};
use crate::store::{RunFilter, Store};

/// The warning when `current` is not the hardware of `previous` (the last run of `testbed`):
/// another CPU model or another core count. `None` when they agree.
pub fn hardware_drift(testbed: &str, current: &Machine, previous: &Machine) -> Option<String> {
    if current.cpu_model == previous.cpu_model && current.cores == previous.cores {
        return None;
    }
    Some(format!(
        "testbed `{testbed}`: this runner has {:?} x {} cores, its last run had {:?} x {} cores; results may not be comparable",
        current.cpu_model, current.cores, previous.cpu_model, previous.cores
    ))
}

/// [`hardware_drift`] of `report` against the newest run of its testbed in `store` (any
/// suite, any device); `None` when the testbed has no run yet. Call it before `report` is
/// recorded. A run of the same machine id is the same hardware (the id hashes the CPU model
/// and core count), so only another machine's run is read back.
pub fn drift_note(store: &dyn Store, report: &Report) -> Result<Option<String>> {
    let filter = RunFilter {
        testbed: Some(report.testbed().to_string()),
        limit: Some(1),
        ..Default::default()
    };
    let Some(last) = store.runs(&filter)?.into_iter().next() else {
        return Ok(None);
    };
    if last.machine_id == report.machine.id {
        return Ok(None);
    }
    let previous = store.report(last.id)?;
    Ok(hardware_drift(
        report.testbed(),
        &report.machine,
        &previous.machine,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(cpu: &str, cores: u32) -> Machine {
        Machine {
            cpu_model: cpu.into(),
            cores,
            ..crate::testing::machine()
        }
    }

    #[test]
    fn the_same_cpu_and_cores_is_no_drift_whatever_else_differs() {
        let a = machine("AMD EPYC 7B13", 2);
        let b = Machine {
            id: "ffffffffffffffff".into(),
            hostname: "another-runner".into(),
            memory_bytes: a.memory_bytes * 2,
            ..a.clone()
        };
        assert_eq!(hardware_drift("x86-2core", &b, &a), None);
    }

    #[test]
    fn another_cpu_or_core_count_is_named_with_both_sides() {
        let now = machine("AMD EPYC 7B13", 2);
        let before = machine("Intel(R) Xeon(R) CPU @ 2.20GHz", 4);
        assert_eq!(
            hardware_drift("x86-2core", &now, &before).unwrap(),
            "testbed `x86-2core`: this runner has \"AMD EPYC 7B13\" x 2 cores, its last run had \"Intel(R) Xeon(R) CPU @ 2.20GHz\" x 4 cores; results may not be comparable"
        );
        let more_cores = machine("AMD EPYC 7B13", 4);
        let note = hardware_drift("t", &more_cores, &now).unwrap();
        assert!(
            note.contains("x 4 cores, its last run had \"AMD EPYC 7B13\" x 2 cores"),
            "{note}"
        );
    }

    #[test]
    fn a_store_gives_the_testbed_s_newest_run_of_any_suite() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::open(&dir.path().join("perfgate.db")).unwrap();
        // A machine's id hashes its CPU: another CPU is another id.
        let named = |suite: &str, cpu: &str, testbed: &str| Report {
            testbed: Some(testbed.into()),
            ..crate::testing::report()
                .suite(suite)
                .machine(Machine {
                    id: crate::digest::sha256_hex(cpu.as_bytes())[..16].to_string(),
                    ..machine(cpu, 2)
                })
                .build()
        };
        let current = named("s", "New CPU", "tb");
        assert_eq!(
            drift_note(store.as_ref(), &current).unwrap(),
            None,
            "no run yet"
        );
        store.record(&named("a", "Old CPU", "tb")).unwrap();
        store.record(&named("b", "New CPU", "other")).unwrap();
        let note = drift_note(store.as_ref(), &current).unwrap().unwrap();
        assert!(note.contains("its last run had \"Old CPU\""), "{note}");
        store.record(&named("c", "New CPU", "tb")).unwrap();
        assert_eq!(drift_note(store.as_ref(), &current).unwrap(), None);
    }
}
