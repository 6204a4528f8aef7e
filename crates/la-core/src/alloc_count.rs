//! A global allocator that counts allocations, for the tests that prove a step
//! allocates nothing (DESIGN principle 4). One implementation for every crate's
//! `tests/no_alloc.rs`:
//!
//! ```ignore
//! use la_core::alloc_count::CountingAllocator;
//! #[global_allocator]
//! static GLOBAL: CountingAllocator = CountingAllocator::new();
//! let before = GLOBAL.count();
//! // ... the work that must not allocate ...
//! assert_eq!(GLOBAL.count() - before, 0);
//! ```
//!
//! Count only while no other thread of the test binary allocates (one test per
//! binary, or a lock around the counted work); count work that fans out to a thread
//! pool with [`CountingAllocator::fewest`], which ignores the pool's occasional
//! allocations.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting every allocation (reallocations that move count
/// as allocations too, through `GlobalAlloc`'s default `realloc`).
#[derive(Debug)]
pub struct CountingAllocator {
    allocations: AtomicUsize,
    largest: AtomicUsize,
}

impl CountingAllocator {
    /// A counter at zero (usable in a `static`).
    pub const fn new() -> Self {
        CountingAllocator {
            allocations: AtomicUsize::new(0),
            largest: AtomicUsize::new(0),
        }
    }

    /// Allocations so far in this process.
    pub fn count(&self) -> usize {
        self.allocations.load(Ordering::SeqCst)
    }

    /// The largest single allocation, in bytes, since the last
    /// [`reset_largest`](Self::reset_largest) (to bound what reading an untrusted
    /// file may allocate).
    pub fn largest(&self) -> usize {
        self.largest.load(Ordering::SeqCst)
    }

    /// Starts [`largest`](Self::largest) again from 0.
    pub fn reset_largest(&self) {
        self.largest.store(0, Ordering::SeqCst);
    }

    /// The fewest allocations that any of `windows` runs of `work` made. Work that
    /// allocates does so in every run; what a thread pool allocates now and then
    /// behind it (rayon's queue blocks, crossbeam's epoch garbage bags), depending on
    /// how threads interleave on a busy machine, does not, so the minimum is the
    /// work's own count. 0 windows give `usize::MAX`.
    pub fn fewest(&self, windows: usize, mut work: impl FnMut()) -> usize {
        (0..windows)
            .map(|_| {
                let before = self.count();
                work();
                self.count() - before
            })
            .min()
            .unwrap_or(usize::MAX)
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds GlobalAlloc's
// contract; the counter is an atomic and allocates nothing.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::SeqCst);
        self.largest.fetch_max(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller's layout, forwarded to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` (through `alloc`) with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}
