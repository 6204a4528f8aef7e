//! Native 2-D convolution on contiguous `nchw` host memory: each image's patches are
//! unfolded into a matrix (im2col) that one GEMM multiplies with the weights; images
//! are split across rayon's threads, each thread with its own patch buffer taken from
//! the workspace (which only grows), so a pass allocates nothing once warm.
//!
//! With column-major matrices every operand is a plain view, no transposition copied:
//! one image's output `[oc, oh·ow]` is the column-major `(oh·ow) x oc` matrix
//! `cols · Wᵀ`, where `cols` is `(oh·ow) x (c·kh·kw)` and `oihw` weights are the
//! column-major `(c·kh·kw) x oc` matrix `Wᵀ`.

use la_core::engine::Region;
use la_core::native::gemm::gemm_serial;
use la_core::{Result, Scalar};
use rayon::prelude::*;

use crate::geometry::Convolution;

/// The sizes the loops use.
struct Dims {
    ic: usize,
    h: usize,
    w: usize,
    oc: usize,
    oh: usize,
    ow: usize,
    kernel: [usize; 2],
    strides: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    /// Output positions per channel.
    ohw: usize,
    /// Patch length `c·kh·kw`.
    ckk: usize,
    in_img: usize,
    out_img: usize,
    col: usize,
}

impl Dims {
    fn of(g: &Convolution) -> Self {
        let [h, w] = g.in_size;
        let [oh, ow] = g.out_size;
        Dims {
            ic: g.in_channels,
            h,
            w,
            oc: g.out_channels,
            oh,
            ow,
            kernel: g.kernel,
            strides: g.strides,
            padding: g.padding,
            dilation: g.dilation,
            ohw: oh * ow,
            ckk: g.patch_len(),
            in_img: g.in_channels * h * w,
            out_img: g.out_channels * oh * ow,
            col: g.col_len(),
        }
    }

    /// `cols`, `(oh·ow) x ckk`, column-major.
    fn cols(&self) -> Region {
        Region {
            offset: 0,
            m: self.ohw,
            n: self.ckk,
            rs: 1,
            cs: self.ohw,
        }
    }

    /// One image's output (or its error), `(oh·ow) x oc`, column-major.
    fn out(&self) -> Region {
        Region {
            offset: 0,
            m: self.ohw,
            n: self.oc,
            rs: 1,
            cs: self.ohw,
        }
    }

    /// The `oihw` weights as `Wᵀ`, `ckk x oc`, column-major.
    fn weights_t(&self) -> Region {
        Region {
            offset: 0,
            m: self.ckk,
            n: self.oc,
            rs: 1,
            cs: self.ckk,
        }
    }
}

/// Images per task and the number of tasks for a batch of `n`.
fn split(n: usize) -> (usize, usize) {
    let threads = rayon::current_num_threads().clamp(1, n.max(1));
    let per = n.div_ceil(threads).max(1);
    (per, n.div_ceil(per).max(1))
}

fn grow<T: Scalar>(ws: &mut Vec<T>, len: usize) {
    if ws.len() < len {
        ws.resize(len, T::zero());
    }
}

/// The output positions `o` in `0..out` for which `o·s + off` lies in `0..len`.
fn valid(out: usize, s: usize, off: isize, len: usize) -> (usize, usize) {
    let lo = if off >= 0 {
        0
    } else {
        off.unsigned_abs().div_ceil(s)
    };
    let hi = if len as isize <= off {
        0
    } else {
        (len as isize - off) as usize
    }
    .div_ceil(s);
    let lo = lo.min(out);
    (lo, hi.clamp(lo, out))
}

/// Visits every (patch row `k`, output row `oy`) of one image with the input row it
/// reads (`None`: padding) and the valid output columns `xlo..xhi`, whose input
/// columns start at `ix0` and step by the stride.
fn for_each_row(d: &Dims, mut f: impl FnMut(usize, usize, Option<usize>, (usize, usize), usize)) {
    let [kh, kw] = d.kernel;
    let [sh, sw] = d.strides;
    let [ph, pw] = d.padding;
    let [dh, dw] = d.dilation;
    let mut k = 0;
    for ci in 0..d.ic {
        for r in 0..kh {
            let offy = (r * dh) as isize - ph as isize;
            let (ylo, yhi) = valid(d.oh, sh, offy, d.h);
            for s in 0..kw {
                let offx = (s * dw) as isize - pw as isize;
                let (xlo, xhi) = valid(d.ow, sw, offx, d.w);
                let ix0 = ((xlo * sw) as isize + offx).max(0) as usize;
                for oy in 0..d.oh {
                    let row = (ylo..yhi).contains(&oy).then(|| {
                        let iy = ((oy * sh) as isize + offy) as usize;
                        (ci * d.h + iy) * d.w
                    });
                    f(k, oy, row, (xlo, xhi), ix0);
                }
                k += 1;
            }
        }
    }
}

/// One image's patches: `col[k·ohw + p]` is input element `k` of output position `p`.
fn im2col<T: Scalar>(d: &Dims, x: &[T], col: &mut [T]) {
    let sw = d.strides[1];
    for_each_row(d, |k, oy, row, (xlo, xhi), ix0| {
        let out = &mut col[k * d.ohw + oy * d.ow..][..d.ow];
        match row {
            None => out.fill(T::zero()),
            Some(_) if xlo == xhi => out.fill(T::zero()),
            Some(row) => {
                out[..xlo].fill(T::zero());
                out[xhi..].fill(T::zero());
                let src = &x[row + ix0..];
                if sw == 1 {
                    out[xlo..xhi].copy_from_slice(&src[..xhi - xlo]);
                } else {
                    for (o, v) in out[xlo..xhi].iter_mut().zip(src.iter().step_by(sw)) {
                        *o = *v;
                    }
                }
            }
        }
    });
}

/// The adjoint of [`im2col`]: adds every patch element back onto its input element.
fn col2im<T: Scalar>(d: &Dims, col: &[T], dx: &mut [T]) {
    let sw = d.strides[1];
    for_each_row(d, |k, oy, row, (xlo, xhi), ix0| {
        if let Some(row) = row.filter(|_| xlo < xhi) {
            let src = &col[k * d.ohw + oy * d.ow..][xlo..xhi];
            let dst = &mut dx[row + ix0..];
            for (o, v) in dst.iter_mut().step_by(sw).zip(src) {
                *o = *o + *v;
            }
        }
    });
}

/// The workspace the three passes of `g` need (the largest: backward weights).
pub(crate) fn workspace_len(g: &Convolution) -> usize {
    let (_, tasks) = split(g.batch);
    tasks * (g.col_len() + g.weights_len() + g.out_channels)
}

/// `y := conv(x, w) + b` over the batch.
pub(crate) fn forward<T: Scalar>(
    g: &Convolution,
    ws: &mut Vec<T>,
    x: &[T],
    w: &[T],
    b: &[T],
    y: &mut [T],
) -> Result<()> {
    let d = Dims::of(g);
    let (per, tasks) = split(g.batch);
    grow(ws, tasks * d.col);
    y.par_chunks_mut(per * d.out_img)
        .zip(x.par_chunks(per * d.in_img))
        .zip(ws.par_chunks_mut(d.col))
        .try_for_each(|((y, x), col)| {
            for (yi, xi) in y.chunks_mut(d.out_img).zip(x.chunks(d.in_img)) {
                im2col(&d, xi, col);
                gemm_serial(
                    T::one(),
                    (col, d.cols()),
                    (w, d.weights_t()),
                    T::zero(),
                    (yi, d.out()),
                )?;
                for (plane, bo) in yi.chunks_mut(d.ohw).zip(b) {
                    plane.iter_mut().for_each(|v| *v = *v + *bo);
                }
            }
            Ok(())
        })
}

/// `dx := ∂(conv(x, w))ᵀ dy`, the error of the input.
pub(crate) fn backward_data<T: Scalar>(
    g: &Convolution,
    ws: &mut Vec<T>,
    dy: &[T],
    w: &[T],
    dx: &mut [T],
) -> Result<()> {
    let d = Dims::of(g);
    let (per, tasks) = split(g.batch);
    grow(ws, tasks * d.col);
    // W as an oc x ckk column-major matrix is the oihw buffer read row by row
    let w_rows = Region {
        offset: 0,
        m: d.oc,
        n: d.ckk,
        rs: d.ckk,
        cs: 1,
    };
    dx.par_chunks_mut(per * d.in_img)
        .zip(dy.par_chunks(per * d.out_img))
        .zip(ws.par_chunks_mut(d.col))
        .try_for_each(|((dx, dy), col)| {
            for (dxi, dyi) in dx.chunks_mut(d.in_img).zip(dy.chunks(d.out_img)) {
                gemm_serial(
                    T::one(),
                    (dyi, d.out()),
                    (w, w_rows),
                    T::zero(),
                    (col, d.cols()),
                )?;
                dxi.fill(T::zero());
                col2im(&d, col, dxi);
            }
            Ok(())
        })
}

/// `dw := alpha Σ ∂/∂w`, `db := alpha Σ dy` over the batch (sum over images and
/// positions).
pub(crate) fn backward_weights<T: Scalar>(
    g: &Convolution,
    ws: &mut Vec<T>,
    alpha: T,
    x: &[T],
    dy: &[T],
    dw: &mut [T],
    db: &mut [T],
) -> Result<()> {
    let d = Dims::of(g);
    let wl = g.weights_len();
    let chunk = d.col + wl + d.oc;
    let (per, tasks) = split(g.batch);
    grow(ws, workspace_len(g));
    // colsᵀ: ckk x (oh·ow)
    let cols_t = Region {
        offset: 0,
        m: d.ckk,
        n: d.ohw,
        rs: d.ohw,
        cs: 1,
    };
    dy.par_chunks(per * d.out_img)
        .zip(x.par_chunks(per * d.in_img))
        .zip(ws.par_chunks_mut(chunk))
        .try_for_each(|((dy, x), s)| {
            let (col, rest) = s.split_at_mut(d.col);
            let (pw, pb) = rest.split_at_mut(wl);
            pw.fill(T::zero());
            pb.fill(T::zero());
            for (dyi, xi) in dy.chunks(d.out_img).zip(x.chunks(d.in_img)) {
                im2col(&d, xi, col);
                gemm_serial(
                    T::one(),
                    (col, cols_t),
                    (dyi, d.out()),
                    T::one(),
                    (pw, d.weights_t()),
                )?;
                for (plane, acc) in dyi.chunks(d.ohw).zip(pb.iter_mut()) {
                    *acc = *acc + plane.iter().fold(T::zero(), |a, &v| a + v);
                }
            }
            Ok::<(), la_core::Error>(())
        })?;
    dw.fill(T::zero());
    db.fill(T::zero());
    for s in ws.chunks(chunk).take(tasks) {
        for (o, p) in dw.iter_mut().zip(&s[d.col..d.col + wl]) {
            *o = *o + *p;
        }
        for (o, p) in db.iter_mut().zip(&s[d.col + wl..]) {
            *o = *o + *p;
        }
    }
    dw.iter_mut()
        .chain(db.iter_mut())
        .for_each(|v| *v = *v * alpha);
    Ok(())
}
