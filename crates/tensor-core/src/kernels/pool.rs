//! Native 2-D max and average pooling on contiguous `nchw` host memory, one channel
//! plane per task. Max pooling records each output's source position in its plane
//! (as an element value) for the backward pass; ties go to the first element in
//! row-major order, so results never depend on threads.

use la_core::Scalar;
use rayon::prelude::*;

use crate::geometry::{PoolAlgo, Pooling};

/// Planes per rayon task (small planes are cheap).
const MIN_PLANES: usize = 8;

/// The input rows (or columns) `lo..hi` of output `o`'s window.
#[inline]
fn window(o: usize, s: usize, p: usize, k: usize, len: usize) -> (usize, usize) {
    let start = (o * s) as isize - p as isize;
    let lo = start.max(0) as usize;
    let hi = ((start + k as isize).max(0) as usize).min(len);
    (lo, hi)
}

/// Calls `f(output index, rows, columns)` for every output of one plane.
#[inline]
fn for_each_window(g: &Pooling, mut f: impl FnMut(usize, (usize, usize), (usize, usize))) {
    let [h, w] = g.in_size;
    let [oh, ow] = g.out_size;
    for oy in 0..oh {
        let ys = window(oy, g.strides[0], g.padding[0], g.kernel[0], h);
        for ox in 0..ow {
            let xs = window(ox, g.strides[1], g.padding[1], g.kernel[1], w);
            f(oy * ow + ox, ys, xs);
        }
    }
}

/// `y := pool(x)`; for max pooling `arg` receives each output's source position.
pub(crate) fn forward<T: Scalar>(g: &Pooling, x: &[T], y: &mut [T], arg: &mut [T]) {
    let hw = g.in_size[0] * g.in_size[1];
    let ohw = g.out_size[0] * g.out_size[1];
    let w = g.in_size[1];
    match g.algo {
        PoolAlgo::Max => y
            .par_chunks_mut(ohw)
            .zip(arg.par_chunks_mut(ohw))
            .zip(x.par_chunks(hw))
            .with_min_len(MIN_PLANES)
            .for_each(|((y, arg), x)| {
                if g.kernel == [2, 2] && g.strides == [2, 2] && g.padding == [0, 0] {
                    return max_2x2(g, x, y, arg);
                }
                for_each_window(g, |o, (ylo, yhi), (xlo, xhi)| {
                    let mut best = ylo * w + xlo;
                    for iy in ylo..yhi {
                        for ix in xlo..xhi {
                            let i = iy * w + ix;
                            if x[i] > x[best] {
                                best = i;
                            }
                        }
                    }
                    y[o] = x[best];
                    arg[o] = T::of(best as f64);
                });
            }),
        algo => {
            let full = T::of((g.kernel[0] * g.kernel[1]) as f64);
            y.par_chunks_mut(ohw)
                .zip(x.par_chunks(hw))
                .with_min_len(MIN_PLANES)
                .for_each(|(y, x)| {
                    for_each_window(g, |o, (ylo, yhi), (xlo, xhi)| {
                        let mut sum = T::zero();
                        for iy in ylo..yhi {
                            sum = x[iy * w + xlo..iy * w + xhi]
                                .iter()
                                .fold(sum, |a, &v| a + v);
                        }
                        y[o] = sum / count(algo, full, (ylo, yhi), (xlo, xhi));
                    });
                })
        }
    }
}

/// Max pooling of one plane with 2x2 windows, stride 2, no padding (the common case:
/// four loads per output, no window arithmetic).
fn max_2x2<T: Scalar>(g: &Pooling, x: &[T], y: &mut [T], arg: &mut [T]) {
    let w = g.in_size[1];
    let ow = g.out_size[1];
    let (zero, one, wt) = (T::zero(), T::one(), T::of(w as f64));
    let wt1 = wt + one;
    for (oy, (yr, ar)) in y.chunks_mut(ow).zip(arg.chunks_mut(ow)).enumerate() {
        let r0 = 2 * oy * w;
        let (row0, row1) = (&x[r0..r0 + 2 * ow], &x[r0 + w..r0 + w + 2 * ow]);
        let base = T::of(r0 as f64);
        for (ox, ((yo, ao), (p, q))) in yr
            .iter_mut()
            .zip(ar.iter_mut())
            .zip(row0.chunks_exact(2).zip(row1.chunks_exact(2)))
            .enumerate()
        {
            // pairwise selects on values only (no data-dependent branch, so random
            // data costs no mispredictions); ties keep the earlier element
            let (m1, o1) = if p[1] > p[0] {
                (p[1], one)
            } else {
                (p[0], zero)
            };
            let (m2, o2) = if q[1] > q[0] { (q[1], wt1) } else { (q[0], wt) };
            let (m, o) = if m2 > m1 { (m2, o2) } else { (m1, o1) };
            *yo = m;
            *ao = base + T::of((2 * ox) as f64) + o;
        }
    }
}

fn count<T: Scalar>(algo: PoolAlgo, full: T, ys: (usize, usize), xs: (usize, usize)) -> T {
    match algo {
        PoolAlgo::AvgExcludePadding => T::of(((ys.1 - ys.0) * (xs.1 - xs.0)) as f64),
        _ => full,
    }
}

/// `dx := ∂(pool(x))ᵀ dy` (overlapping windows add up).
pub(crate) fn backward<T: Scalar>(g: &Pooling, dy: &[T], arg: &[T], dx: &mut [T]) {
    let hw = g.in_size[0] * g.in_size[1];
    let ohw = g.out_size[0] * g.out_size[1];
    let w = g.in_size[1];
    match g.algo {
        PoolAlgo::Max => dx
            .par_chunks_mut(hw)
            .zip(dy.par_chunks(ohw))
            .zip(arg.par_chunks(ohw))
            .with_min_len(MIN_PLANES)
            .for_each(|((dx, dy), arg)| {
                dx.fill(T::zero());
                for (d, a) in dy.iter().zip(arg) {
                    // positions were written by `forward` and lie inside the plane
                    if let Some(v) = dx.get_mut(a.as_f64() as usize) {
                        *v = *v + *d;
                    }
                }
            }),
        algo => {
            let full = T::of((g.kernel[0] * g.kernel[1]) as f64);
            dx.par_chunks_mut(hw)
                .zip(dy.par_chunks(ohw))
                .with_min_len(MIN_PLANES)
                .for_each(|(dx, dy)| {
                    dx.fill(T::zero());
                    for_each_window(g, |o, (ylo, yhi), (xlo, xhi)| {
                        let share = dy[o] / count(algo, full, (ylo, yhi), (xlo, xhi));
                        for iy in ylo..yhi {
                            dx[iy * w + xlo..iy * w + xhi]
                                .iter_mut()
                                .for_each(|v| *v = *v + share);
                        }
                    });
                })
        }
    }
}
