//! perfgate's scaling fit checked against values computed independently in Python.
//!
//! Every expected number below was printed by `bench/reference/scaling_reference.py`
//! (numpy 2.4.6) and pasted as the repr of the float; run the script to regenerate them.
//! `exponent` and `r_squared` are numpy's: `numpy.polyfit(np.log(n), np.log(y), 1)` and
//! `1 - SS_res / SS_tot` of that line. `complexity`, `coefficient` and `residual` come from the
//! script's numpy transcription of the method documented in `src/stats/scaling.rs` (per-model
//! `ln a = mean(ln y - ln f(n))`, RMS log residual, simplest model within 0.01 of the best).
//! `exact_exponent` and `exact_r_squared` are the same two quantities in exact rational
//! arithmetic from the double logarithms (Python's `fractions`), rounded once.
//!
//! All are exact computations, compared with a relative tolerance of 1e-12: numpy solves the
//! line by least squares on a scaled Vandermonde matrix and sums pairwise, which can move the
//! last bits. One exception, `FLAT_FROM_ONE`: its R² is 0.044, and numpy's `1 - SS_res/SS_tot`
//! cancels there, leaving numpy 6.7e-12 (relative) from the exact value; perfgate computes
//! `Sxz²/(Sxx·Szz)`, which does not cancel, so that one is checked against numpy at 1e-10 and
//! against the exact value at 1e-12.

use perfgate::stats::scaling::fit;
use perfgate::stats::Complexity;

const REL_TOL: f64 = 1e-12;

struct Reference {
    /// `numpy.polyfit(np.log(n), np.log(y), 1)[0]`.
    exponent: f64,
    /// `1 - SS_res / SS_tot` of that numpy line.
    r_squared: f64,
    exact_exponent: f64,
    exact_r_squared: f64,
    complexity: Complexity,
    coefficient: f64,
    residual: f64,
}

fn assert_within(actual: f64, expected: f64, rel_tol: f64, what: &str) {
    let tol = rel_tol * expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual:?}, expected {expected:?} (relative tolerance {rel_tol})"
    );
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert_within(actual, expected, REL_TOL, what);
}

fn check(name: &str, ns: &[f64], ys: &[f64], r: &Reference) {
    check_with(name, ns, ys, r, REL_TOL);
}

fn check_with(name: &str, ns: &[f64], ys: &[f64], r: &Reference, numpy_r2_tol: f64) {
    let f = fit(ns, ys).unwrap_or_else(|| panic!("{name}: no fit"));
    assert_close(f.exponent, r.exponent, &format!("{name} exponent (numpy)"));
    assert_close(
        f.exponent,
        r.exact_exponent,
        &format!("{name} exponent (exact)"),
    );
    assert_within(
        f.r_squared,
        r.r_squared,
        numpy_r2_tol,
        &format!("{name} r_squared (numpy)"),
    );
    assert_close(
        f.r_squared,
        r.exact_r_squared,
        &format!("{name} r_squared (exact)"),
    );
    assert_eq!(f.complexity, r.complexity, "{name} complexity");
    assert_close(f.coefficient, r.coefficient, &format!("{name} coefficient"));
    assert_close(f.residual, r.residual, &format!("{name} residual"));
    assert_eq!(f.points, ns.len(), "{name} points");
}

// The datasets, exactly as written in the script.

/// Seconds; about 2 ns per element with a few percent of noise.
const LINEAR_NOISY: ([f64; 7], [f64; 7]) = (
    [
        1000.0, 3000.0, 10000.0, 30000.0, 100000.0, 300000.0, 1000000.0,
    ],
    [
        2.03e-6, 5.87e-6, 2.11e-5, 5.79e-5, 2.04e-4, 6.15e-4, 1.97e-3,
    ],
);
/// Seconds; about 1e-6 * n^2.
const QUADRATIC: ([f64; 6], [f64; 6]) = (
    [16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
    [0.000263, 0.00101, 0.00418, 0.0163, 0.0671, 0.262],
);
/// Seconds; about 1e-8 * n ln n.
const NLOGN: ([f64; 4], [f64; 4]) = (
    [100.0, 1000.0, 10000.0, 100000.0],
    [4.6e-6, 6.93e-5, 9.18e-4, 1.153e-2],
);
/// Microseconds; three samples at each size, about 0.525 * ln n.
const REPEATED_LOG: ([f64; 12], [f64; 12]) = (
    [
        10.0, 10.0, 10.0, 100.0, 100.0, 100.0, 1000.0, 1000.0, 1000.0, 10000.0, 10000.0, 10000.0,
    ],
    [
        1.21, 1.19, 1.25, 2.42, 2.37, 2.45, 3.61, 3.70, 3.55, 4.83, 4.90, 4.79,
    ],
);
/// Seconds; flat with noise, sizes from 1 (the log models are not defined there).
const FLAT_FROM_ONE: ([f64; 5], [f64; 5]) = (
    [1.0, 2.0, 4.0, 8.0, 16.0],
    [0.0501, 0.0497, 0.0505, 0.0499, 0.0502],
);
/// Seconds; 10 us of set-up plus 1 ns per element: the set-up drags the slope down to 0.67
/// and no model fits well (residual 0.84).
const WITH_SETUP: ([f64; 7], [f64; 7]) = (
    [
        1000.0, 3000.0, 10000.0, 30000.0, 100000.0, 300000.0, 1000000.0,
    ],
    [1.1e-5, 1.3e-5, 2.0e-5, 4.0e-5, 1.1e-4, 3.1e-4, 1.01e-3],
);

// Printed by the script; the comment above each gives every model's residual.
// LINEAR_NOISY: residuals Constant 2.3009, Logarithmic 2.0717, Linear 0.0289, Linearithmic 0.2340, Quadratic 2.3049
const LINEAR_NOISY_REF: Reference = Reference {
    exponent: 0.999123536674957,
    r_squared: 0.9998432921039866,
    exact_exponent: 0.9991235366749582,
    exact_r_squared: 0.9998432921039866,
    complexity: Complexity::Linear,
    coefficient: 2.011541450411241e-09,
    residual: 0.028873919424170433,
};
// QUADRATIC: residuals Constant 2.3651, Logarithmic 2.0913, Linear 1.1814, Linearithmic 0.9080, Quadratic 0.0157
const QUADRATIC_REF: Reference = Reference {
    exponent: 1.9978970087594579,
    r_squared: 0.9999572531097646,
    exact_exponent: 1.9978970087594567,
    exact_r_squared: 0.9999572531097646,
    complexity: Complexity::Quadratic,
    coefficient: 1.0086044029505508e-06,
    residual: 0.015662456571375688,
};
// NLOGN: residuals Constant 2.9144, Logarithmic 2.5745, Linear 0.3428, Linearithmic 0.0025, Quadratic 2.2352
const NLOGN_REF: Reference = Reference {
    exponent: 1.131932387342881,
    r_squared: 0.9997482177893682,
    exact_exponent: 1.131932387342881,
    exact_r_squared: 0.9997482177893682,
    complexity: Complexity::Linearithmic,
    coefficient: 1.000068535307526e-08,
    residual: 0.0024831143257297243,
};
// REPEATED_LOG: residuals Constant 0.5186, Logarithmic 0.0160, Linear 2.0683, Linearithmic 2.5762, Quadratic 4.6413
const REPEATED_LOG_REF: Reference = Reference {
    exponent: 0.19753055403684447,
    r_squared: 0.9616586290227507,
    exact_exponent: 0.19753055403684447,
    exact_r_squared: 0.9616586290227507,
    complexity: Complexity::Logarithmic,
    coefficient: 0.5254287666281089,
    residual: 0.016017927683446266,
};
// FLAT_FROM_ONE: residuals Constant 0.0054, Linear 0.9791, Quadratic 1.9594
const FLAT_FROM_ONE_REF: Reference = Reference {
    exponent: 0.0011547485286098097,
    r_squared: 0.04369616054452463,
    exact_exponent: 0.0011547485286102514,
    exact_r_squared: 0.04369616054455387,
    complexity: Complexity::Constant,
    coefficient: 0.050079265561859536,
    residual: 0.0054150969587888585,
};
// WITH_SETUP: residuals Constant 1.5860, Logarithmic 1.3698, Linear 0.8389, Linearithmic 1.0587, Quadratic 3.0818
const WITH_SETUP_REF: Reference = Reference {
    exponent: 0.6708219881756311,
    r_squared: 0.9486502680273459,
    exact_exponent: 0.6708219881756318,
    exact_r_squared: 0.9486502680273459,
    complexity: Complexity::Linear,
    coefficient: 2.037804764433697e-09,
    residual: 0.8388916872904396,
};

#[test]
fn linear_with_noise() {
    check(
        "LINEAR_NOISY",
        &LINEAR_NOISY.0,
        &LINEAR_NOISY.1,
        &LINEAR_NOISY_REF,
    );
}

#[test]
fn quadratic() {
    check("QUADRATIC", &QUADRATIC.0, &QUADRATIC.1, &QUADRATIC_REF);
}

#[test]
fn linearithmic() {
    check("NLOGN", &NLOGN.0, &NLOGN.1, &NLOGN_REF);
}

#[test]
fn logarithmic_with_repeated_sizes() {
    check(
        "REPEATED_LOG",
        &REPEATED_LOG.0,
        &REPEATED_LOG.1,
        &REPEATED_LOG_REF,
    );
}

#[test]
fn flat_from_size_one() {
    // numpy's own R² is 6.7e-12 off here (see the module comment).
    check_with(
        "FLAT_FROM_ONE",
        &FLAT_FROM_ONE.0,
        &FLAT_FROM_ONE.1,
        &FLAT_FROM_ONE_REF,
        1e-10,
    );
}

#[test]
fn linear_with_set_up_cost() {
    check("WITH_SETUP", &WITH_SETUP.0, &WITH_SETUP.1, &WITH_SETUP_REF);
}
