//! The functions whose cost grew between two profiles: a pure function of two sets of
//! folded stacks, so that it is tested on its own and the same stacks give the same answer.
//!
//! A function's *inclusive* cost is the weight of every stack it appears in (once per
//! stack, so recursion does not count twice). When a function 3x slower is called by `main`,
//! `main`'s inclusive cost grows by exactly as much; listing `main` first would say nothing.
//! So a function whose growth lies (almost) all in its callees is *passed through*: it is
//! left out and the callees that grew stand for it, down to the frames where the growth is
//! the function's own work. The flame graphs show who called them.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::profile::GrownFunction;

/// The share of a function's growth its callees must carry for the function to be passed
/// through to them.
const PASS_THROUGH_SHARE: f64 = 0.9;

/// Per-function costs of one profile, per run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Costs {
    pub inclusive: BTreeMap<String, f64>,
    pub exclusive: BTreeMap<String, f64>,
    /// caller -> callee -> the weight of the stacks where the callee is called by the caller
    /// (the caller's first appearance in each stack).
    pub calls: BTreeMap<String, BTreeMap<String, f64>>,
    pub total: f64,
}

/// The costs of folded stacks `stack -> weight`, each weight divided by `runs` and scaled by
/// `scale` (1/Hz for samples, 1 otherwise).
pub fn costs(folded: &BTreeMap<String, u64>, runs: u32, scale: f64) -> Costs {
    let per_run = scale / f64::from(runs.max(1));
    let mut c = Costs::default();
    for (stack, &weight) in folded {
        let w = weight as f64 * per_run;
        c.total += w;
        let frames: Vec<&str> = stack.split(';').collect();
        let mut seen = BTreeSet::new();
        for (i, frame) in frames.iter().enumerate() {
            if !seen.insert(*frame) {
                continue;
            }
            *c.inclusive.entry((*frame).to_string()).or_default() += w;
            if let Some(callee) = frames.get(i + 1) {
                *c.calls
                    .entry((*frame).to_string())
                    .or_default()
                    .entry((*callee).to_string())
                    .or_default() += w;
            }
        }
        if let Some(leaf) = frames.last() {
            *c.exclusive.entry((*leaf).to_string()).or_default() += w;
        }
    }
    c
}

/// The `limit` functions whose inclusive cost grew the most from `before` to `after`,
/// passed-through callers left out (see the module's note). Ties are broken by name.
pub fn grown(before: &Costs, after: &Costs, limit: usize) -> Vec<GrownFunction> {
    let get = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0);
    let names: BTreeSet<&String> = before
        .inclusive
        .keys()
        .chain(after.inclusive.keys())
        .collect();
    let mut out: Vec<GrownFunction> = names
        .into_iter()
        .filter_map(|name| {
            let (b, a) = (get(&before.inclusive, name), get(&after.inclusive, name));
            let delta = a - b;
            if delta <= 0.0 || passed_through(before, after, name, delta) {
                return None;
            }
            Some(GrownFunction {
                function: name.clone(),
                baseline: b,
                candidate: a,
                delta,
                percent: (b > 0.0).then(|| delta / b * 100.0),
                self_delta: get(&after.exclusive, name) - get(&before.exclusive, name),
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.delta
            .total_cmp(&x.delta)
            .then_with(|| x.function.cmp(&y.function))
    });
    out.truncate(limit);
    out
}

/// Whether the callees of `name` that grew carry at least [`PASS_THROUGH_SHARE`] of its
/// growth.
fn passed_through(before: &Costs, after: &Costs, name: &str, delta: f64) -> bool {
    let empty = BTreeMap::new();
    let (b, a) = (
        before.calls.get(name).unwrap_or(&empty),
        after.calls.get(name).unwrap_or(&empty),
    );
    let callees_grew: f64 = a
        .iter()
        .map(|(callee, &w)| (w - b.get(callee).copied().unwrap_or(0.0)).max(0.0))
        .sum();
    callees_grew >= PASS_THROUGH_SHARE * delta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(lines: &[(&str, u64)]) -> BTreeMap<String, u64> {
        lines.iter().map(|(s, w)| ((*s).to_string(), *w)).collect()
    }

    #[test]
    fn inclusive_counts_a_recursive_function_once_per_stack() {
        let c = costs(&folded(&[("main;f;f;g", 10), ("main;h", 5)]), 1, 1.0);
        assert_eq!(c.inclusive["f"], 10.0);
        assert_eq!(c.inclusive["main"], 15.0);
        assert_eq!(c.exclusive["g"], 10.0);
        assert_eq!(c.exclusive.get("f"), None);
        assert_eq!(c.total, 15.0);
        assert_eq!(c.calls["main"]["f"], 10.0);
    }

    #[test]
    fn weights_are_per_run_and_scaled() {
        // 200 samples over 4 runs at 1000 Hz: 50 samples a run, 0.05 s.
        let c = costs(&folded(&[("main;work", 200)]), 4, 1.0 / 1000.0);
        assert!((c.inclusive["work"] - 0.05).abs() < 1e-12);
    }

    #[test]
    fn the_slower_function_comes_first_not_its_callers() {
        // `hot` 3x slower (100 -> 300), `other` unchanged; main and lang_start pass through.
        let before = costs(
            &folded(&[
                ("start;main;hot", 100),
                ("start;main;other", 50),
                ("start;main", 2),
            ]),
            1,
            1.0,
        );
        let after = costs(
            &folded(&[
                ("start;main;hot", 300),
                ("start;main;other", 51),
                ("start;main", 2),
            ]),
            1,
            1.0,
        );
        let g = grown(&before, &after, 10);
        assert_eq!(g[0].function, "hot");
        assert_eq!(g[0].delta, 200.0);
        assert_eq!(g[0].percent, Some(200.0));
        assert_eq!(g[0].self_delta, 200.0);
        assert!(g
            .iter()
            .all(|f| f.function != "main" && f.function != "start"));
        assert_eq!(g[1].function, "other");
        assert_eq!(g.len(), 2);
    }

    #[test]
    fn growth_spread_over_callees_goes_to_the_callees_and_own_work_stays() {
        // `parse` grew by 60, 40 in `lex` and 20 in `tree`, none of its own: its callees
        // stand for it. `main` did 30 more of its own work besides: it stays, first.
        let before = costs(
            &folded(&[
                ("main;parse;lex", 10),
                ("main;parse;tree", 10),
                ("main", 10),
            ]),
            1,
            1.0,
        );
        let after = costs(
            &folded(&[
                ("main;parse;lex", 50),
                ("main;parse;tree", 30),
                ("main", 40),
            ]),
            1,
            1.0,
        );
        let g = grown(&before, &after, 10);
        let names: Vec<&str> = g.iter().map(|f| f.function.as_str()).collect();
        assert_eq!(names, ["main", "lex", "tree"]);
        assert_eq!(g[0].delta, 90.0);
        assert_eq!(g[0].self_delta, 30.0);
    }

    #[test]
    fn a_new_function_has_no_percentage_and_shrinking_ones_are_left_out() {
        let before = costs(&folded(&[("main;old", 100)]), 1, 1.0);
        let after = costs(&folded(&[("main;old", 40), ("main;new", 90)]), 1, 1.0);
        let g = grown(&before, &after, 10);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].function, "new");
        assert_eq!(g[0].percent, None);
    }
}
