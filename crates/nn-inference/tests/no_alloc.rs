//! "Sharing memory": once a network has seen a batch size, inference allocates nothing
//! of its own. A counting global allocator proves it for single samples (GEMV, rk and
//! activations). Batches go through the `gemm` crate, which allocates its packing
//! buffers inside every call (gemm-common 0.19, `gemm.rs`, with no workspace
//! argument), so they are not covered here: that is issue 3's to solve for training.
//! This test binary has one test, so no other thread allocates while it counts.

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// The global allocator must be `unsafe impl`: this is the standard counting wrapper
// around the system allocator, used only in this test.
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
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..10 {
            let y = net.infer(&x).unwrap();
            assert_eq!(y.ncols(), batch);
        }
        let during = ALLOCATIONS.load(Ordering::Relaxed) - before;
        assert_eq!(
            during, 0,
            "batch {batch}: {during} allocations in 10 inferences"
        );
    }
}
