//! What one training step queues on OpenCL: kernels are built once per factory (none
//! in a warm step), and the launches and host transfers per step stay at the numbers
//! measured (72 launches, 1 read, 0 writes for the 4-16-16-1 network with Adam, since
//! small products run our own kernels instead of CLBlast; 83 before). A mini-batch
//! gather is one launch for `x` and one for `y`, with one index upload, and an epoch
//! reads its cost once. A regression
//! here is a slowdown on every device. Prints `SKIP` without OpenCL unless
//! `DLFP_REQUIRE_OPENCL=1`.

use std::sync::Mutex;

use la_core::prelude::*;
use nn_train::regression::{regression_data, regression_network_with};
use nn_train::{fit, training_network, Adam, Batches, Cost, TrainOptions};

/// The tests share the process's test factory, so they count one at a time.
static COUNTING: Mutex<()> = Mutex::new(());

#[test]
fn a_training_step_builds_nothing_and_transfers_little() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|p| p.into_inner());
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let (x, y) = regression_data(&f, 128, 1).unwrap();
    let mut net = regression_network_with(&f, &[16, 16], 2).unwrap();
    let mut train = training_network(&mut net, &x, Adam::default()).unwrap();
    for _ in 0..3 {
        train.step(&y, Cost::Quadratic, 0.01).unwrap();
    }
    let before = la_opencl::counts(&f).unwrap();
    let steps = 10;
    for _ in 0..steps {
        train.step(&y, Cost::Quadratic, 0.01).unwrap();
    }
    let after = la_opencl::counts(&f).unwrap();
    let per = |a: usize, b: usize| (a - b) as f64 / steps as f64;
    let (launches, reads, writes) = (
        per(after.launches, before.launches),
        per(after.reads, before.reads),
        per(after.writes, before.writes),
    );
    println!(
        "per step: {launches} launches, {reads} reads, {writes} writes; {} kernels built in all",
        after.builds
    );
    assert_eq!(after.builds, before.builds, "a warm step built kernels");
    assert!(
        after.builds <= 7,
        "{} kernels built: each kernel once (a step and a gather use 7)",
        after.builds
    );
    assert!(
        launches > 0.0 && launches <= 72.0,
        "{launches} launches per step"
    );
    assert!(reads <= 2.0, "{reads} device-to-host reads per step");
    assert!(writes <= 1.0, "{writes} host-to-device writes per step");
}

#[test]
fn a_mini_batch_is_gathered_in_two_launches() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|p| p.into_inner());
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let (x, y) = regression_data(&f, 1024, 1).unwrap();
    let mut net = regression_network_with(&f, &[16, 16], 2).unwrap();
    let first = x.submatrix(0, 0, 4, 128).unwrap();
    let mut train = training_network(&mut net, &first, Adam::default()).unwrap();
    let epoch = |train: &mut nn_train::TrainingNetwork<'_, f32>| {
        let opts = TrainOptions::new(1, 0.01);
        fit(
            train,
            Batches::Dense(x.view()),
            &y,
            Cost::Quadratic,
            &opts,
            |_| (),
        )
        .unwrap();
    };
    epoch(&mut train);
    let before = la_opencl::counts(&f).unwrap();
    epoch(&mut train);
    let mid = la_opencl::counts(&f).unwrap();
    // the same 8 steps on a fixed batch, for the launches a step makes by itself
    for _ in 0..8 {
        train
            .step(&y.submatrix(0, 0, 1, 128).unwrap(), Cost::Quadratic, 0.01)
            .unwrap();
    }
    let after = la_opencl::counts(&f).unwrap();
    let batches = 1024 / 128;
    let with_gathers = mid.launches - before.launches;
    let steps = after.launches - mid.launches;
    println!(
        "{batches} mini-batches: {with_gathers} launches and {} reads, {steps} launches \
         and {} reads for the steps alone",
        mid.reads - before.reads,
        after.reads - mid.reads
    );
    // In the epoch each step adds its cost terms into a device buffer (for the
    // quadratic cost `d ⊙ d` and an axpy: two launches) instead of reducing them and
    // reading the sum back (one launch and one read, as `step` does); the epoch clears
    // the buffer and reduces it once.
    assert_eq!(after.reads - mid.reads, batches, "step: one read each");
    assert_eq!(mid.reads - before.reads, 1, "an epoch reads its cost once");
    assert_eq!(
        with_gathers,
        steps + 2 * batches + batches + 3,
        "x and y: one gather launch each"
    );
    assert!(
        mid.writes - before.writes <= batches,
        "{} index uploads for {batches} mini-batches",
        mid.writes - before.writes
    );
}
