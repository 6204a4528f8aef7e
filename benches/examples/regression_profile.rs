//! Times the pieces of one regression epoch (4-8-8-1, 10,000 samples, f32).
use std::time::Instant;

use la_core::prelude::*;
use nn_train::conformance::{regression_data, regression_network};
use nn_train::{training_network, Cost, Optimizer};

fn main() {
    let f = native_float();
    let (x, y) = regression_data(&f, 10_000, 1);
    let mut net = regression_network(&f, 2);
    let mut w = f.ge(8, 4, Layout::ColumnMajor).unwrap();
    rand_uniform(&mut seeded_rng(1), &mut w).unwrap();
    let mut out = f.ge(8, 10_000, Layout::ColumnMajor).unwrap();
    let mut g = f.ge(8, 4, Layout::ColumnMajor).unwrap();
    let t = |name: &str, reps: usize, mut op: Box<dyn FnMut() + '_>| {
        op();
        let s = Instant::now();
        for _ in 0..reps {
            op();
        }
        println!(
            "{name}: {:.1} µs",
            s.elapsed().as_secs_f64() * 1e6 / reps as f64
        );
    };
    t(
        "mm 8x4 * 4x10000",
        1000,
        Box::new(|| mm_into(1.0, &w, &x, 0.0, &mut out).unwrap()),
    );
    let o2 = copy(&out).unwrap();
    t(
        "mm 8x10000 * (4x10000)^T",
        1000,
        Box::new(|| mm_into(1.0, &o2, &x.trans(), 0.0, &mut g).unwrap()),
    );
    t(
        "tanh 8x10000",
        1000,
        Box::new(|| tanh_inplace(&mut out).unwrap()),
    );
    let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
    t(
        "whole step",
        200,
        Box::new(|| {
            train.step(&y, Cost::Quadratic, 0.05).unwrap();
        }),
    );
}
