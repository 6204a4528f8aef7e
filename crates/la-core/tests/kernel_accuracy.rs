//! Accuracy of the native f32 polynomial kernels against f64 std, in ulps, over dense
//! sweeps (measured maxima: exp 1.21, log 0.88, tanh 1.32, sigmoid 2.43 ulps; the bounds
//! below leave a small margin); and the vectorised path (through the public API) against the scalar kernel.

use la_core::native::kernels::{exp_f32, log_f32, sigmoid_f32, tanh_f32};
use la_core::prelude::*;

/// The spacing of f32 numbers at `r` (the value of one ulp of the correctly rounded result).
fn ulp(r: f64) -> f64 {
    let a = (r as f32).abs();
    if a < f32::MIN_POSITIVE {
        f32::from_bits(1) as f64
    } else {
        let e = a.to_bits() >> 23;
        f32::from_bits(e << 23) as f64 * f32::EPSILON as f64
    }
}

/// The largest error in ulps of `k` against `r` over `n` points of `[lo, hi]`.
fn max_ulps(lo: f32, hi: f32, n: usize, k: fn(f32) -> f32, r: fn(f64) -> f64) -> (f64, f32) {
    let mut worst = (0.0, lo);
    for i in 0..=n {
        let x = lo + (hi - lo) * (i as f32 / n as f32);
        let want = r(x as f64);
        let got = k(x) as f64;
        let e = (got - want).abs() / ulp(want);
        if e > worst.0 {
            worst = (e, x);
        }
    }
    worst
}

/// (name, lower, upper, kernel, f64 reference, bound in ulps)
type Case = (&'static str, f32, f32, fn(f32) -> f32, fn(f64) -> f64, f64);

/// (public vectorised operation, scalar kernel)
type Pair = (fn(&Vector<f32>) -> Result<Vector<f32>>, fn(f32) -> f32);

fn sigmoid64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn ulp_errors_measured() {
    let cases: [Case; 8] = [
        ("exp", -87.0, 88.0, exp_f32, f64::exp, 1.5),
        ("exp small", -1.0, 1.0, exp_f32, f64::exp, 1.5),
        ("log", 1e-30, 1e30, log_f32, f64::ln, 1.0),
        ("log near 1", 0.5, 2.0, log_f32, f64::ln, 1.0),
        ("tanh", -10.0, 10.0, tanh_f32, f64::tanh, 1.5),
        ("tanh small", -0.7, 0.7, tanh_f32, f64::tanh, 1.5),
        ("sigmoid", -40.0, 40.0, sigmoid_f32, sigmoid64, 3.0),
        ("sigmoid small", -2.0, 2.0, sigmoid_f32, sigmoid64, 3.0),
    ];
    for (name, lo, hi, k, r, bound) in cases {
        let (e, at) = max_ulps(lo, hi, 2_000_000, k, r);
        println!("{name:14} [{lo}, {hi}]: max {e:.2} ulps at {at}");
        assert!(
            e <= bound,
            "{name}: {e:.2} ulps at x = {at} (bound {bound})"
        );
    }
}

#[test]
fn log_on_a_geometric_sweep() {
    // Every binade from the subnormals to f32::MAX.
    let mut x = f32::from_bits(1);
    let mut worst: f64 = 0.0;
    while x < f32::MAX / 1.001 {
        let e = (log_f32(x) as f64 - (x as f64).ln()).abs() / ulp((x as f64).ln());
        worst = worst.max(e);
        x = (x * 1.001).max(f32::from_bits(x.to_bits() + 1));
    }
    println!("log geometric: max {worst:.2} ulps");
    assert!(worst <= 1.0, "log: {worst} ulps");
}

#[test]
fn vectorised_path_matches_scalar_kernel() {
    // 1M elements: the public API runs the dispatched (AVX-512/AVX2) loop on 2 threads.
    let n = 1 << 20;
    let xs: Vec<f32> = (0..n).map(|i| -20.0 + 40.0 * i as f32 / n as f32).collect();
    let x = fv(&xs);
    let checks: [Pair; 3] = [
        (|x| tanh(x), tanh_f32),
        (|x| exp(x), exp_f32),
        (|x| sigmoid(x), sigmoid_f32),
    ];
    for (op, k) in checks {
        let y = op(&x).unwrap().to_vec().unwrap();
        for (i, (a, b)) in y.iter().zip(&xs).enumerate() {
            let want = k(*b);
            assert!(
                a.to_bits() == want.to_bits()
                    || (a - want).abs() <= 2.0 * f32::EPSILON * want.abs(),
                "element {i}: vectorised {a} vs scalar {want}"
            );
        }
    }
}
