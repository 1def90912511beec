//! GPU metrics for `device = "cuda"` benchmarks: a [`PeakTracker`] samples the GPU memory of
//! the benchmark's process tree while it runs (`gpu_mem_peak`) and the utilisation of the
//! devices it uses (`gpu_util`). Samples come from a [`GpuSampler`]: [`Nvml`], opened at run
//! time so perfgate needs no GPU to build, run or test, or a [`FakeSampler`] chosen with
//! `PERFGATE_FAKE_GPU` (format in [`fake`]'s docs).

mod fake;
mod nvml;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

pub use fake::{parse_fake_gpu, FakeGpu, FakeSampler, FAKE_GPU_ENV};
pub use nvml::{GpuInfo, Nvml};

/// One reading for a set of processes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GpuSample {
    /// GPU memory those processes use, summed over every device.
    pub used_bytes: u64,
    /// Utilisation (%) of the devices they use, the highest of them; `None` when they use no
    /// device or the driver cannot tell.
    pub util_pct: Option<f64>,
}

pub trait GpuSampler: Send {
    fn sample(&mut self, pids: &[u32]) -> Result<GpuSample, String>;
}

/// How often [`PeakTracker`] samples unless told otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(10);

/// Failed samples whose messages [`GpuPeak::errors`] keeps.
const KEPT_ERRORS: usize = 5;

/// What a tracked run used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpuPeak {
    pub peak_bytes: u64,
    /// Mean over the samples that had a utilisation.
    pub mean_util_pct: Option<f64>,
    /// Successful samples.
    pub samples: usize,
    /// Failed samples.
    pub failed: usize,
    /// The first few failures' messages.
    pub errors: Vec<String>,
}

impl GpuPeak {
    fn record(&mut self, sample: Result<GpuSample, String>, utils: &mut Vec<f64>) {
        match sample {
            Ok(s) => {
                self.samples += 1;
                self.peak_bytes = self.peak_bytes.max(s.used_bytes);
                utils.extend(s.util_pct);
            }
            Err(e) => {
                self.failed += 1;
                if self.errors.len() < KEPT_ERRORS {
                    self.errors.push(e);
                }
            }
        }
    }
}

/// Samples a process tree on its own thread until [`PeakTracker::stop`].
pub struct PeakTracker {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<Result<JoinHandle<GpuPeak>, String>>,
}

impl PeakTracker {
    /// Samples `root_pid` and its descendants now and every `interval` after.
    pub fn start(
        mut sampler: Box<dyn GpuSampler>,
        root_pid: u32,
        interval: Duration,
    ) -> PeakTracker {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("perfgate-gpu".into())
            .spawn(move || {
                let mut peak = GpuPeak::default();
                let mut utils = Vec::new();
                loop {
                    peak.record(sampler.sample(&process_tree(root_pid)), &mut utils);
                    let (lock, cv) = &*signal;
                    let stopped = lock.lock().unwrap_or_else(PoisonError::into_inner);
                    let (stopped, _) = cv
                        .wait_timeout_while(stopped, interval, |stopped| !*stopped)
                        .unwrap_or_else(PoisonError::into_inner);
                    if *stopped {
                        break;
                    }
                }
                // The final sample, at stop.
                peak.record(sampler.sample(&process_tree(root_pid)), &mut utils);
                if !utils.is_empty() {
                    peak.mean_util_pct = Some(utils.iter().sum::<f64>() / utils.len() as f64);
                }
                peak
            })
            .map_err(|e| format!("could not start the GPU sampling thread: {e}"));
        PeakTracker {
            stop,
            thread: Some(thread),
        }
    }

    /// Takes one last sample and returns what the run used.
    pub fn stop(mut self) -> GpuPeak {
        self.finish()
    }

    fn finish(&mut self) -> GpuPeak {
        let (lock, cv) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        cv.notify_all();
        let failed = |why: String| GpuPeak {
            failed: 1,
            errors: vec![why],
            ..GpuPeak::default()
        };
        match self.thread.take() {
            Some(Ok(handle)) => handle
                .join()
                .unwrap_or_else(|_| failed("the GPU sampling thread panicked".into())),
            Some(Err(why)) => failed(why),
            None => GpuPeak::default(),
        }
    }
}

impl Drop for PeakTracker {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `root` and all its descendants. Walks `/proc/<pid>/task/<tid>/children` from `root` (cheap:
/// only the tree is read); where the kernel lacks those files, scans every `/proc/<pid>/stat`.
/// `root` is always first, even once it has exited.
pub fn process_tree(root: u32) -> Vec<u32> {
    if !std::path::Path::new(&format!("/proc/{root}/task/{root}/children")).exists()
        && std::path::Path::new(&format!("/proc/{root}")).exists()
    {
        return process_tree_by_scan(root);
    }
    let mut tree = vec![root];
    let mut seen = HashSet::from([root]);
    let mut i = 0;
    while i < tree.len() {
        let pid = tree[i];
        i += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let Ok(children) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                if seen.insert(child) {
                    tree.push(child);
                }
            }
        }
    }
    tree
}

/// [`process_tree`] from the parent of every process in `/proc`.
fn process_tree_by_scan(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                })
                .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
                .filter_map(|stat| parse_stat(&stat))
                .collect()
        })
        .unwrap_or_default();
    descendants(root, &parents)
}

/// `root` then its descendants, breadth first, from `(pid, ppid)` pairs.
fn descendants(root: u32, parents: &[(u32, u32)]) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(pid, ppid) in parents {
        children.entry(ppid).or_default().push(pid);
    }
    let mut tree = vec![root];
    let mut queue = VecDeque::from([root]);
    let mut seen = HashSet::from([root]);
    while let Some(pid) = queue.pop_front() {
        for &child in children.get(&pid).into_iter().flatten() {
            if seen.insert(child) {
                tree.push(child);
                queue.push_back(child);
            }
        }
    }
    tree
}

/// `(pid, ppid)` from a `/proc/<pid>/stat` line: `pid (comm) state ppid ...`. `comm` may hold
/// spaces and parentheses, so the fields after it start at the last `)`.
fn parse_stat(stat: &str) -> Option<(u32, u32)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let pid = head.split_once('(')?.0.trim().parse().ok()?;
    let mut fields = rest.split_whitespace();
    let _state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((pid, ppid))
}

/// The sampler for this run: the fake from `PERFGATE_FAKE_GPU` when set, else NVML; `None`
/// when there is no GPU to sample. [`open_sampler`] says why.
pub fn sampler_from_env() -> Option<Box<dyn GpuSampler>> {
    open_sampler().ok()
}

/// Like [`sampler_from_env`], with the reason when there is none.
pub fn open_sampler() -> Result<Box<dyn GpuSampler>, String> {
    match fake_setting() {
        Some(spec) => fake_sampler(&spec),
        None => {
            let nvml = Nvml::load()?;
            if nvml.devices().is_empty() {
                return Err("NVML found no GPU".into());
            }
            Ok(Box::new(nvml))
        }
    }
}

fn fake_sampler(spec: &str) -> Result<Box<dyn GpuSampler>, String> {
    match parse_fake_gpu(spec) {
        Ok(FakeGpu::Absent) => Err(format!("{FAKE_GPU_ENV}=none: no GPU")),
        Ok(FakeGpu::Script(script)) => Ok(Box::new(FakeSampler::new(script))),
        Ok(FakeGpu::Failing(msg)) => Ok(Box::new(FakeSampler::failing(msg))),
        Err(e) => Ok(Box::new(FakeSampler::failing(format!(
            "{FAKE_GPU_ENV}=`{spec}`: {e}"
        )))),
    }
}

/// The GPUs and driver for the report's machine block.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuInventory {
    pub devices: Vec<GpuInfo>,
    pub driver_version: Option<String>,
}

/// What [`inventory`] reports for a fake GPU.
pub const FAKE_GPU_NAME: &str = "perfgate fake GPU";

/// The GPUs of this machine (one named [`FAKE_GPU_NAME`], driver `fake`, under
/// `PERFGATE_FAKE_GPU`), or why there are none.
pub fn inventory() -> Result<GpuInventory, String> {
    if let Some(spec) = fake_setting() {
        if parse_fake_gpu(&spec) == Ok(FakeGpu::Absent) {
            return Err(format!("{FAKE_GPU_ENV}=none: no GPU"));
        }
        return Ok(GpuInventory {
            devices: vec![GpuInfo {
                index: 0,
                name: FAKE_GPU_NAME.into(),
                memory_total: None,
            }],
            driver_version: Some("fake".into()),
        });
    }
    let nvml = Nvml::load()?;
    Ok(GpuInventory {
        devices: nvml.devices(),
        driver_version: nvml.driver_version(),
    })
}

/// Whether `cuda` benchmarks can run here: a fake GPU is set (other than `none`), or NVML
/// loads and finds at least one device. NVML is asked once per process.
pub fn gpu_present() -> bool {
    static NVML_HAS_GPU: OnceLock<bool> = OnceLock::new();
    match fake_setting() {
        Some(spec) => parse_fake_gpu(&spec) != Ok(FakeGpu::Absent),
        None => {
            *NVML_HAS_GPU.get_or_init(|| Nvml::load().is_ok_and(|nvml| !nvml.devices().is_empty()))
        }
    }
}

/// `PERFGATE_FAKE_GPU`, unless unset or empty.
fn fake_setting() -> Option<String> {
    std::env::var(FAKE_GPU_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn stat_lines_are_parsed_from_the_last_parenthesis() {
        assert_eq!(parse_stat("42 (bash) S 7 42 42 0 -1"), Some((42, 7)));
        assert_eq!(
            parse_stat("4242 (a) (b) S 1 x) R 99 4242 0"),
            Some((4242, 99))
        );
        assert_eq!(parse_stat("13 (we ) ( ird) Z 12 0"), Some((13, 12)));
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (init)"), None);
    }

    #[test]
    fn descendants_are_found_through_every_generation() {
        let parents = [(2, 1), (3, 2), (4, 3), (5, 1), (6, 9), (7, 5)];
        assert_eq!(descendants(2, &parents), [2, 3, 4]);
        assert_eq!(descendants(1, &parents), [1, 2, 5, 3, 7, 4]);
        assert_eq!(descendants(100, &parents), [100]);
    }

    #[test]
    fn a_child_is_in_our_process_tree() {
        let mut child = Command::new("sleep")
            .arg("1")
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn sleep");
        let me = std::process::id();
        let walked = process_tree(me);
        let scanned = process_tree_by_scan(me);
        child.kill().ok();
        child.wait().ok();
        for tree in [walked, scanned] {
            assert_eq!(tree[0], me);
            assert!(tree.contains(&child.id()), "{} not in {tree:?}", child.id());
        }
        // A process that is gone is still its own (one-process) tree.
        assert_eq!(process_tree(u32::MAX - 1), [u32::MAX - 1]);
    }

    /// Records the pid sets it is asked about.
    struct Recorder(Arc<Mutex<Vec<Vec<u32>>>>);
    impl GpuSampler for Recorder {
        fn sample(&mut self, pids: &[u32]) -> Result<GpuSample, String> {
            self.0.lock().unwrap().push(pids.to_vec());
            Ok(GpuSample::default())
        }
    }

    /// Counts the samples taken, so a test can wait for enough of them on a busy machine.
    struct Counted(FakeSampler, Arc<std::sync::atomic::AtomicUsize>);
    impl GpuSampler for Counted {
        fn sample(&mut self, pids: &[u32]) -> Result<GpuSample, String> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.0.sample(pids)
        }
    }

    fn track_until(fake: FakeSampler, samples: usize) -> GpuPeak {
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let sampler = Box::new(Counted(fake, Arc::clone(&count)));
        let t = PeakTracker::start(sampler, std::process::id(), Duration::from_millis(1));
        while count.load(std::sync::atomic::Ordering::SeqCst) < samples {
            std::thread::sleep(Duration::from_millis(1));
        }
        t.stop()
    }

    #[test]
    fn the_tracker_keeps_the_peak_and_the_mean_utilisation() {
        let script = vec![
            GpuSample {
                used_bytes: 1 << 20,
                util_pct: Some(30.0),
            },
            GpuSample {
                used_bytes: 8 << 20,
                util_pct: Some(90.0),
            },
            GpuSample {
                used_bytes: 2 << 20,
                util_pct: None,
            },
        ];
        let peak = track_until(FakeSampler::new(script), 3);
        assert_eq!(peak.peak_bytes, 8 << 20);
        assert_eq!(peak.mean_util_pct, Some(60.0));
        assert!(peak.samples >= 4, "{peak:?}");
        assert!(peak.errors.is_empty());
    }

    #[test]
    fn stop_takes_a_final_sample_of_the_tree() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let t = PeakTracker::start(
            Box::new(Recorder(Arc::clone(&seen))),
            std::process::id(),
            Duration::from_secs(3600),
        );
        let peak = t.stop();
        // The first sample at start, the last at stop, none in between.
        assert_eq!(peak.samples, 2);
        assert_eq!(peak.mean_util_pct, None);
        let seen = seen.lock().unwrap();
        assert!(seen.iter().all(|pids| pids[0] == std::process::id()));
    }

    #[test]
    fn failures_are_counted_and_the_first_few_kept() {
        let peak = track_until(FakeSampler::failing("GPU is lost"), KEPT_ERRORS + 1);
        assert_eq!(peak.samples, 0);
        assert!(peak.failed > KEPT_ERRORS, "{peak:?}");
        assert_eq!(peak.errors, vec!["GPU is lost"; KEPT_ERRORS]);
        assert_eq!(peak.peak_bytes, 0);
    }

    #[test]
    fn fake_settings_become_samplers() {
        let mut s = fake_sampler("mem=5,9;util=10").unwrap();
        assert_eq!(s.sample(&[1]).unwrap().used_bytes, 5);
        assert_eq!(s.sample(&[1]).unwrap().used_bytes, 9);
        let mut s = fake_sampler("fail").unwrap();
        assert!(s.sample(&[1]).unwrap_err().contains("fake NVML error"));
        // A typo is not silently a real GPU: every sample says what was wrong.
        let mut s = fake_sampler("mem=lots").unwrap();
        let e = s.sample(&[1]).unwrap_err();
        assert!(e.contains("PERFGATE_FAKE_GPU=`mem=lots`"), "{e}");
        assert!(fake_sampler("none").is_err());
    }
}
