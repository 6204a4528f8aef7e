//! A data-parallel step allocates nothing once the driver is built (the packed
//! gradient buffer and, under MPI, the host staging buffers are made once). The layers
//! fit la-core's small-GEMM paths (batch ≥ inputs), since the `gemm` crate's general
//! path allocates packing buffers per call (nn-dnn's no_alloc test says the same).
//! One test in this binary, so no other thread allocates while it counts.

use la_core::alloc_count::CountingAllocator;
use la_core::prelude::*;
use nn_dist::{DataParallel, Single};
use nn_dnn::Activation;
use nn_dnn::{dense, network};
use nn_dnn::{Adam, Cost};
use tensor_core::{desc, tensor, DataType, TensorLayout};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new();

#[test]
fn data_parallel_steps_allocate_nothing() {
    let f = native_float();
    let input = desc([64, 20], DataType::Float, TensorLayout::Nc).unwrap();
    let mut net = network(
        &f,
        input,
        &[dense(32, Activation::Relu), dense(4, Activation::Softmax)],
    )
    .unwrap();
    net.set_optimizer(Adam::default()).unwrap();
    let mut dp = DataParallel::new(&mut net, Single).unwrap();
    let x = tensor(&f, input).unwrap();
    let y = tensor(
        &f,
        desc([64, 4], DataType::Float, TensorLayout::Nc).unwrap(),
    )
    .unwrap();
    for _ in 0..5 {
        dp.step(&mut net, &x, &y, 128, Cost::SoftmaxCrossEntropy, 0.01)
            .unwrap();
    }
    let n = rayon::scope(|_| {
        GLOBAL.fewest(5, || {
            for _ in 0..20 {
                dp.step(&mut net, &x, &y, 128, Cost::SoftmaxCrossEntropy, 0.01)
                    .unwrap();
            }
        })
    });
    // The fewest over 5 windows: rayon's and crossbeam's occasional allocations
    // (a queue block, a garbage bag) do not fall in every window; a step's would.
    assert_eq!(n, 0, "20 data-parallel steps allocated {n} times");
}
