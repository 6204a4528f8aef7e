//! (Hidden API for the native kernels of the crates above la-core.)
//!
//! Walks the elements of one to three regions in the same order, as contiguous
//! slices where possible, in parallel when the work is large.

use rayon::prelude::*;

use super::simd::{self, MapKernel, ReduceKernel};
use crate::engine::Region;
use crate::Scalar;

/// How one operand is walked: lane `k` starts at `offset + k * outer`, its `len`
/// elements lie `inner` apart.
#[derive(Debug, Clone, Copy)]
struct Lanes {
    offset: usize,
    outer: usize,
    inner: usize,
}

/// The common plan: `count` lanes of `len` elements.
#[derive(Debug, Clone, Copy)]
struct Plan {
    count: usize,
    len: usize,
}

/// Walk column by column unless the destination is row-major; collapse to one
/// lane when every operand is contiguous in that order.
fn plan<const N: usize>(dest: Region, regions: [Region; N]) -> (Plan, Lanes, [Lanes; N]) {
    let row_order = dest.cs == 1 && dest.rs != 1 && dest.m > 1;
    let flat = |r: &Region| {
        if row_order {
            r.is_flat_row()
        } else {
            r.is_flat_col()
        }
    };
    let lanes = |r: &Region| {
        if row_order {
            Lanes {
                offset: r.offset,
                outer: r.rs,
                inner: r.cs,
            }
        } else {
            Lanes {
                offset: r.offset,
                outer: r.cs,
                inner: r.rs,
            }
        }
    };
    let (count, len) = if row_order {
        (dest.m, dest.n)
    } else {
        (dest.n, dest.m)
    };
    if flat(&dest) && regions.iter().all(flat) {
        let one = |r: &Region| Lanes {
            offset: r.offset,
            outer: 0,
            inner: 1,
        };
        (
            Plan {
                count: 1,
                len: count * len,
            },
            one(&dest),
            regions.map(|r| one(&r)),
        )
    } else {
        (
            Plan { count, len },
            lanes(&dest),
            regions.map(|r| lanes(&r)),
        )
    }
}

fn gather<T: Scalar>(src: &[T], l: &Lanes, k: usize, len: usize, out: &mut Vec<T>) {
    out.clear();
    let start = l.offset + k * l.outer;
    out.extend((0..len).map(|t| src[start + t * l.inner]));
}

/// Applies `kernel(inputs, dest)` to matching pieces of the operands. The kernel may
/// read `dest` (it holds the destination's current values). Pieces are split across
/// threads when the total exceeds `par_min` elements.
pub fn map<T: Scalar, K: MapKernel<T, N>, const N: usize>(
    inputs: [(&[T], Region); N],
    dest: (&mut [T], Region),
    par_min: usize,
    kernel: &K,
) {
    let (dst, rd) = dest;
    if rd.is_empty() {
        return;
    }
    let (p, ld, li) = plan(rd, inputs.map(|(_, r)| r));
    let total = p.count * p.len;
    let run = |ins: [&[T]; N], out: &mut [T]| simd::map(kernel, ins, out);
    let contiguous = ld.inner == 1 && li.iter().all(|l| l.inner == 1);

    if contiguous && p.count == 1 {
        let out = &mut dst[ld.offset..ld.offset + p.len];
        let ins: [&[T]; N] =
            std::array::from_fn(|q| &inputs[q].0[li[q].offset..li[q].offset + p.len]);
        if total >= par_min {
            let chunk = total
                .div_ceil(rayon::current_num_threads())
                .next_multiple_of(64);
            out.par_chunks_mut(chunk).enumerate().for_each(|(c, o)| {
                let s = c * chunk;
                run(std::array::from_fn(|q| &ins[q][s..s + o.len()]), o);
            });
        } else {
            run(ins, out);
        }
        return;
    }
    if contiguous {
        let lane_in = |k: usize| -> [&[T]; N] {
            std::array::from_fn(|q| {
                let s = li[q].offset + k * li[q].outer;
                &inputs[q].0[s..s + p.len]
            })
        };
        let region = &mut dst[ld.offset..];
        if total >= par_min && ld.outer >= p.len {
            region
                .par_chunks_mut(ld.outer)
                .take(p.count)
                .enumerate()
                .for_each(|(k, o)| run(lane_in(k), &mut o[..p.len]));
        } else {
            for k in 0..p.count {
                let s = ld.offset + k * ld.outer;
                run(lane_in(k), &mut dst[s..s + p.len]);
            }
        }
        return;
    }
    // Strided operands: gather each lane into contiguous buffers, scatter the result.
    let mut bufs: [Vec<T>; N] = std::array::from_fn(|_| Vec::with_capacity(p.len));
    let mut out = Vec::with_capacity(p.len);
    for k in 0..p.count {
        for q in 0..N {
            gather(inputs[q].0, &li[q], k, p.len, &mut bufs[q]);
        }
        gather(dst, &ld, k, p.len, &mut out);
        run(std::array::from_fn(|q| bufs[q].as_slice()), &mut out);
        let s = ld.offset + k * ld.outer;
        for (t, v) in out.iter().enumerate() {
            dst[s + t * ld.inner] = *v;
        }
    }
}

/// Folds `kernel` over matching pieces of the operands and combines the partial results.
pub(crate) fn reduce<
    T: Scalar,
    A: Send + Sync + Copy,
    K: ReduceKernel<T, N, Acc = A>,
    const N: usize,
>(
    inputs: [(&[T], Region); N],
    par_min: usize,
    identity: A,
    kernel: &K,
    combine: impl Fn(A, A) -> A + Sync,
) -> A {
    let r0 = inputs[0].1;
    if r0.is_empty() {
        return identity;
    }
    let (p, _, li) = plan(r0, inputs.map(|(_, r)| r));
    let run = |ins: [&[T]; N]| simd::reduce(kernel, ins);
    let total = p.count * p.len;
    if li.iter().all(|l| l.inner == 1) {
        let lane = |k: usize| -> [&[T]; N] {
            std::array::from_fn(|q| {
                let s = li[q].offset + k * li[q].outer;
                &inputs[q].0[s..s + p.len]
            })
        };
        if p.count == 1 && total >= par_min {
            let ins = lane(0);
            let chunk = total
                .div_ceil(rayon::current_num_threads())
                .next_multiple_of(64);
            return (0..total.div_ceil(chunk))
                .into_par_iter()
                .map(|c| {
                    let (s, e) = (c * chunk, ((c + 1) * chunk).min(total));
                    run(std::array::from_fn(|q| &ins[q][s..e]))
                })
                .reduce(|| identity, &combine);
        }
        return (0..p.count).fold(identity, |acc, k| combine(acc, run(lane(k))));
    }
    let mut bufs: [Vec<T>; N] = std::array::from_fn(|_| Vec::with_capacity(p.len));
    let mut acc = identity;
    for k in 0..p.count {
        for q in 0..N {
            gather(inputs[q].0, &li[q], k, p.len, &mut bufs[q]);
        }
        acc = combine(acc, run(std::array::from_fn(|q| bufs[q].as_slice())));
    }
    acc
}
