//! "Never allocate in the loop": a counting global allocator checks what warm
//! training steps allocate. tensor-core's and nn-dnn's own code allocates nothing; what
//! remains, with convolutions, is the `gemm` crate's packing buffers (at most three per
//! GEMM call). Rayon's occasional queue blocks are not counted against a step: each
//! count is the fewest over several windows of steps. This binary has
//! one test, so no other thread allocates while it counts.

use la_core::alloc_count::CountingAllocator;
use la_core::prelude::*;
use nn_dnn::{convo, dense, dropout, network, pooling};

use nn_dnn::{Activation, Init};
use nn_dnn::{Adam, Cost};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, DataType, TensorLayout};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new();

/// Allocations during 20 training steps of a warm network built from `layers`.
fn allocations_in_20_steps(batch: usize, layers: &[nn_dnn::Blueprint<f32>]) -> usize {
    let f = native_float();
    let xd = desc([batch, 1, 8, 8], DataType::Float, TensorLayout::Nchw).unwrap();
    let mut net = network(&f, xd, layers).unwrap();
    net.init(&mut seeded_rng(1), Init::He).unwrap();
    net.set_optimizer(Adam::default()).unwrap();
    let mut v = f.vctr(xd.size()).unwrap();
    rand_uniform(&mut seeded_rng(2), &mut v).unwrap();
    let x = tensor_from(&f, xd, &v.to_vec().unwrap()).unwrap();
    let y = one_hot_targets(&f, batch);
    in_20_warm_steps(|| {
        net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 0.01)
            .unwrap();
    })
}

/// One-hot targets `[batch, 3]`, the class cycling with the sample.
fn one_hot_targets(f: &Factory<f32>, batch: usize) -> tensor_core::Tensor<f32> {
    let labels: Vec<f32> = (0..batch * 3)
        .map(|i| if i % 3 == (i / 3) % 3 { 1.0 } else { 0.0 })
        .collect();
    tensor_from(
        f,
        desc([batch, 3], DataType::Float, TensorLayout::Nc).unwrap(),
        &labels,
    )
    .unwrap()
}

/// The fewest allocations in any of 5 windows of 20 calls of `step`, after 5 warm-up
/// calls (thread pool, lazy statics, workspace), on a pool thread: parallel work then
/// goes through the thread's own deque, not rayon's global injector. The minimum is
/// the step's own count (see `CountingAllocator::fewest`).
fn in_20_warm_steps(mut step: impl FnMut() + Send) -> usize {
    rayon::scope(|_| {
        for _ in 0..5 {
            step();
        }
        GLOBAL.fewest(5, || {
            for _ in 0..20 {
                step();
            }
        })
    })
}

/// Allocations during 20 warm training steps on sparse input (a bag of words).
fn sparse_allocations_in_20_steps() -> usize {
    let f = native_float();
    let (batch, words) = (64, 40);
    let xd = desc([batch, words], DataType::Float, TensorLayout::Nc).unwrap();
    let mut net = network(
        &f,
        xd,
        &[dense(16, Activation::Relu), dense(3, Activation::Softmax)],
    )
    .unwrap();
    net.init(&mut seeded_rng(1), Init::He).unwrap();
    net.set_optimizer(Adam::default()).unwrap();
    let mut x = la_core::sparse::CscMatrix::with_capacity(words, batch, 3 * batch);
    for j in 0..batch as u32 {
        let mut rows = vec![j % 40, (j * 7 + 1) % 40];
        rows.sort_unstable();
        rows.dedup();
        x.push_col(&rows, &vec![1.0; rows.len()]).unwrap();
    }
    let y = one_hot_targets(&f, batch);
    in_20_warm_steps(|| {
        net.train_step_sparse(&x, &y, Cost::SoftmaxCrossEntropy, 0.01)
            .unwrap();
    })
}

#[test]
fn training_steps_allocate_nothing_but_gemm_packing() {
    let sparse = sparse_allocations_in_20_steps();
    assert_eq!(
        sparse, 0,
        "20 steps on sparse input allocated {sparse} times"
    );

    // dense shapes that la-core multiplies without the gemm crate (batch 64, 16
    // features after pooling)
    let pooled = allocations_in_20_steps(
        64,
        &[
            pooling([2, 2], PoolAlgo::Max),
            pooling([3, 3], PoolAlgo::AvgExcludePadding)
                .strides([1, 1])
                .padding([1, 1]),
            dropout(),
            dense(12, Activation::Relu),
            dense(3, Activation::Softmax),
        ],
    );
    assert_eq!(
        pooled, 0,
        "20 steps of pooling, dropout and dense allocated {pooled} times"
    );

    // A convolution of 16 images between two layers: per step 16 GEMMs each for the
    // forward, backward-data and weight-gradient passes, 3 for the dense layer; the
    // gemm crate allocates at most 3 buffers per call.
    let conv = allocations_in_20_steps(
        16,
        &[
            pooling([1, 1], PoolAlgo::Max),
            convo(4, [3, 3], Activation::Relu),
            dense(3, Activation::Softmax),
        ],
    );
    let bound = 20 * (16 * 3 + 3) * 3;
    assert!(
        conv <= bound,
        "20 steps with a convolution allocated {conv} times, more than the gemm crate's packing ({bound})"
    );
}
