//! The native matrix-vector product `y := alpha a x + beta y` (the book's `mv`).
//!
//! A memory-bound kernel: each element of `a` is read once, so its speed is the rate
//! at which one core pulls several streams of `a` from memory. Threads split the rows
//! of `y`; each thread reads eight columns (column-major `a`) or four rows (row-major)
//! at once, and asks for every stream's cache lines [`PREFETCH_BYTES`] ahead of the
//! loads: the hardware prefetcher restarts at each 4 KiB page of each stream. Measured
//! here on the 5000x10000 f32 gemv, interleaved with MKL's in one process: without
//! the prefetches ours took 6–8% (column-major) and 10–13% (row-major) longer than
//! MKL's, with them 3–4% and 5–12%.

use rayon::prelude::*;

use super::simd::{self, MapKernel};
use super::{dot_kernel, ACC};
use crate::engine::Region;
use crate::Scalar;

/// How far ahead of the loads each stream is prefetched, in bytes (tuned on the
/// 5000x10000 f32 gemv: 1.5–3 KiB were best; eight streams of 2 KiB stay within L1).
const PREFETCH_BYTES: usize = 2048;

/// Elements per step of the column kernel: one 64-byte cache line of `f32`.
const LINE: usize = 16;

/// `K` concurrent read streams through `a`, each prefetched ahead of its loads: stream
/// `k` reads `a[start[k]..start[k] + len]`, then goes on at `start[k] + next` (the same
/// stream of the next group of columns or rows).
struct Streams<'a, T, const K: usize> {
    a: &'a [T],
    start: [usize; K],
    len: usize,
    next: usize,
}

impl<'a, T, const K: usize> Streams<'a, T, K> {
    /// Stream `k`'s elements in the current group.
    #[inline(always)]
    fn stream(&self, k: usize) -> &'a [T] {
        &self.a[self.start[k]..self.start[k] + self.len]
    }

    /// Prefetches the cache line(s) each stream reads [`PREFETCH_BYTES`] after its
    /// element `i`: `64 / size_of::<T>()` elements from `i`, one line per call for `f32`
    /// (two for `f64`, as a step covers [`LINE`] elements).
    #[inline(always)]
    fn prefetch(&self, i: usize) {
        let ahead = i + PREFETCH_BYTES / std::mem::size_of::<T>();
        for &s in &self.start {
            let at = if ahead < self.len {
                s + ahead
            } else {
                s.wrapping_add(self.next).wrapping_add(ahead - self.len)
            };
            simd::prefetch(self.a, at);
            if std::mem::size_of::<T>() > 4 {
                simd::prefetch(self.a, at.wrapping_add(LINE / 2));
            }
        }
    }
}

/// One thread's share of `y := alpha a x + beta y`: rows `r0..r0 + out.len()`.
struct GemvBlock<'a, T> {
    alpha: T,
    beta: T,
    a: &'a [T],
    ra: Region,
    r0: usize,
    x: &'a [T],
    rx: Region,
}

impl<T: Scalar> MapKernel<T, 0> for GemvBlock<'_, T> {
    #[inline(always)]
    fn apply(&self, _: [&[T]; 0], yb: &mut [T]) {
        if self.beta == T::zero() {
            yb.fill(T::zero());
        } else if self.beta != T::one() {
            yb.iter_mut().for_each(|v| *v = self.beta * *v);
        }
        if self.ra.rs == 1 {
            self.cols(yb);
        } else {
            self.rows(yb);
        }
    }
}

/// `y + (c0 x0 + c1 x1 + … + c7 x7)`, summed as a balanced tree.
#[inline(always)]
fn add8<T: Scalar>(y: T, c: [T; 8], x: &[T; 8]) -> T {
    y + ((c[0] * x[0] + c[1] * x[1]) + (c[2] * x[2] + c[3] * x[3]))
        + ((c[4] * x[4] + c[5] * x[5]) + (c[6] * x[6] + c[7] * x[7]))
}

impl<T: Scalar> GemvBlock<'_, T> {
    /// Column-major: `yb += alpha A[r0.., :] x`, eight columns per pass over `yb`
    /// (measured here: 8 beat 4 by 10% on 5000x10000; `yb` stays in L1).
    #[inline(always)]
    fn cols(&self, yb: &mut [T]) {
        let (a, ra, len) = (self.a, self.ra, yb.len());
        let xj = |j: usize| self.alpha * self.x[self.rx.index(j, 0)];
        let n = ra.n;
        let mut j = 0;
        while j + 8 <= n {
            let streams: Streams<'_, T, 8> = Streams {
                a,
                start: std::array::from_fn(|k| ra.index(self.r0, j + k)),
                len,
                next: 8 * ra.cs,
            };
            let c: [&[T]; 8] = std::array::from_fn(|k| streams.stream(k));
            let xs: [T; 8] = std::array::from_fn(|k| xj(j + k));
            let mut lines = yb.chunks_exact_mut(LINE);
            let mut i = 0;
            for y in &mut lines {
                streams.prefetch(i);
                let cl: [&[T]; 8] = std::array::from_fn(|k| &c[k][i..i + LINE]);
                for (l, y) in y.iter_mut().enumerate() {
                    *y = add8(*y, std::array::from_fn(|k| cl[k][l]), &xs);
                }
                i += LINE;
            }
            for (l, y) in lines.into_remainder().iter_mut().enumerate() {
                *y = add8(*y, std::array::from_fn(|k| c[k][i + l]), &xs);
            }
            j += 8;
        }
        while j < n {
            let s = ra.index(self.r0, j);
            let x0 = xj(j);
            for (y, p) in yb.iter_mut().zip(&a[s..s + len]) {
                *y = *y + *p * x0;
            }
            j += 1;
        }
    }

    /// Row-major: `yb[i] += alpha · dot(A[r0 + i, :], x)`; `x` is contiguous here.
    /// Four rows per pass: four concurrent streams through memory (one stream per core
    /// reaches about half of this machine's read bandwidth) sharing each load of `x`.
    #[inline(always)]
    fn rows(&self, yb: &mut [T]) {
        let (a, ra) = (self.a, self.ra);
        let n = ra.n;
        let xv = &self.x[self.rx.offset..self.rx.offset + n];
        let row = |i: usize| {
            let s = ra.index(self.r0 + i, 0);
            &a[s..s + n]
        };
        let mut quads = yb.chunks_exact_mut(4);
        let mut i = 0;
        for yq in &mut quads {
            let streams = Streams {
                a,
                start: std::array::from_fn(|q| ra.index(self.r0 + i + q, 0)),
                len: n,
                next: 4 * ra.rs,
            };
            let d = dot4(&streams, xv);
            for (y, d) in yq.iter_mut().zip(d) {
                *y = *y + self.alpha * d;
            }
            i += 4;
        }
        for y in quads.into_remainder() {
            *y = *y + self.alpha * dot_kernel(row(i), xv);
            i += 1;
        }
    }
}

/// The dot products of the four rows `streams` reads with one `x`, in one pass: `ACC`
/// lanes per row, each row prefetched ahead.
#[inline(always)]
fn dot4<T: Scalar>(streams: &Streams<'_, T, 4>, x: &[T]) -> [T; 4] {
    let r: [&[T]; 4] = std::array::from_fn(|q| streams.stream(q));
    let mut acc = [[T::zero(); ACC]; 4];
    let full = x.len() / ACC * ACC;
    let mut k = 0;
    while k < full {
        for line in (k..k + ACC).step_by(LINE) {
            streams.prefetch(line);
        }
        let xc = &x[k..k + ACC];
        for (a, row) in acc.iter_mut().zip(&r) {
            let rc = &row[k..k + ACC];
            for l in 0..ACC {
                a[l] = a[l] + rc[l] * xc[l];
            }
        }
        k += ACC;
    }
    std::array::from_fn(|q| {
        let tail = r[q][full..]
            .iter()
            .zip(&x[full..])
            .fold(T::zero(), |s, (a, b)| s + *a * *b);
        acc[q].iter().fold(tail, |s, v| s + *v)
    })
}

/// `y := alpha a x + beta y`; threads split the rows of `y`. A strided `y` (or a
/// strided `x` with a row-major `a`) goes through a buffer.
pub(super) fn gemv<T: Scalar>(
    alpha: T,
    a: (&[T], Region),
    x: (&[T], Region),
    beta: T,
    y: (&mut [T], Region),
) {
    let (a, ra) = a;
    let (ys, ry) = y;
    let m = ra.m;
    if m == 0 {
        return;
    }
    let col_major = ra.rs == 1;
    let xbuf: Vec<T>;
    let (xs, rx) = if col_major || x.1.rs == 1 {
        x
    } else {
        xbuf = (0..ra.n).map(|j| x.0[x.1.index(j, 0)]).collect();
        (&xbuf[..], Region::vector(0, ra.n, 1))
    };
    let mut ybuf = Vec::new();
    let (yv, strided) = if ry.rs == 1 {
        (&mut ys[ry.offset..ry.offset + m], false)
    } else {
        ybuf.extend((0..m).map(|i| ys[ry.index(i, 0)]));
        (&mut ybuf[..], true)
    };
    let threads = if m * ra.n >= 1 << 16 {
        rayon::current_num_threads()
    } else {
        1
    };
    let block = m.div_ceil(threads).next_multiple_of(64).min(m);
    let work = |(bi, yb): (usize, &mut [T])| {
        let k = GemvBlock {
            alpha,
            beta,
            a,
            ra,
            r0: bi * block,
            x: xs,
            rx,
        };
        simd::map(&k, [], yb);
    };
    if threads > 1 {
        yv.par_chunks_mut(block).enumerate().for_each(work);
    } else {
        work((0, yv));
    }
    if strided {
        for (i, v) in ybuf.iter().enumerate() {
            ys[ry.index(i, 0)] = *v;
        }
    }
}
