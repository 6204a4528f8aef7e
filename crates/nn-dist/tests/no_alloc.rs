//! A data-parallel step allocates nothing once the driver is built (the packed
//! gradient buffer and, under MPI, the host staging buffers are made once). The layers
//! fit la-core's small-GEMM paths (batch ≥ inputs), since the `gemm` crate's general
//! path allocates packing buffers per call (nn-dnn's no_alloc test says the same).
//! One test in this binary, so no other thread allocates while it counts.

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use la_core::prelude::*;
use nn_dist::{DataParallel, Single};
use nn_dnn::Activation;
use nn_dnn::{dense, network};
use nn_dnn::{Adam, Cost};
use tensor_core::{desc, tensor, DataType, TensorLayout};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// The global allocator must be `unsafe impl`: the standard counting wrapper around the
// system allocator, used only in this test.
#[allow(unsafe_code)]
// SAFETY: every call is forwarded unchanged to `System`, which upholds GlobalAlloc's contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same layout, forwarded to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..20 {
            dp.step(&mut net, &x, &y, 128, Cost::SoftmaxCrossEntropy, 0.01)
                .unwrap();
        }
        ALLOCATIONS.load(Ordering::SeqCst) - before
    });
    // Rayon's global injector allocates a block per 63 jobs pushed from outside the
    // pool; a clean-clone CI run saw 2 such allocations in 20 steps (as nn-dnn's and
    // nn-train's tests allow). Every buffer of the step is made before the loop.
    assert!(n <= 2, "20 data-parallel steps allocated {n} times");
}
