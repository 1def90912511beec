//! A small SVG chart kit: linear scales, axes with their tick labels,
//! and compact paths (one `<path>` per line or band, coordinates rounded to 0.1 px) so a
//! chart of 1,000 points stays a few kilobytes.

use std::fmt::Write as _;

use super::axis::Axis;
use super::escape::{attr, text};

/// Width of one character of a tick label, in SVG units (12 px system-ui digits are ~6.7 wide);
/// margins are sized from it so the longest label is never cut off.
pub const CHAR_W: f64 = 7.0;

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
            right: 32.0,
            top: 10.0,
            bottom: 28.0,
        }
    }
    /// Room on the left for labels of `chars` characters.
    pub fn with_left_labels(mut self, chars: usize) -> Self {
        self.left = 14.0 + chars as f64 * CHAR_W;
        self
    }
    pub fn plot_w(&self) -> f64 {
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

/// A y scale spanning the axis's ticks (which cover the data).
pub fn y_scale(f: &Frame, a: &Axis) -> Scale {
    let (lo, hi) = a.range();
    Scale::new(lo, hi, f.top + f.plot_h(), f.top)
}

pub fn open(f: &Frame, class: &str, label: &str) -> String {
    format!(
        "<svg class=\"{class}\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        f.width,
        f.height,
        attr(label)
    )
}

/// Y axis with gridlines and tick labels, and the x axis line.
pub fn axes(out: &mut String, f: &Frame, y: &Scale, a: &Axis) {
    let x0 = f.left;
    let x1 = f.left + f.plot_w();
    for (t, label) in a.ticks.iter().zip(&a.labels) {
        let py = y.at(*t);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x0}\" x2=\"{x1:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            py + 4.0,
            text(label)
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
