//! `perfgate doctor` through the binary: fake /proc and /sys trees (tests/fixtures/doctor/)
//! of a machine set up for benchmarking and of one with every problem, and the real machine.

use crate::common;

use std::path::{Path, PathBuf};

use common::{perfgate, run, write};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/doctor")
        .join(name)
}

fn doctor_json(args: &[&str]) -> serde_json::Value {
    let r = run(perfgate()
        .args(["doctor", "--json", "--noise-secs", "0.2"])
        .args(args));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn check<'a>(j: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[test]
fn a_machine_set_up_for_benchmarking_passes_every_check() {
    let j = doctor_json(&["--root", fixture("good").to_str().unwrap()]);
    for id in [
        "governor",
        "turbo",
        "load",
        "cores",
        "memory",
        "virtualisation",
        "power",
        "aslr",
        "clocksource",
    ] {
        assert_eq!(check(&j, id)["status"], "ok", "{id}: {}", check(&j, id));
    }
    assert_eq!(check(&j, "governor")["found"], "performance on 2 CPUs");
    assert_eq!(
        check(&j, "memory")["found"],
        "88% available, no swap in use"
    );
    assert_eq!(check(&j, "turbo")["fix"], serde_json::Value::Null);
}

#[test]
fn every_problem_is_found_with_its_fix() {
    let j = doctor_json(&["--root", fixture("bad").to_str().unwrap()]);
    let expect = |id: &str, status: &str, found: &str, fix: Option<&str>| {
        let c = check(&j, id);
        assert_eq!(c["status"], status, "{c}");
        assert!(c["found"].as_str().unwrap().contains(found), "{c}");
        if let Some(fix) = fix {
            assert!(c["fix"].as_str().unwrap().contains(fix), "{c}");
        }
    };
    expect(
        "governor",
        "warn",
        "1 of 2 CPUs not on `performance` (e.g. `powersave`)",
        Some("cpupower frequency-set -g performance"),
    );
    expect("turbo", "warn", "turbo on", Some("intel_pstate/no_turbo"));
    expect("load", "fail", "load average 3.52 on 2 cores", None);
    expect(
        "memory",
        "warn",
        "only 5% of memory available; 500 MiB of swap in use; memory pressure 4.2%",
        None,
    );
    // 150 of 500 ticks stolen between the two samples.
    expect(
        "virtualisation",
        "warn",
        "steal time 30.0% of CPU time (virtual machine)",
        Some("instructions"),
    );
    expect("power", "warn", "on battery", Some("plug in"));
    expect("aslr", "info", "randomize_va_space = 2", Some("setarch -R"));
    expect("clocksource", "warn", "hpet", Some("echo tsc"));
    assert_eq!(j["verdict"], "not fit");
}

#[test]
fn the_real_machine_gets_a_noise_score_and_the_verdict_is_saved_for_run() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        "[[bench]]\nname = \"t\"\ncommand = [\"true\"]\n",
    );
    std::fs::create_dir(dir.path().join(".perfgate")).unwrap();
    let r = run(perfgate()
        .args(["doctor", "--json", "--noise-secs", "0.3"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let noise = &j["noise"];
    let cv = noise["cv"].as_f64().unwrap();
    assert!(cv.is_finite() && cv > 0.0, "{cv}");
    // The score comes with its interval, which contains it; 10 blocks of at least 1 run.
    let [lo, hi] = [0, 1].map(|i| noise["cv_ci95"][i].as_f64().unwrap());
    assert!(lo <= cv && cv <= hi, "{noise}");
    assert_eq!(noise["blocks"], 10);
    assert!(noise["reps"].as_u64().unwrap() >= 10);
    let level = |v: f64| match v * 100.0 {
        p if p < 1.995 => "quiet",
        p if p < 4.995 => "usable",
        _ => "noisy",
    };
    let expected = match (level(lo), level(hi)) {
        (a, b) if a == b => a.to_string(),
        ("quiet", "noisy") => "quiet to noisy".to_string(),
        (a, b) => format!("{a} or {b}"),
    };
    assert_eq!(noise["verdict"], expected.as_str(), "{noise}");
    // `borderline` exactly when the ends of the interval give different verdicts.
    assert_eq!(j["verdict"] == "borderline", j["between"].is_array(), "{j}");
    assert_eq!(j["checks"].as_array().unwrap().len(), 9);
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".perfgate/doctor.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["verdict"], j["verdict"]);
    // A saved `not fit` verdict makes `run` say so in one line.
    let mut bad = saved.clone();
    bad["verdict"] = "not fit".into();
    bad["checks"][2] = serde_json::json!({"id": "load", "status": "fail", "found": "load average 9.00 on 2 cores", "why": "", "fix": null});
    write(&dir.path().join(".perfgate/doctor.json"), &bad.to_string());
    let r = run(perfgate()
        .args(["run", "--runs", "1"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("`perfgate doctor` found this machine not fit to benchmark (load: load average 9.00 on 2 cores)"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_arguments_are_refused() {
    let r = run(perfgate().args(["doctor", "--noise-secs=-1"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--noise-secs"), "{}", r.stderr);
    let r = run(perfgate().args(["doctor", "--root", "/no/such/dir"]));
    assert_eq!(r.code, 2);
}
