//! "Never allocate in the loop": a counting global allocator proves that training
//! steps, full-batch epochs and mini-batch epochs allocate nothing once the training
//! network is built (on the native factory, for layers whose weights fit la-core's
//! small-GEMM path: `outputs x inputs <= 4096`; larger ones go through the `gemm`
//! crate, which allocates packing buffers per call). This binary has one test, so no other thread allocates while it
//! counts.

use la_core::alloc_count::CountingAllocator;
use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_inference::{fully_connected, inference_network, Activation, Init};
use nn_train::regression::{regression_data, regression_network};
use nn_train::{
    sgd_train, sgd_train_sparse, training_network, training_network_sparse, Adam, Cost,
    TrainOptions,
};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new();

/// Runs `f` on a thread of rayon's pool. Parallel calls made from outside the pool go
/// through rayon's global injector queue, a linked list that allocates a block every
/// 63 jobs (crossbeam-deque's `Injector`): about one allocation per 20 training steps
/// here, rayon's and not the loop's. From a pool thread, parallel work goes through the
/// thread's own deque, which allocates nothing once warm.
fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

/// The fewest allocations in 3 runs of `f` (see `CountingAllocator::fewest`).
fn count(f: impl FnMut()) -> usize {
    GLOBAL.fewest(3, f)
}

#[test]
fn training_loops_allocate_nothing() {
    let fac = native_float();
    // full batch: the regression network on 10,000 samples
    let (x, y) = regression_data(&fac, 10_000, 1).unwrap();
    let mut net = regression_network(&fac, 2).unwrap();
    let mut train = training_network(&mut net, &x, Adam::default()).unwrap();
    for _ in 0..10 {
        // warm-up: thread pool, its work queues, lazy statics
        train.step(&y, Cost::Quadratic, 0.01).unwrap();
    }
    let n = on_pool(|| {
        count(|| {
            for _ in 0..20 {
                train.step(&y, Cost::Quadratic, 0.01).unwrap();
            }
        })
    });
    // The full batch takes the fused pass, whose second half runs on its helper thread
    // (tensor-core's `pair`), outside rayon's pool; the fewest of several windows
    // leaves out what rayon's injector allocates now and then for that thread.
    assert_eq!(n, 0, "20 full-batch Adam steps allocated {n} times");
    drop(train);

    // mini-batches of 64 from 1,000 samples, softmax cross-entropy
    let mut cls = inference_network(
        &fac,
        4,
        &[
            fully_connected(32, Activation::Relu),
            fully_connected(3, Activation::Softmax),
        ],
    )
    .unwrap();
    cls.init(&mut seeded_rng(1), Init::He).unwrap();
    let (xs, _) = regression_data(&fac, 1000, 4).unwrap();
    let labels: Vec<f32> = (0..3000)
        .map(|k| ((k % 3) == (k / 3) % 3) as u8 as f32)
        .collect();
    let ys = fac.ge_from(3, 1000, &labels, Layout::ColumnMajor).unwrap();
    let first = xs.submatrix(0, 0, 4, 64).unwrap();
    let mut train = training_network(&mut cls, &first, Adam::default()).unwrap();
    let hyper = |epochs| TrainOptions::new(epochs, 0.01);
    let cost = Cost::SoftmaxCrossEntropy;
    sgd_train(&mut train, &xs, &ys, cost, &hyper(1)).unwrap();
    let (one, ten) = on_pool(|| {
        let one = count(|| {
            sgd_train(&mut train, &xs, &ys, cost, &hyper(1)).unwrap();
        });
        let ten = count(|| {
            sgd_train(&mut train, &xs, &ys, cost, &hyper(10)).unwrap();
        });
        (one, ten)
    });
    assert_eq!(
        one, ten,
        "sgd_train allocates per epoch: {one} allocations for 1 epoch, {ten} for 10"
    );
    // a run's setup: nn-dnn's loop makes its x and y batch buffers, the shuffle
    // order and the cost history once per call
    assert!(one <= 24, "sgd_train's setup allocated {one} times");

    drop(train);

    // sparse input (bag-of-words): 500 inputs, ~5% nonzero, mini-batches of 50
    let mut bow = inference_network(
        &fac,
        500,
        &[
            fully_connected(16, Activation::Relu),
            fully_connected(1, Activation::Sigmoid),
        ],
    )
    .unwrap();
    bow.init(&mut seeded_rng(1), Init::He).unwrap();
    let mut col_ptr = vec![0];
    let mut rows = vec![];
    for j in 0..1000u32 {
        rows.extend((0..500u32).filter(|i| (i * 7 + j * 13) % 20 == 0));
        col_ptr.push(rows.len());
    }
    let ones = vec![1.0f32; rows.len()];
    let xs = CscMatrix::new(500, col_ptr, rows, ones).unwrap();
    let yv: Vec<f32> = (0..1000).map(|j| (j % 2) as f32).collect();
    let ys = fac.ge_from(1, 1000, &yv, Layout::ColumnMajor).unwrap();
    let mut first = CscMatrix::with_capacity(500, 50, 0);
    for j in 0..50 {
        let (r, v) = xs.col(j);
        first.push_col(r, v).unwrap();
    }
    let mut train = training_network_sparse(&mut bow, &first, Adam::default()).unwrap();
    let cost = Cost::SigmoidCrossEntropy;
    sgd_train_sparse(&mut train, &xs, &ys, cost, &hyper(1)).unwrap();
    let (one, ten) = on_pool(|| {
        let one = count(|| {
            sgd_train_sparse(&mut train, &xs, &ys, cost, &hyper(1)).unwrap();
        });
        let ten = count(|| {
            sgd_train_sparse(&mut train, &xs, &ys, cost, &hyper(10)).unwrap();
        });
        (one, ten)
    });
    assert_eq!(
        one, ten,
        "sgd_train_sparse allocates per epoch: {one} allocations for 1 epoch, {ten} for 10"
    );
    assert!(one <= 24, "sgd_train_sparse's setup allocated {one} times");
}
