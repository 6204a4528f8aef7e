//! What one training step queues on OpenCL: kernels are built once per factory (none
//! in a warm step), and the launches and host transfers per step stay at the numbers
//! measured when the kernel cache went in (83 launches, 1 read, 0 writes for the
//! 4-16-16-1 network with Adam; a regression here is a slowdown on every
//! device). Prints `SKIP` without OpenCL unless `DLFP_REQUIRE_OPENCL=1`.

use nn_train::conformance::{regression_data, regression_network_with};
use nn_train::{training_network, Adam, Cost};

#[test]
fn a_training_step_builds_nothing_and_transfers_little() {
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let (x, y) = regression_data(&f, 128, 1);
    let mut net = regression_network_with(&f, &[16, 16], 2);
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
        after.builds <= 5,
        "{} kernels built: each kernel once",
        after.builds
    );
    assert!(
        launches > 0.0 && launches <= 83.0,
        "{launches} launches per step"
    );
    assert!(reads <= 2.0, "{reads} device-to-host reads per step");
    assert!(writes <= 1.0, "{writes} host-to-device writes per step");
}
