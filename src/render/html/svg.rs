//! A small SVG chart kit: linear scales with "nice" ticks, axes with labels in human units,
//! and compact paths (one `<path>` per line or band, coordinates rounded to 0.1 px) so a
//! chart of 1,000 points stays a few kilobytes.

use std::fmt::Write as _;

use super::escape::{attr, text};
use crate::render::human::format_value;

/// Plot area inside an SVG of `width` x `height`.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    pub fn new(width: f64, height: f64) -> Self {
        Frame {
            width,
            height,
            left: 64.0,
            right: 28.0,
            top: 10.0,
            bottom: 28.0,
        }
    }
    fn plot_w(&self) -> f64 {
        self.width - self.left - self.right
    }
    fn plot_h(&self) -> f64 {
        self.height - self.top - self.bottom
    }
}

/// Maps a data range to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    px_lo: f64,
    px_hi: f64,
}

impl Scale {
    pub fn new(lo: f64, hi: f64, px_lo: f64, px_hi: f64) -> Self {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        Scale {
            lo,
            hi,
            px_lo,
            px_hi,
        }
    }
    pub fn at(&self, v: f64) -> f64 {
        self.px_lo + (v - self.lo) / (self.hi - self.lo) * (self.px_hi - self.px_lo)
    }
}

pub fn x_scale(f: &Frame, lo: f64, hi: f64) -> Scale {
    Scale::new(lo, hi, f.left, f.left + f.plot_w())
}

/// A y scale padded to nice ticks; returns the scale and its ticks.
pub fn y_scale(f: &Frame, lo: f64, hi: f64) -> (Scale, Vec<f64>) {
    let ticks = nice_ticks(lo, hi, 5);
    let (a, b) = (ticks[0].min(lo), ticks[ticks.len() - 1].max(hi));
    (Scale::new(a, b, f.top + f.plot_h(), f.top), ticks)
}

/// About `n` round tick values (1, 2, 5 x 10^k steps) covering [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return vec![0.0, 1.0];
    }
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (
            lo - lo.abs().max(1e-12) * 0.05,
            hi + hi.abs().max(1e-12) * 0.05,
        )
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut out = Vec::new();
    // From the last tick at or below `lo` to the first at or above `hi`.
    for k in 0..50 {
        let v = start + k as f64 * step;
        out.push(v);
        if v >= hi - step * 1e-9 {
            break;
        }
    }
    out
}

pub fn open(f: &Frame, class: &str, label: &str) -> String {
    format!(
        "<svg class=\"{class}\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        f.width,
        f.height,
        attr(label)
    )
}

/// Y axis with gridlines and tick labels in human units, and the x axis line.
pub fn axes(out: &mut String, f: &Frame, y: &Scale, ticks: &[f64], unit: &str) {
    let x0 = f.left;
    let x1 = f.left + f.plot_w();
    for t in ticks {
        let py = y.at(*t);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x0}\" x2=\"{x1:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            py + 4.0,
            text(&format_value(*t, unit))
        );
    }
    let yb = f.top + f.plot_h();
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{x0}\" x2=\"{x1:.1}\" y1=\"{yb:.1}\" y2=\"{yb:.1}\"/><line class=\"axis\" x1=\"{x0}\" x2=\"{x0}\" y1=\"{:.1}\" y2=\"{yb:.1}\"/>",
        f.top
    );
}

/// A label under the x axis at data position `x`.
pub fn x_label(out: &mut String, f: &Frame, px: f64, label: &str) {
    let _ = write!(
        out,
        "<text class=\"tick\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        f.top + f.plot_h() + 18.0,
        text(label)
    );
}

/// `M x y L x y ...` of the points.
pub fn polyline(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.enumerate() {
        let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(0.0123, 0.0189, 5);
        assert!(
            t[0] <= 0.0123 && *t.last().unwrap() >= 0.0189 - 1e-12,
            "{t:?}"
        );
        assert!(nice_ticks(5.0, 5.0, 5).len() >= 2);
    }

    #[test]
    fn scales_map_ends_to_pixels() {
        let s = Scale::new(0.0, 10.0, 100.0, 200.0);
        assert_eq!(s.at(0.0), 100.0);
        assert_eq!(s.at(10.0), 200.0);
        assert_eq!(
            polyline([(1.0, 2.0), (3.04, 4.06)].into_iter()),
            "M1.0 2.0L3.0 4.1"
        );
    }
}
