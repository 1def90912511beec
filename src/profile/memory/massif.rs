//! valgrind's massif: `valgrind --tool=massif` snapshots the heap now and then and keeps the
//! allocation tree of its peak snapshot (`heap_tree=peak`). The tree's root is the allocation
//! functions; each node below it is a call site, its children the sites that called it, so
//! a path from the root downwards is a call stack innermost first. A node's bytes are the sum
//! of its children's; sites under `--threshold` are merged into one `in N places, ...
//! below massif's threshold` entry, whose bytes this parser gives to the site above it.

use std::collections::BTreeMap;

/// One process's heap at its peak: folded stacks (outermost frame first) -> bytes, and the
/// snapshot's total heap bytes (`mem_heap_B`).
#[derive(Debug, Clone, PartialEq)]
pub struct Peak {
    pub folded: BTreeMap<String, u64>,
    pub heap_bytes: u64,
}

/// The frame that stands for bytes whose sites are all below massif's threshold and that
/// have no call site above them (they sit directly under the allocation functions).
pub const BELOW_THRESHOLD: &str = "[below massif's threshold]";

/// The peak snapshot of a `massif.out` file: the one marked `heap_tree=peak`, else the
/// detailed snapshot with the most heap bytes. `Ok(None)`: no detailed snapshot at all (a
/// program that never allocated). Errors name the line.
pub fn parse(text: &str) -> Result<Option<Peak>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut best: Option<(bool, u64, usize)> = None; // (is peak, heap bytes, tree's first line)
    let mut heap_bytes = 0;
    for (at, line) in lines.iter().enumerate() {
        if let Some(n) = line.strip_prefix("mem_heap_B=") {
            heap_bytes = n
                .trim()
                .parse()
                .map_err(|_| format!("line {}: `{line}` is not a byte count", at + 1))?;
        } else if let Some(kind) = line.strip_prefix("heap_tree=") {
            let peak = kind.trim() == "peak";
            if !peak && kind.trim() != "detailed" {
                continue;
            }
            let better = match best {
                None => true,
                Some((best_peak, best_bytes, _)) => {
                    (peak && !best_peak) || (peak == best_peak && heap_bytes > best_bytes)
                }
            };
            if better {
                best = Some((peak, heap_bytes, at + 1));
            }
        }
    }
    let Some((_, heap_bytes, first)) = best else {
        return Ok(None);
    };
    let folded = fold_tree(&lines, first)?;
    Ok(Some(Peak { folded, heap_bytes }))
}

/// One node of the tree: `n<children>: <bytes> <label>`, indented one space per level.
struct Node<'a> {
    depth: usize,
    children: usize,
    bytes: u64,
    label: &'a str,
}

fn node(line: &str, number: usize) -> Result<Node<'_>, String> {
    let bad = || format!("line {number}: `{line}` is not a massif heap tree node");
    let depth = line.len() - line.trim_start_matches(' ').len();
    let rest = line[depth..].strip_prefix('n').ok_or_else(bad)?;
    let (children, rest) = rest.split_once(": ").ok_or_else(bad)?;
    let (bytes, label) = rest.split_once(' ').unwrap_or((rest, ""));
    Ok(Node {
        depth,
        children: children.parse().map_err(|_| bad())?,
        bytes: bytes.parse().map_err(|_| bad())?,
        label,
    })
}

struct Frame {
    name: String,
    /// The standard library's (see [`super::is_library`]).
    library: bool,
}

/// A call site on the path being read.
struct Site {
    frame: Frame,
    bytes: u64,
    /// The bytes of its children read so far.
    seen: u64,
    /// How many of its children are still to be read.
    pending: usize,
}

/// Folds the tree that starts at `lines[first]` (its root: the allocation functions).
fn fold_tree(lines: &[&str], first: usize) -> Result<BTreeMap<String, u64>, String> {
    let mut folded = BTreeMap::new();
    // The sites from the root's child (innermost) to the current node.
    let mut path: Vec<Site> = Vec::new();
    let root = node(lines.get(first).copied().unwrap_or(""), first + 1)?;
    if root.depth != 0 {
        return Err(format!("line {}: the heap tree has no root", first + 1));
    }
    let mut pending_root = root.children;
    let mut at = first + 1;
    while pending_root > 0 || !path.is_empty() {
        // Close the sites whose children have all been read.
        if path.last().is_some_and(|site| site.pending == 0) {
            close(&mut path, &mut folded);
            continue;
        }
        let line = lines
            .get(at)
            .ok_or_else(|| format!("line {}: the heap tree ends early", at + 1))?;
        let n = node(line, at + 1)?;
        if n.depth != path.len() + 1 {
            return Err(format!(
                "line {}: a node at depth {} where {} was expected",
                at + 1,
                n.depth,
                path.len() + 1
            ));
        }
        match path.last_mut() {
            Some(parent) => {
                parent.seen = parent.seen.saturating_add(n.bytes);
                parent.pending -= 1;
            }
            None => pending_root -= 1,
        }
        if n.label.contains("below massif's threshold") {
            // The site above it (or the pseudo-frame at the top) keeps these bytes.
            let stack = stack_of(&path);
            let key = if stack.is_empty() {
                BELOW_THRESHOLD.to_string()
            } else {
                stack
            };
            let sum: &mut u64 = folded.entry(key).or_insert(0);
            *sum = sum.saturating_add(n.bytes);
        } else {
            path.push(Site {
                frame: frame(n.label),
                bytes: n.bytes,
                seen: 0,
                pending: n.children,
            });
        }
        at += 1;
    }
    folded.retain(|_, bytes| *bytes > 0);
    Ok(folded)
}

/// Ends the last site of `path`: bytes its children did not account for are its own.
fn close(path: &mut Vec<Site>, folded: &mut BTreeMap<String, u64>) {
    let own = path
        .last()
        .map_or(0, |site| site.bytes.saturating_sub(site.seen));
    if own > 0 {
        let sum: &mut u64 = folded.entry(stack_of(path)).or_insert(0);
        *sum = sum.saturating_add(own);
    }
    path.pop();
}

/// `outermost;...;innermost` of a path stored innermost first, without the standard
/// library's frames at its innermost end (see [`super::library_frames`]).
fn stack_of(path: &[Site]) -> String {
    let skip = super::library_frames(path.iter().map(|site| site.frame.library));
    path[skip..]
        .iter()
        .rev()
        .map(|site| site.frame.name.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// A node's label as a frame name, and whether the frame is the standard library's:
/// `0x11BEF5: buffer::make_buffer (/src/buffer.rs:10)` -> (`buffer::make_buffer`, false);
/// `0x4005A4: ??? (in /lib/x.so)` -> (`[unknown]`, true).
fn frame(label: &str) -> Frame {
    let name = match label.split_once(": ") {
        Some((address, name)) if address.starts_with("0x") => name,
        _ => label,
    };
    let (name, file) = super::split_location(name);
    let library = super::is_library(file);
    let name = if name == "???" || name.is_empty() {
        "[unknown]".to_string()
    } else {
        super::frame_name(name)
    };
    Frame { name, library }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_folds_into_stacks_with_the_small_sites_given_to_their_parent() {
        let text = "\
snapshot=1
mem_heap_B=10
heap_tree=detailed
n1: 10 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.
 n0: 10 0x1: a (a.c:1)
snapshot=2
mem_heap_B=1700
heap_tree=peak
n3: 1700 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.
 n2: 1000 0x10: grow (g.c:3)
  n1: 900 0x20: work(int) (w.cpp:7)
   n0: 900 0x30: main (m.c:2)
  n0: 100 in 3 places, all below massif's threshold (1.00%)
 n1: 600 0x40: ??? (in /lib/libz.so)
  n0: 600 0x50: main (m.c:9)
 n0: 100 in 2 places, all below massif's threshold (1.00%)
";
        let peak = parse(text).unwrap().unwrap();
        assert_eq!(peak.heap_bytes, 1700);
        let got: Vec<(&str, u64)> = peak.folded.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            got,
            vec![
                (BELOW_THRESHOLD, 100),
                ("grow", 100),
                // A function without source (a library's) is left out at the innermost end.
                ("main", 600),
                ("main;work(int);grow", 900),
            ]
        );
    }

    #[test]
    fn broken_trees_are_errors_naming_the_line() {
        let text = "mem_heap_B=5\nheap_tree=peak\nn2: 5 root\n n0: 5 0x1: a (a.c:1)\n";
        assert_eq!(parse(text).unwrap_err(), "line 5: the heap tree ends early");
        let text = "mem_heap_B=5\nheap_tree=peak\nn1: 5 root\n nx: 5 0x1: a\n";
        assert_eq!(
            parse(text).unwrap_err(),
            "line 4: ` nx: 5 0x1: a` is not a massif heap tree node"
        );
        let text = "mem_heap_B=five\n";
        assert_eq!(
            parse(text).unwrap_err(),
            "line 1: `mem_heap_B=five` is not a byte count"
        );
        assert_eq!(parse("mem_heap_B=0\nheap_tree=empty\n").unwrap(), None);
    }
}
