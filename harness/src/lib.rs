//! perfgate-harness: an in-process benchmark harness for `[[bench]] harness = false` targets
//! that writes perfgate reports.
//!
//! ```no_run
//! use perfgate_harness::{black_box, Harness};
//!
//! #[global_allocator] // optional: allocations and bytes per iteration
//! static ALLOC: perfgate_harness::CountingAlloc = perfgate_harness::CountingAlloc;
//!
//! fn main() {
//!     let mut h = Harness::new();
//!     h.bench("sum/1000", |b| {
//!         b.iter(|| (0..black_box(1000u64)).map(|i| i.rotate_left(7) ^ i).sum::<u64>())
//!     })
//!         .category("arith")
//!         .tags(["smoke"])
//!         .throughput(1000, "items");
//!     h.bench_params("sort", "n", [100u32, 1000, 10_000], |b, &n| {
//!         b.iter_batched(|| (0..n).rev().collect::<Vec<u32>>(), |mut v| v.sort());
//!     });
//!     h.main();
//! }
//! ```
//!
//! Each benchmark runs in `--processes` separate processes (the binary re-executes itself),
//! each contributing one sample (the median of its batches), so that `perfgate compare` and
//! `check` can test a change for significance. See the README's perfgate-harness section.

mod alloc;
mod args;
mod callgrind;
mod child;
mod context;
mod measure;
mod report;
mod run;
mod sha256;
mod stats;
mod table;

use std::collections::BTreeMap;
use std::rc::Rc;

pub use alloc::CountingAlloc;
pub use measure::{perfgate_harness_counted, Bencher};
pub use std::hint::black_box;

/// `source.format` and `tool.name` of the reports written.
pub const HARNESS_NAME: &str = "perfgate-harness";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

type Routine = Rc<dyn Fn(&mut Bencher)>;

/// One registered benchmark and its options.
pub struct Entry {
    name: String,
    category: Option<String>,
    tags: Vec<String>,
    params: BTreeMap<String, serde_json::Value>,
    throughput: Option<(f64, String)>,
    routine: Routine,
}

impl Entry {
    /// A category, recorded as the parameter `category`.
    pub fn category(&mut self, category: &str) -> &mut Self {
        self.category = Some(category.to_string());
        self
    }

    /// Tags (`smoke`, `full`...), recorded with the benchmark for selecting subsets.
    pub fn tags<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, tags: I) -> &mut Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// `items` units of work per iteration (`"items"`, `"bytes"`, `"rows"`): adds the metric
    /// `throughput` in `<unit>/s`, higher is better.
    pub fn throughput(&mut self, items: u64, unit: &str) -> &mut Self {
        self.throughput = Some((items as f64, unit.to_string()));
        self
    }

    /// A free-form parameter recorded with the benchmark.
    pub fn param(&mut self, key: &str, value: impl Into<serde_json::Value>) -> &mut Self {
        self.params.insert(key.to_string(), value.into());
        self
    }
}

/// The benchmarks of one parameter grid ([`Harness::bench_params`]), to set options on all.
pub struct Grid<'a, P> {
    entries: &'a mut [Entry],
    values: Vec<P>,
}

impl<P> Grid<'_, P> {
    pub fn category(&mut self, category: &str) -> &mut Self {
        self.entries.iter_mut().for_each(|e| {
            e.category(category);
        });
        self
    }

    pub fn tags<I: IntoIterator<Item = S> + Clone, S: Into<String>>(
        &mut self,
        tags: I,
    ) -> &mut Self {
        self.entries.iter_mut().for_each(|e| {
            e.tags(tags.clone());
        });
        self
    }

    /// Units of work per iteration as a function of the parameter (`|&n| n as u64`).
    pub fn throughput(&mut self, items: impl Fn(&P) -> u64, unit: &str) -> &mut Self {
        for (e, v) in self.entries.iter_mut().zip(&self.values) {
            e.throughput(items(v), unit);
        }
        self
    }
}

/// The registry of benchmarks and the command line; [`Harness::main`] runs them.
pub struct Harness {
    entries: Vec<Entry>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            entries: Vec::new(),
        }
    }

    /// Registers a benchmark: `f` is called with a [`Bencher`] and calls `iter` (or
    /// `iter_batched`) once. Names are unique; a second use panics.
    pub fn bench(&mut self, name: &str, f: impl Fn(&mut Bencher) + 'static) -> &mut Entry {
        self.push(name, BTreeMap::new(), Rc::new(f))
    }

    /// Registers `name/param=value` for each value, with `params = {param: value}` (perfgate
    /// fits the complexity of numeric sweeps), `f` receiving the value.
    pub fn bench_params<P>(
        &mut self,
        name: &str,
        param: &str,
        values: impl IntoIterator<Item = P>,
        f: impl Fn(&mut Bencher, &P) + 'static,
    ) -> Grid<'_, P>
    where
        P: Clone + std::fmt::Display + Into<serde_json::Value> + 'static,
    {
        let f = Rc::new(f);
        let values: Vec<P> = values.into_iter().collect();
        let first = self.entries.len();
        for v in &values {
            let (f, v2) = (Rc::clone(&f), v.clone());
            let params = BTreeMap::from([(param.to_string(), v.clone().into())]);
            self.push(
                &format!("{name}/{param}={v}"),
                params,
                Rc::new(move |b: &mut Bencher| f(b, &v2)),
            );
        }
        Grid {
            entries: &mut self.entries[first..],
            values,
        }
    }

    fn push(
        &mut self,
        name: &str,
        params: BTreeMap<String, serde_json::Value>,
        routine: Routine,
    ) -> &mut Entry {
        assert!(
            self.entries.iter().all(|e| e.name != name),
            "perfgate-harness: the benchmark `{name}` is registered twice"
        );
        self.entries.push(Entry {
            name: name.to_string(),
            category: None,
            tags: Vec::new(),
            params,
            throughput: None,
            routine,
        });
        let last = self.entries.len() - 1;
        &mut self.entries[last]
    }

    /// Runs what the command line asks (see `--help`) and exits: 0 when every benchmark ran,
    /// 2 for a usage error, 3 when one failed.
    pub fn main(self) {
        let code = run::main(&self.entries, std::env::args().skip(1));
        std::process::exit(code);
    }
}
