//! What one call costs on `opencl_float` when the work is tiny (issue 19, OpenCL small
//! networks): our element-wise kernels, the small products (our `gemm_small` below
//! 2^16 multiply-adds, CLBlast above), a reduction that reads its result back, and a
//! whole training step of the 4-16-16-1 regression network (mini-batch 128, Adam)
//! with its launch count. Each figure is the mean over many calls queued back to back,
//! ended by one blocking read. `cargo run --release -p dlfp-benches --example opencl_launch_cost`.

use std::time::Instant;

use la_core::prelude::*;
use nn_train::regression::{regression_data, regression_network_with};
use nn_train::{training_network, Adam, Cost};

/// Mean microseconds per call of `op` over `n` calls (after 20 warm-up calls),
/// including one blocking read at the end that waits for the queue.
fn per_call(f: &Factory<f32>, n: usize, mut op: impl FnMut()) -> f64 {
    for _ in 0..20 {
        op();
    }
    let sync = f.vctr(1).expect("allocation");
    let start = Instant::now();
    for _ in 0..n {
        op();
    }
    asum(&sync).expect("sync");
    start.elapsed().as_secs_f64() / n as f64 * 1e6
}

fn main() {
    let Some(f) = la_opencl::test_factory::<f32>() else {
        println!("opencl-float: no OpenCL platform");
        return;
    };
    let show = |what: &str, us: f64| println!("{what:36} {us:8.1} µs/call");
    for len in [16usize, 2048, 65536] {
        let x = f.vctr(len).expect("allocation");
        let mut y = f.vctr(len).expect("allocation");
        show(
            &format!("axpy, {len} elements"),
            per_call(&f, 2000, || axpy_into(1.0, &x, &mut y).expect("axpy")),
        );
    }
    let ge = |m, n| f.ge(m, n, Layout::ColumnMajor).expect("allocation");
    for (m, k, n) in [(16, 16, 128), (16, 128, 16), (32, 32, 64), (64, 64, 64)] {
        let (a, b, mut c) = (ge(m, k), ge(k, n), ge(m, n));
        let path = if m * n * k <= 1 << 16 {
            "ours"
        } else {
            "CLBlast"
        };
        show(
            &format!("mm {m}x{k}x{n} ({path})"),
            per_call(&f, 500, || mm_into(1.0, &a, &b, 0.0, &mut c).expect("mm")),
        );
    }
    let v = f.vctr(2048).expect("allocation");
    show(
        "asum, 2048 elements (reads back)",
        per_call(&f, 500, || {
            asum(&v).expect("asum");
        }),
    );

    let (x, y) = regression_data(&f, 128, 1).unwrap();
    let mut net = regression_network_with(&f, &[16, 16], 2).unwrap();
    let mut train = training_network(&mut net, &x, Adam::default()).expect("training network");
    let before = la_opencl::counts(&f).expect("an OpenCL factory");
    let steps = 320;
    let us = per_call(&f, steps, || {
        train.step(&y, Cost::Quadratic, 0.01).expect("step");
    });
    let after = la_opencl::counts(&f).expect("an OpenCL factory");
    let launches = (after.launches - before.launches) / (steps + 20);
    show(
        &format!("training step 4-16-16-1 ({launches} launches)"),
        us,
    );
}
