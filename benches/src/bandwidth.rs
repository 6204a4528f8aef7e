//! The machine's read bandwidth, measured STREAM-style: the best of several passes
//! summing a 256 MiB `f32` array on every thread of rayon's pool. Each task reads
//! `STREAMS` neighbouring pages at once (16 accumulators each), as a column-major gemv
//! reads eight neighbouring columns, each prefetched 2 KiB ahead: on this project's VMs
//! one sequential stream per core reaches only about half of that (11 against 20+ GB/s
//! per core), and the same eight streams without the prefetches 10–20% less.
//! Memory-bound rows (gemv, batch-1 inference) are reported against it.

use rayon::prelude::*;
use std::time::Instant;

/// Concurrent sequential streams per task.
pub const STREAMS: usize = 8;

/// Bytes per second of the fastest of `passes` full reads of 256 MiB.
pub fn read_bandwidth(passes: usize) -> f64 {
    let n = 64 << 20; // 64 Mi f32 = 256 MiB
    let data: Vec<f32> = (0..n).map(|i| (i % 7) as f32).collect();
    let task = n / (rayon::current_num_threads() * 16);
    let mut best = f64::INFINITY;
    let mut check = 0.0;
    for _ in 0..passes {
        let t = Instant::now();
        check = data
            .par_chunks(task)
            .map(|c| la_core::native::simd::run(&mut Streams(c)))
            .sum::<f32>();
        best = best.min(t.elapsed().as_secs_f64());
    }
    assert!(check > 0.0, "the sum was computed");
    (n * 4) as f64 / best
}

/// [`sum_streams`] compiled for the best instruction set la-core finds (AVX-512 here),
/// as la-core's own kernels are.
struct Streams<'a>(&'a [f32]);

impl la_core::native::simd::RunKernel for Streams<'_> {
    type Out = f32;
    #[inline(always)]
    fn run(&mut self) -> f32 {
        sum_streams(self.0)
    }
}

/// Adds 16 values into 16 accumulators (one vector register with AVX-512).
#[inline(always)]
fn add16(acc: &mut [f32; 16], v: &[f32]) {
    for (a, x) in acc.iter_mut().zip(v) {
        *a += x;
    }
}

/// Elements each stream reads before the streams move on together (4 KiB: one page).
const BLOCK: usize = 1024;

/// How far ahead of its loads each stream is prefetched, in elements (2 KiB, as la-core's
/// gemv does: the hardware prefetcher alone restarts at each page of each stream).
const AHEAD: usize = 512;

/// The sum of `c`, read as `STREAMS` streams at once, each over its own page of a
/// window of `STREAMS` consecutive pages (as a column-major gemv reads neighbouring
/// columns), the window sliding through `c`; each stream prefetched `AHEAD` elements
/// ahead, into the same stream's page of the next window past the end of its page.
#[inline(always)]
fn sum_streams(c: &[f32]) -> f32 {
    let mut acc = [[0.0f32; 16]; STREAMS];
    let mut windows = c.chunks_exact(STREAMS * BLOCK);
    let mut w0 = 0;
    for w in &mut windows {
        let mut it: [std::slice::ChunksExact<'_, f32>; STREAMS] =
            std::array::from_fn(|s| w[s * BLOCK..(s + 1) * BLOCK].chunks_exact(16));
        for i in (0..BLOCK).step_by(16) {
            let ahead = if i + AHEAD < BLOCK {
                i + AHEAD
            } else {
                i + AHEAD + (STREAMS - 1) * BLOCK
            };
            for (s, (a, st)) in acc.iter_mut().zip(it.iter_mut()).enumerate() {
                la_core::native::simd::prefetch(c, w0 + s * BLOCK + ahead);
                add16(a, st.next().expect("BLOCK / 16 chunks"));
            }
        }
        w0 += STREAMS * BLOCK;
    }
    acc.iter().flatten().sum::<f32>() + windows.remainder().iter().sum::<f32>()
}
