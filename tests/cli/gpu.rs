//! GPU metrics of `device = "cuda"` benchmarks through the binary, with the fake NVML sampler
//! (`PERFGATE_FAKE_GPU`; no GPU is lent to these machines): peak GPU memory and utilisation
//! per run, the GPU in the machine block, and a driver error that fails the run (a warning in
//! `check` unless strict). The real NVML path is loaded at run time, so without a driver a
//! cuda benchmark is skipped, never a build or test failure.

use crate::common;

use common::{metric_of, perfgate, read_json, run, samples, write};

const CONFIG: &str = r#"suite = "gpu"
[[bench]]
name = "kernel"
device = "cuda"
command = ["sleep", "0.08"]
runs = 3
warmup = 0
[[bench]]
name = "host"
command = ["true"]
runs = 3
warmup = 0
"#;

#[test]
fn a_cuda_benchmark_gets_peak_gpu_memory_and_utilisation() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("perfgate.toml"), CONFIG);
    let r = run(perfgate()
        .args(["run", "--json-out", "r.json"])
        .current_dir(dir.path())
        // Each run's sampler starts the script again: 1 MiB, then 2 MiB (held).
        .env("PERFGATE_FAKE_GPU", "mem=1048576,2097152;util=30,80"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&dir.path().join("r.json"));
    assert_eq!(report["benchmarks"][0]["name"], "kernel");
    assert_eq!(samples(&report, 0, "gpu_mem_peak"), [2097152.0; 3]);
    assert_eq!(metric_of(&report, 0, "gpu_mem_peak")["unit"], "bytes");
    let util = metric_of(&report, 0, "gpu_util");
    assert_eq!(util["unit"], "%");
    let u = util["summary"]["median"].as_f64().unwrap();
    // The mean of 30, 80, 80, ... over a run of ~8 samples.
    assert!(u > 30.0 && u < 80.0, "{u}");
    // The CPU benchmark has no GPU metrics.
    let host = report["benchmarks"][1]["metrics"].as_array().unwrap();
    assert!(host
        .iter()
        .all(|m| !m["name"].as_str().unwrap().starts_with("gpu")));
    assert_eq!(
        report["machine"]["gpu"],
        serde_json::json!({"models": ["perfgate fake GPU"], "driver": "fake"})
    );
}

#[test]
fn no_gpu_skips_and_a_driver_error_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("perfgate.toml"), CONFIG);
    let r = run(perfgate()
        .args(["run", "--json-out", "r.json"])
        .current_dir(dir.path())
        .env("PERFGATE_FAKE_GPU", "none"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&dir.path().join("r.json"));
    assert_eq!(report["benchmarks"][0]["status"], "skipped");
    assert!(report["machine"].get("gpu").is_none());

    let r = run(perfgate()
        .args(["run", "--ignore-failure", "--json-out", "r.json"])
        .current_dir(dir.path())
        .env(
            "PERFGATE_FAKE_GPU",
            "fail=Xid 79: GPU has fallen off the bus",
        ));
    assert_eq!(r.code, 3, "{}", r.stderr);
    let report = read_json(&dir.path().join("r.json"));
    let kernel = &report["benchmarks"][0];
    assert_eq!(kernel["status"], "failed");
    let reason = kernel["reason"].as_str().unwrap();
    assert!(
        reason.contains("GPU sampling failed") && reason.contains("fallen off the bus"),
        "{reason}"
    );
    assert_eq!(report["benchmarks"][1]["status"], "ok");

    // check: the GPU failure warns, the CPU benchmark is still gated; strict blocks.
    let check = |strict: bool| {
        let mut c = perfgate();
        c.arg("check").current_dir(dir.path());
        if strict {
            c.arg("--strict-gpu");
        }
        run(c.env("PERFGATE_FAKE_GPU", "fail"))
    };
    assert_eq!(check(false).code, 0);
    assert_eq!(check(true).code, 3);
}
