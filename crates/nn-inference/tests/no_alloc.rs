//! "Sharing memory": once a network has seen a batch size, inference allocates nothing
//! of its own. A counting global allocator proves it for single samples (GEMV, rk and
//! activations). Batches go through the `gemm` crate, which allocates its packing
//! buffers inside every call (gemm-common 0.19, `gemm.rs`, with no workspace
//! argument), so they are not covered here: that is issue 3's to solve for training.
//! This test binary has one test, so no other thread allocates while it counts.

use la_core::alloc_count::CountingAllocator;
use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new();

#[test]
fn repeated_single_sample_inference_allocates_nothing() {
    let fac = native_float();
    let mut net = inference_network(
        &fac,
        64,
        &[
            fully_connected(32, Activation::Relu),
            fully_connected(16, Activation::Tanh),
            fully_connected(4, Activation::Sigmoid),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(1), Init::He).unwrap();
    for batch in [1usize] {
        let mut x = fac.ge(64, batch, Layout::ColumnMajor).unwrap();
        rand_uniform(&mut seeded_rng(2), &mut x).unwrap();
        net.infer(&x).unwrap(); // sizes the shared buffers for this batch
        let before = GLOBAL.count();
        for _ in 0..10 {
            let y = net.infer(&x).unwrap();
            assert_eq!(y.ncols(), batch);
        }
        let during = GLOBAL.count() - before;
        assert_eq!(
            during, 0,
            "batch {batch}: {during} allocations in 10 inferences"
        );
    }
}
