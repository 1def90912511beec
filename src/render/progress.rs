//! A progress bar on stderr for long runs, only on a terminal and never in CI.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::{BenchStatus, BenchmarkResult};
use crate::runner::Observer;

pub struct ProgressObserver {
    bar: Option<ProgressBar>,
}

impl ProgressObserver {
    pub fn detect() -> Self {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        let enabled = std::io::stderr().is_terminal() && !ci;
        ProgressObserver {
            bar: enabled.then(|| {
                let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:.bold} [{bar:30}] {pos}/{len} runs {msg}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
                bar.enable_steady_tick(Duration::from_millis(200));
                bar
            }),
        }
    }
}

impl Observer for ProgressObserver {
    fn bench_started(&mut self, name: &str, index: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_length(0);
            bar.set_prefix(format!("[{}/{}] {name}", index + 1, total));
        }
    }

    fn run_done(&mut self, done: u32, estimated_total: u32) {
        if let Some(bar) = &self.bar {
            bar.set_length(u64::from(estimated_total));
            bar.set_position(u64::from(done));
        }
    }

    fn bench_finished(&mut self, result: &BenchmarkResult) {
        if let Some(bar) = &self.bar {
            if result.status == BenchStatus::Failed {
                bar.println(format!("{}: failed", result.name));
            }
        }
    }
}

impl Drop for ProgressObserver {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
