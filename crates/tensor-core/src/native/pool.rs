//! Native 2-D max and average pooling on contiguous `nchw` host memory, one channel
//! plane per task. Max pooling records each output's source position in its plane
//! (as an element value) for the backward pass; ties go to the first element in
//! row-major order, so results never depend on threads.

use la_core::Scalar;
use rayon::prelude::*;

use crate::dnn::{PoolAlgo, Pooling};

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
