//! `pyperf` adapter on real outputs in tests/fixtures/pyperf/ (pyperf 2.11.0; the script and
//! the commands are in its README), checked against the JSON read here independently and
//! against what `pyperf stats` printed for the same file (`src/suite.stats.txt`).

use perfgate::ingest::{self, Input, ReportContext};
use perfgate::model::{Direction, Report, Unit};
use serde_json::Value;

use crate::fixture;

fn json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture::path(rel)).unwrap()).unwrap()
}

/// Every value of every run of benchmark `i`, in run order, read from the file.
fn values_of(doc: &Value, i: usize) -> (Vec<f64>, usize) {
    let runs = doc["benchmarks"][i]["runs"].as_array().unwrap();
    let with_values: Vec<&Value> = runs.iter().filter(|r| r.get("values").is_some()).collect();
    let values = with_values
        .iter()
        .flat_map(|r| r["values"].as_array().unwrap())
        .map(|v| v.as_f64().unwrap())
        .collect();
    (values, with_values.len())
}

pub fn context() -> ReportContext {
    ReportContext {
        suite: "pyperf-fixture".into(),
        timestamp_utc: "2026-12-01T21:30:00Z".into(),
        git: None,
        machine: perfgate::context::machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: String::new(),
        seed: 7,
        tags: vec![],
        command: None,
    }
}

pub fn report(rel: &str) -> Report {
    let (format, parsed) = ingest::parse("pyperf", &fixture::input(rel)).unwrap();
    ingest::to_report(format, parsed, &context())
}

#[test]
fn a_runner_suite_keeps_every_worker_value_as_a_sample_and_the_workers_as_processes() {
    let p = fixture::parse("pyperf", "pyperf/suite.json");
    assert_eq!(fixture::names(&p), ["sum_range", "sort", "join_x10"]);
    let doc = json("pyperf/suite.json");
    for (i, bench) in p.benchmarks.iter().enumerate() {
        assert_eq!(bench.metrics.len(), 1);
        let m = &bench.metrics[0];
        assert_eq!(
            (m.name.as_str(), &m.unit, m.direction),
            ("time", &Unit::SECONDS, Direction::LowerIsBetter)
        );
        let (values, processes) = values_of(&doc, i);
        // 6 workers x 3 values; the calibration run and every warm-up are left out.
        assert_eq!((values.len(), processes), (18, 6), "{}", bench.name);
        assert_eq!(m.samples, values, "{}", bench.name);
        assert_eq!(m.processes, Some(6));
        // Six invocations (`--append`), each a calibration run and a worker.
        let runs = doc["benchmarks"][i]["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 12);
        assert!(
            runs[0].get("values").is_none() && runs[0]["warmups"].as_array().unwrap().len() > 1
        );
    }
    // The report keeps the process count, so `compare` tests per-process means.
    let r = report("pyperf/suite.json");
    for b in &r.benchmarks {
        assert_eq!(b.metrics[0].processes, Some(6));
        assert_eq!(b.metrics[0].independent_samples().unwrap().len(), 6);
    }
}

#[test]
fn the_source_keeps_the_python_and_cpu_metadata_and_each_benchmarks_loops() {
    let p = fixture::parse("pyperf", "pyperf/suite.json");
    let s = &p.source;
    assert_eq!(s["version"], "1.0");
    assert_eq!(s["perf_version"], "2.11.0");
    assert!(s["python_version"].as_str().unwrap().starts_with("3.11.7"));
    assert_eq!(s["python_implementation"], "cpython");
    assert!(s["cpu_model_name"].is_string() && s["cpu_count"].is_u64());
    assert_eq!(s["unit"], "second");
    let join = &s["benchmarks"]["join_x10"];
    assert_eq!(join["inner_loops"], 10);
    assert_eq!(join["processes"], 6);
    assert_eq!(join["values_per_process"], 3);
    assert_eq!(join["warmups_per_process"], 1);
    assert_eq!(join["calibration_runs"], 6);
    // Each invocation calibrated its own loops: one per worker, in run order.
    let doc = json("pyperf/suite.json");
    let loops: Vec<&Value> = doc["benchmarks"][2]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("values").is_some())
        .map(|r| &r["metadata"]["loops"])
        .collect();
    assert_eq!(
        join["loops"].as_array().unwrap().iter().collect::<Vec<_>>(),
        loops
    );
    assert_eq!(s["benchmarks"]["sort"]["inner_loops"], 1);
}

/// A number as pyperf prints it (`3.26 us`, `925 ns`, `1.02 ms`, `246 ms`, `1.05 sec`) in
/// seconds, and half its last printed digit (how far the printed number may be from the true
/// one).
fn printed_seconds(text: &str) -> (f64, f64) {
    let (number, unit) = text.trim().split_once(' ').unwrap();
    let scale = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "sec" => 1.0,
        other => panic!("unit {other}"),
    };
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    let half_digit = 0.5 * 10f64.powi(-(decimals as i32));
    (number.parse::<f64>().unwrap() * scale, half_digit * scale)
}

/// The lines of benchmark `name`'s section of `pyperf stats`.
fn stats_section(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture::path("pyperf/src/suite.stats.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .windows(2)
        .position(|w| w[0] == name && w[1].starts_with("---"))
        .unwrap_or_else(|| panic!("no section {name}"));
    lines[start + 2..]
        .iter()
        .take_while(|l| !l.starts_with("-----"))
        .map(ToString::to_string)
        .collect()
}

fn after<'a>(lines: &'a [String], label: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` in {lines:?}"))
        .trim()
}

fn assert_printed(ours: f64, printed: &str, what: &str) {
    let (value, half) = printed_seconds(printed);
    assert!(
        (ours - value).abs() <= half * 1.000001,
        "{what}: ours {ours:e}, pyperf stats printed {printed}"
    );
}

/// The summary of each benchmark is what `pyperf stats` printed for the file: minimum,
/// median, mean, standard deviation and maximum of the values per loop (per inner loop for
/// `join_x10`), the number of values and of runs with values; and the raw minimum is the
/// minimum value times loops x inner loops, as pyperf stores it.
#[test]
fn summaries_are_what_pyperf_stats_prints() {
    let r = report("pyperf/suite.json");
    let p = fixture::parse("pyperf", "pyperf/suite.json");
    for b in &r.benchmarks {
        let lines = stats_section(&b.name);
        let m = &b.metrics[0];
        let s = &m.summary;
        assert_eq!(
            after(&lines, "Total number of values:"),
            s.n.to_string(),
            "{}",
            b.name
        );
        assert_eq!(after(&lines, "Number of run with values:"), "6");
        assert_printed(s.min, after(&lines, "Minimum:"), "min");
        assert_printed(s.max, after(&lines, "Maximum:"), "max");
        let (median, _) = after(&lines, "Median +- MAD:").split_once(" +- ").unwrap();
        assert_printed(s.median, median, "median");
        let (mean, sd) = after(&lines, "Mean +- std dev:")
            .split_once(" +- ")
            .unwrap();
        assert_printed(s.mean, mean, "mean");
        assert_printed(s.stddev, sd, "stddev");
        // A raw value is the value times its worker's loops and the inner loops.
        let facts = &p.source["benchmarks"][&b.name];
        let inner = facts["inner_loops"].as_f64().unwrap();
        let loops = facts["loops"].as_array().unwrap();
        let raw_min = m
            .samples
            .chunks(3)
            .zip(loops)
            .flat_map(|(values, l)| values.iter().map(move |v| v * l.as_f64().unwrap() * inner))
            .fold(f64::INFINITY, f64::min);
        assert_printed(raw_min, after(&lines, "Raw value minimum:"), "raw minimum");
    }
}

#[test]
fn timeit_names_its_one_benchmark_from_the_file_metadata() {
    let p = fixture::parse("pyperf", "pyperf/timeit.json");
    assert_eq!(fixture::names(&p), ["timeit"]);
    let doc = json("pyperf/timeit.json");
    assert!(doc["benchmarks"][0].get("metadata").is_none());
    assert_eq!(doc["metadata"]["name"], "timeit");
    let (values, processes) = values_of(&doc, 0);
    let m = fixture::metric(&p, "timeit", "time");
    assert_eq!(m.samples, values);
    assert_eq!((values.len(), processes), (12, 4));
    assert_eq!(m.processes, Some(4));
    assert_eq!(
        p.source["benchmarks"]["timeit"]["loops"],
        doc["metadata"]["loops"]
    );
}

#[test]
fn track_memory_is_peak_memory_in_bytes_one_value_per_process() {
    let p = fixture::parse("pyperf", "pyperf/track-memory.json");
    let m = fixture::metric(&p, "timeit", "peak_memory");
    assert_eq!(
        (&m.unit, m.direction),
        (&Unit::BYTES, Direction::LowerIsBetter)
    );
    let doc = json("pyperf/track-memory.json");
    assert_eq!(doc["metadata"]["unit"], "byte");
    let (values, processes) = values_of(&doc, 0);
    assert_eq!(m.samples, values);
    assert_eq!((values.len(), processes), (4, 4));
    // One value per process: each sample is its own process, nothing to say.
    let r = report("pyperf/track-memory.json");
    assert_eq!(r.benchmarks[0].metrics[0].processes, None);
}

/// The fixture with one change, as the adapter's one-line error.
fn error_after(rel: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut doc = json(rel);
    change(&mut doc);
    let input = Input::from_bytes("x.json", serde_json::to_vec(&doc).unwrap());
    ingest::parse("pyperf", &input).unwrap_err().to_string()
}

#[test]
fn broken_files_are_refused_with_the_place() {
    let e = error_after("pyperf/suite.json", |d| {
        d["benchmarks"][1]["runs"][3]["values"][1] = Value::from("fast");
    });
    assert_eq!(
        e,
        "x.json: pyperf: benchmarks[1].runs[3].values[1]: not a finite number"
    );
    let e = error_after("pyperf/suite.json", |d| d["version"] = Value::from(5));
    assert_eq!(
        e,
        "x.json: pyperf: version: pyperf file format 5 is not read (only \"1.0\", pyperf 1.0 and later, and 6)"
    );
    let e = error_after("pyperf/suite.json", |d| {
        let runs = d["benchmarks"][0]["runs"].as_array_mut().unwrap();
        runs.truncate(1);
    });
    assert_eq!(
        e,
        "x.json: pyperf: benchmarks[0].runs: no run has values (only calibration runs): nothing was measured"
    );
    let e = error_after("pyperf/timeit.json", |d| {
        d["metadata"].as_object_mut().unwrap().remove("name");
    });
    assert_eq!(
        e,
        "x.json: pyperf: benchmarks[0].metadata.name: missing or not a string (in the benchmark's or the file's metadata)"
    );
    let e = error_after("pyperf/suite.json", |d| {
        d["metadata"]["unit"] = "furlong".into();
    });
    assert!(
        e.ends_with(
            "benchmarks[0].metadata.unit: not one of pyperf's units (`second`, `byte`, `integer`)"
        ),
        "{e}"
    );
    // pyperf writes gzip for `-o FILE.json.gz`: said, not read as text.
    let gz = Input::from_bytes("x.json.gz", vec![0x1f, 0x8b, 0x08, 0x00]);
    assert_eq!(
        ingest::parse("pyperf", &gz).unwrap_err().to_string(),
        "x.json.gz: pyperf: gzip-compressed (pyperf's `-o FILE.json.gz`): decompress it first (`gunzip -k FILE.json.gz`)"
    );
    // Another harness's JSON with `benchmarks` is not pyperf's.
    let e = ingest::parse("pyperf", &fixture::input("pytest/data.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("pyperf: not pyperf JSON"), "{e}");
}
