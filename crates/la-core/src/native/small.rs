//! GEMM for the shapes small networks produce, without packing or allocating:
//!
//! - *small `a`* (`m·k ≤ SMALL`, e.g. a layer's weights times a batch): `a` is copied
//!   to the stack once; every column of `c` is `Σₚ a[:,p] b[p,j]`, vectorised over
//!   `m`, columns split across threads;
//! - *small `c`, long `k`* (`m·n ≤ SMALL`, e.g. a weight gradient `δ aᵀ` summed over
//!   the batch): rank-one updates of a stack accumulator, the samples split across
//!   threads (`rayon::join`), partial sums added at the end.
//!
//! The `gemm` crate packs its operands into buffers it allocates on every call, which
//! costs more than the multiplication at these shapes and breaks "never allocate in
//! the training loop".

use rayon::prelude::*;

use super::simd::{self, MapKernel};
use crate::engine::Region;
use crate::Scalar;

/// The largest small operand, in elements (16 KiB of `f32` on the stack).
pub(crate) const SMALL: usize = 4096;
/// Below this many multiply-adds, one thread does it all.
const PAR_FLOPS: usize = 1 << 17;

/// Rows per register block (one AVX-512 register of `f32`).
const R: usize = 16;

/// `c[:, j] := alpha Σₚ a[:, p] b[p, j] + beta c[:, j]` for the columns in `out`;
/// `a` is packed in blocks of `R` rows (zero-padded), `k` columns each, so every block
/// of a column of `c` accumulates in registers.
struct SmallA<'a, T> {
    a: &'a [T],
    m: usize,
    k: usize,
    alpha: T,
    beta: T,
    /// Column strides of `b` and `c` within the chunks.
    bcs: usize,
    ccs: usize,
    cols: usize,
}

impl<T: Scalar> MapKernel<T, 1> for SmallA<'_, T> {
    #[inline(always)]
    fn apply(&self, [b]: [&[T]; 1], out: &mut [T]) {
        let (m, k, zero) = (self.m, self.k, T::zero());
        for j in 0..self.cols {
            let bj = &b[j * self.bcs..j * self.bcs + k];
            for (blk, i0) in (0..m).step_by(R).enumerate() {
                let mut acc = [zero; R];
                let ab = &self.a[blk * k * R..(blk + 1) * k * R];
                for (p, &bp) in bj.iter().enumerate() {
                    let ap = &ab[p * R..p * R + R];
                    for i in 0..R {
                        acc[i] = acc[i] + ap[i] * bp;
                    }
                }
                let rows = R.min(m - i0);
                let c = &mut out[j * self.ccs + i0..j * self.ccs + i0 + rows];
                for (v, &s) in c.iter_mut().zip(&acc) {
                    *v = if self.beta == zero {
                        self.alpha * s
                    } else {
                        self.alpha * s + self.beta * *v
                    };
                }
            }
        }
    }
}

/// `acc[:, q] += Σₚ a[:, p] b[p, q]` over the samples `p` in the chunk, one block of
/// `R` rows of one column `q` at a time, accumulated in registers.
struct SmallC {
    m: usize,
    n: usize,
    /// Column stride of `a` and row stride of `b` within the chunks.
    acs: usize,
    brs: usize,
    samples: usize,
}

impl<T: Scalar> MapKernel<T, 2> for SmallC {
    #[inline(always)]
    fn apply(&self, [a, b]: [&[T]; 2], acc: &mut [T]) {
        let (m, zero) = (self.m, T::zero());
        for q in 0..self.n {
            for i0 in (0..m).step_by(R) {
                let rows = R.min(m - i0);
                let mut r = [zero; R];
                for p in 0..self.samples {
                    let s = b[p * self.brs + q];
                    let ap = &a[p * self.acs + i0..p * self.acs + i0 + rows];
                    for (v, &w) in r.iter_mut().zip(ap) {
                        *v = *v + w * s;
                    }
                }
                for (v, x) in acc[q * m + i0..q * m + i0 + rows].iter_mut().zip(&r) {
                    *v = *v + *x;
                }
            }
        }
    }
}

/// Tries the small-shape paths; `false` means the caller should use the general GEMM.
pub(crate) fn gemm<T: Scalar>(
    alpha: T,
    a: (&[T], Region),
    b: (&[T], Region),
    beta: T,
    c: (&mut [T], Region),
) -> bool {
    let ((a, ra), (b, rb), (c, rc)) = (a, b, c);
    let (m, n, k) = (rc.m, rc.n, ra.n);
    if m * k <= SMALL && k <= 256 && rb.rs == 1 && rc.rs == 1 && n >= k {
        small_a(alpha, (a, ra), (b, rb), beta, (c, rc));
        true
    } else if m * n <= SMALL && ra.rs == 1 && rb.cs == 1 && k >= m.max(n) {
        small_c(alpha, (a, ra), (b, rb), beta, (c, rc));
        true
    } else {
        false
    }
}

fn small_a<T: Scalar>(
    alpha: T,
    (a, ra): (&[T], Region),
    (b, rb): (&[T], Region),
    beta: T,
    (c, rc): (&mut [T], Region),
) {
    let (m, n, k) = (rc.m, rc.n, ra.n);
    // blocks of R rows, zero-padded: (m + R - 1) * k <= SMALL + 15 * 256
    let mut packed = [T::zero(); 2 * SMALL];
    let blocks = m.div_ceil(R);
    for p in 0..k {
        for i in 0..m {
            packed[((i / R) * k + p) * R + i % R] = a[ra.index(i, p)];
        }
    }
    let (bcs, ccs) = (rb.cs.max(k), rc.cs.max(m));
    let kernel = |cols: usize| SmallA {
        a: &packed[..blocks * k * R],
        m,
        k,
        alpha,
        beta,
        bcs,
        ccs,
        cols,
    };
    let b = &b[rb.offset..];
    let c = &mut c[rc.offset..];
    let span = |cols: usize, cs: usize, len: usize| (cols - 1) * cs + len;
    if m * n * k < PAR_FLOPS || n < 2 {
        simd::map(
            &kernel(n),
            [&b[..span(n, bcs, k)]],
            &mut c[..span(n, ccs, m)],
        );
        return;
    }
    let per = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    c.par_chunks_mut(per * ccs)
        .enumerate()
        .for_each(|(t, chunk)| {
            let first = t * per;
            if first >= n {
                return;
            }
            let cols = per.min(n - first);
            let bs = &b[first * bcs..first * bcs + span(cols, bcs, k)];
            simd::map(&kernel(cols), [bs], &mut chunk[..span(cols, ccs, m)]);
        });
}

fn small_c<T: Scalar>(
    alpha: T,
    (a, ra): (&[T], Region),
    (b, rb): (&[T], Region),
    beta: T,
    (c, rc): (&mut [T], Region),
) {
    let (m, n, k) = (rc.m, rc.n, ra.n);
    let (acs, brs) = (ra.cs.max(m), rb.rs.max(n));
    let a = &a[ra.offset..];
    let b = &b[rb.offset..];
    let span = |p0: usize, p1: usize, s: usize, len: usize| (p0 * s, (p1 - 1) * s + len);
    // the sum over samples p0..p1, split in two across threads while large
    fn partial<T: Scalar>(
        f: &(impl Fn(usize, usize, &mut [T]) + Sync),
        p0: usize,
        p1: usize,
        flops_per_sample: usize,
    ) -> [T; SMALL] {
        let mut acc = [T::zero(); SMALL];
        if (p1 - p0) * flops_per_sample < PAR_FLOPS || p1 - p0 < 2 {
            f(p0, p1, &mut acc);
        } else {
            let mid = p0 + (p1 - p0) / 2;
            let (x, y) = rayon::join(
                || partial(f, p0, mid, flops_per_sample),
                || partial(f, mid, p1, flops_per_sample),
            );
            for ((v, p), q) in acc.iter_mut().zip(&x).zip(&y) {
                *v = *p + *q;
            }
        }
        acc
    }
    let run = |p0: usize, p1: usize, acc: &mut [T]| {
        let (as0, as1) = span(p0, p1, acs, m);
        let (bs0, bs1) = span(p0, p1, brs, n);
        let kernel = SmallC {
            m,
            n,
            acs,
            brs,
            samples: p1 - p0,
        };
        simd::map(&kernel, [&a[as0..as1], &b[bs0..bs1]], &mut acc[..m * n]);
    };
    let acc = partial(&run, 0, k, m * n);
    let zero = T::zero();
    for q in 0..n {
        for i in 0..m {
            let v = &mut c[rc.index(i, q)];
            *v = if beta == zero {
                alpha * acc[q * m + i]
            } else {
                alpha * acc[q * m + i] + beta * *v
            };
        }
    }
}
