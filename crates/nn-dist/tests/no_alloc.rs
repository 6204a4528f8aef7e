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
        let before = GLOBAL.count();
        for _ in 0..20 {
            dp.step(&mut net, &x, &y, 128, Cost::SoftmaxCrossEntropy, 0.01)
                .unwrap();
        }
        GLOBAL.count() - before
    });
    // Rayon's global injector allocates a block per 63 jobs pushed from outside the
    // pool; a clean-clone CI run saw 2 such allocations in 20 steps (as nn-dnn's and
    // nn-train's tests allow). Every buffer of the step is made before the loop.
    assert!(n <= 2, "20 data-parallel steps allocated {n} times");
}
