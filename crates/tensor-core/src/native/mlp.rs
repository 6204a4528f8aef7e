//! The fused training pass of a small fully connected network (see
//! [`crate::DnnFactory::mlp_gradients`]): forward, output error, backward error and gradient
//! sums for a chunk of samples at a time, with every activation and error of the chunk
//! in an array on the stack, so nothing but the inputs, targets and outputs touches
//! memory. Compiled inside the native backend's target-feature trampolines: the lane
//! loops over a chunk's samples vectorise.

use std::iter::Enumerate;
use std::slice::ChunksMut;
use std::sync::Mutex;

use la_core::engine::{Region, Unary};
use la_core::native::simd::RunKernel;
use la_core::{AsMatrix, Check, Dense, DenseMut, Error, Result, Scalar};

use super::MlpFast;
use crate::dnn::mlp::{Loss, MlpPass, CHUNK, MAX_LAYERS, MAX_WIDTH};

type Lanes<T> = [T; CHUNK];

/// A layer's parameters: weights `m x k` and bias (host slices and their regions).
#[derive(Clone, Copy)]
pub struct Layer<'a, T> {
    pub w: &'a [T],
    pub wr: Region,
    pub b: &'a [T],
    pub br: Region,
    pub act: Option<Unary<T>>,
}

/// Lanes of each gradient accumulator: a chunk's products are added lane-wise, and
/// the lanes are summed once, after the last chunk.
pub(crate) const LANES: usize = CHUNK / 2;
/// Lanes of each gradient accumulator in the explicit-SIMD kernels
/// (`mlp_avx512`).
pub const FAST_LANES: usize = 16;

/// Samples per block: the unit of work the threads take turns to claim.
const BLOCK: usize = 8 * CHUNK;

/// The batch's blocks of samples, claimed one at a time by the threads, each with its
/// part of the output.
pub struct Blocks<'o, T> {
    rest: Mutex<Enumerate<ChunksMut<'o, T>>>,
    n: usize,
}

impl<'o, T> Blocks<'o, T> {
    fn new(out: &'o mut [T], rows: usize, n: usize) -> Self {
        Blocks {
            rest: Mutex::new(out.chunks_mut(BLOCK * rows.max(1)).enumerate()),
            n,
        }
    }

    /// The next unclaimed block: samples `j0..j1` and their output columns
    /// (column-major, `rows x (j1 - j0)`).
    pub fn next(&self) -> Option<(usize, usize, &'o mut [T])> {
        let (b, out) = self.rest.lock().unwrap_or_else(|e| e.into_inner()).next()?;
        let j0 = b * BLOCK;
        Some((j0, (j0 + BLOCK).min(self.n), out))
    }
}

/// One thread's work: blocks of samples claimed from `blocks` until none is left.
pub struct MlpKernel<'a, 'g, 'o, T> {
    pub x: &'a [T],
    pub xr: Region,
    pub y: &'a [T],
    pub yr: Region,
    pub layers: &'a [Layer<'a, T>],
    pub loss: Loss,
    pub blocks: &'a Blocks<'o, T>,
    /// Gradient accumulators, `LANES` (portable kernel) or `FAST_LANES` per parameter,
    /// added to; per layer the `m x k` weights (column-major), then the `m` biases.
    pub grads: &'g mut [T],
}

#[inline(always)]
fn activate<T: Scalar>(act: Option<Unary<T>>, z: &mut Lanes<T>) {
    match act {
        None => {}
        Some(Unary::Sigmoid) => z.iter_mut().for_each(|v| *v = v.k_sigmoid()),
        Some(Unary::Tanh) => z.iter_mut().for_each(|v| *v = v.k_tanh()),
        Some(Unary::Relu) => z.iter_mut().for_each(|v| *v = v.max(T::zero())),
        Some(Unary::Elu(alpha)) => z.iter_mut().for_each(|v| {
            *v = if *v > T::zero() {
                *v
            } else {
                alpha * (v.k_exp() - T::one())
            }
        }),
        Some(_) => unreachable!("checked by mlp_gradients"),
    }
}

/// `d := d ⊙ f'` from the activation's output `a`.
#[inline(always)]
fn derivative<T: Scalar>(act: Option<Unary<T>>, a: &Lanes<T>, d: &mut Lanes<T>) {
    let one = T::one();
    match act {
        None => {}
        Some(Unary::Sigmoid) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = *d * a * (one - a);
            }
        }
        Some(Unary::Tanh) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = *d * (one - a * a);
            }
        }
        Some(Unary::Relu) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = if a > T::zero() { *d } else { T::zero() };
            }
        }
        Some(Unary::Elu(alpha)) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = if a > T::zero() { *d } else { *d * (a + alpha) };
            }
        }
        Some(_) => unreachable!("checked by mlp_gradients"),
    }
}

/// `acc += p ⊙ q` (or `+= p`) folded from `CHUNK` lanes onto `LANES`.
#[inline(always)]
fn add_lanes<T: Scalar>(acc: &mut [T], p: &Lanes<T>, q: Option<&Lanes<T>>) {
    let acc = &mut acc[..LANES];
    match q {
        Some(q) => {
            for l in 0..LANES {
                acc[l] = p[l].mul_add(q[l], p[l + LANES].mul_add(q[l + LANES], acc[l]));
            }
        }
        None => {
            for l in 0..LANES {
                acc[l] = acc[l] + p[l] + p[l + LANES];
            }
        }
    }
}

#[inline(always)]
fn sum_lanes<T: Scalar>(mut s: Lanes<T>) -> T {
    let mut half = CHUNK / 2;
    while half > 0 {
        for l in 0..half {
            s[l] = s[l] + s[l + half];
        }
        half /= 2;
    }
    s[0]
}

impl<T: Scalar> RunKernel for MlpKernel<'_, '_, '_, T> {
    type Out = T;

    #[inline(always)]
    fn run(&mut self) -> T {
        let nl = self.layers.len();
        // acts[l * MAX_WIDTH + i]: unit i of layer l's output (l = 0: the input).
        let mut acts: [Lanes<T>; MAX_WIDTH * (MAX_LAYERS + 1)] =
            [[T::zero(); CHUNK]; MAX_WIDTH * (MAX_LAYERS + 1)];
        let mut delta: [[Lanes<T>; MAX_WIDTH]; 2] = [[[T::zero(); CHUNK]; MAX_WIDTH]; 2];
        let mut valid: Lanes<T> = [T::zero(); CHUNK];
        let mut cost = T::zero();
        let (xr, yr) = (self.xr, self.yr);
        let m_out = self.layers[nl - 1].wr.m;
        while let Some((j0, j1, block_out)) = self.blocks.next() {
            let mut j = j0;
            while j < j1 {
                let cn = CHUNK.min(j1 - j);
                for (l, v) in valid.iter_mut().enumerate() {
                    *v = if l < cn { T::one() } else { T::zero() };
                }
                // Input chunk (lanes past the last sample are 0).
                for (i, a) in acts[..xr.m].iter_mut().enumerate() {
                    for (l, v) in a.iter_mut().enumerate() {
                        *v = if l < cn {
                            self.x[xr.index(i, j + l)]
                        } else {
                            T::zero()
                        };
                    }
                }
                // Forward.
                for (li, layer) in self.layers.iter().enumerate() {
                    let (m, k) = (layer.wr.m, layer.wr.n);
                    let (prev, next) = acts.split_at_mut((li + 1) * MAX_WIDTH);
                    let input = &prev[li * MAX_WIDTH..li * MAX_WIDTH + k];
                    for (o, z) in next[..m].iter_mut().enumerate() {
                        // Accumulate in a local (registers), store once.
                        let mut acc: Lanes<T> = [layer.b[layer.br.index(o, 0)]; CHUNK];
                        for (i, a) in input.iter().enumerate() {
                            let w = layer.w[layer.wr.index(o, i)];
                            for l in 0..CHUNK {
                                acc[l] = w.mul_add(a[l], acc[l]);
                            }
                        }
                        activate(layer.act, &mut acc);
                        *z = acc;
                    }
                }
                // Output error and cost.
                let out_act = self.layers[nl - 1].act;
                let a_out = &acts[nl * MAX_WIDTH..nl * MAX_WIDTH + m_out];
                let d = &mut delta[0];
                for o in 0..m_out {
                    let mut yv: Lanes<T> = [T::zero(); CHUNK];
                    for (l, v) in yv.iter_mut().enumerate().take(cn) {
                        *v = self.y[yr.index(o, j + l)];
                    }
                    let a = &a_out[o];
                    let mut c: Lanes<T> = [T::zero(); CHUNK];
                    for l in 0..CHUNK {
                        d[o][l] = (a[l] - yv[l]) * valid[l];
                    }
                    match self.loss {
                        Loss::Quadratic => {
                            for l in 0..CHUNK {
                                c[l] = d[o][l] * d[o][l];
                            }
                        }
                        Loss::MeanAbsolute => {
                            for l in 0..CHUNK {
                                c[l] = d[o][l].abs();
                            }
                        }
                        Loss::SigmoidCrossEntropy => {
                            // ln of at least the smallest normal number, as every cost path
                            // does (nn-train's Cost): a saturated output costs a large
                            // finite amount, never 0 · ∞ = NaN
                            let (one, tiny) = (T::one(), T::min_positive_value());
                            for l in 0..CHUNK {
                                let t = yv[l] * (a[l] + tiny).k_log()
                                    + (one - yv[l]) * ((one - a[l]) + tiny).k_log();
                                c[l] = -t * valid[l];
                            }
                        }
                    }
                    cost = cost + sum_lanes(c);
                    match self.loss {
                        Loss::Quadratic => derivative(out_act, a, &mut d[o]),
                        Loss::MeanAbsolute => {
                            for l in 0..CHUNK {
                                let s = if d[o][l] > T::zero() {
                                    T::one()
                                } else {
                                    -T::one()
                                };
                                d[o][l] = s * valid[l];
                            }
                            derivative(out_act, a, &mut d[o]);
                        }
                        Loss::SigmoidCrossEntropy => {}
                    }
                    let out = &mut block_out[(j - j0) * m_out..];
                    for l in 0..cn {
                        out[l * m_out + o] = a[l];
                    }
                }
                // Backward: gradient sums, then the previous layer's error.
                let mut cur = 0;
                let mut end: usize = self.layers.iter().map(|l| l.wr.m * (l.wr.n + 1)).sum();
                for li in (0..nl).rev() {
                    let layer = &self.layers[li];
                    let (m, k) = (layer.wr.m, layer.wr.n);
                    let input = &acts[li * MAX_WIDTH..li * MAX_WIDTH + k];
                    let (d0, d1) = delta.split_at_mut(1);
                    let (d, prev_d) = if cur == 0 {
                        (&d0[0], &mut d1[0])
                    } else {
                        (&d1[0], &mut d0[0])
                    };
                    let start = end - m * (k + 1);
                    let (gw, gb) =
                        self.grads[start * LANES..end * LANES].split_at_mut(m * k * LANES);
                    end = start;
                    for o in 0..m {
                        add_lanes(&mut gb[o * LANES..(o + 1) * LANES], &d[o], None);
                    }
                    // Input-major, so the accumulators are walked in order (column-major
                    // weights), each input's activations staying in registers.
                    for (i, a) in input.iter().enumerate() {
                        let col = &mut gw[i * m * LANES..(i + 1) * m * LANES];
                        for (o, acc) in col.chunks_exact_mut(LANES).enumerate() {
                            add_lanes(acc, &d[o], Some(a));
                        }
                    }
                    if li > 0 {
                        for (i, pd) in prev_d[..k].iter_mut().enumerate() {
                            let mut acc: Lanes<T> = [T::zero(); CHUNK];
                            for (o, dv) in d[..m].iter().enumerate() {
                                let w = layer.w[layer.wr.index(o, i)];
                                for l in 0..CHUNK {
                                    acc[l] = w.mul_add(dv[l], acc[l]);
                                }
                            }
                            derivative(self.layers[li - 1].act, &input[i], &mut acc);
                            *pd = acc;
                        }
                        cur = 1 - cur;
                    }
                }
                j += cn;
            }
        }
        cost
    }
}

/// [`crate::DnnFactory::mlp_gradients`]: checks, host slices, one or two threads.
pub(crate) fn gradients<T: Scalar>(
    pass: MlpPass<'_, '_, '_, T>,
    fast: Option<MlpFast<T>>,
) -> Result<T> {
    let MlpPass {
        x,
        y,
        layers,
        loss,
        grads,
        out,
        scratch,
    } = pass;
    let mut out = out;
    const OP: &str = "mlp_gradients";
    let f = x.factory().clone();
    f.require_same(OP, y.factory())?;
    f.require_same(OP, out.factory())?;
    let unsupported = || Error::Unsupported {
        backend: f.name(),
        op: OP,
    };
    let empty = Layer {
        w: &[],
        wr: Region::vector(0, 0, 1),
        b: &[],
        br: Region::vector(0, 0, 1),
        act: None,
    };
    let mut ls = [empty; MAX_LAYERS];
    let mut nl = 0;
    let mut check = Check::new(OP);
    let mut width = x.mrows();
    for l in layers {
        f.require_same(OP, l.weights.factory())?;
        f.require_same(OP, l.bias.factory())?;
        let (wr, br) = (l.weights.region(), l.bias.region());
        check
            .require(nl < MAX_LAYERS, || format!("more than {MAX_LAYERS} layers"))
            .require(wr.n == width && br.m == wr.m && wr.m <= MAX_WIDTH, || {
                format!(
                    "layer {nl}: weights {}x{}, bias {} after {width} units (at most {MAX_WIDTH} wide)",
                    wr.m, wr.n, br.m
                )
            })
            .require(
                matches!(
                    l.activation,
                    None | Some(Unary::Sigmoid | Unary::Tanh | Unary::Relu | Unary::Elu(_))
                ),
                || format!("layer {nl}: activation {:?} is not fused", l.activation),
            );
        if nl < MAX_LAYERS {
            let w = l.weights.storage().host().ok_or_else(unsupported)?;
            let b = l.bias.storage().host().ok_or_else(unsupported)?;
            ls[nl] = Layer {
                w,
                wr,
                b,
                br,
                act: l.activation,
            };
        }
        nl += 1;
        width = wr.m;
    }
    let n = x.ncols();
    let last_act = ls[nl.saturating_sub(1)].act;
    check
        .require(nl > 0, || "no layers".into())
        .require(x.mrows() <= MAX_WIDTH, || {
            format!("x has {} rows (at most {MAX_WIDTH})", x.mrows())
        })
        .require(y.mrows() == width && y.ncols() == n, || {
            format!(
                "y is {}x{} but the output is {width}x{n}",
                y.mrows(),
                y.ncols()
            )
        })
        .require(
            out.mrows() == width && out.ncols() == n && out.region().is_flat_col(),
            || {
                format!(
                    "out is {}x{} ({} layout) but must be a contiguous column-major {width}x{n}",
                    out.mrows(),
                    out.ncols(),
                    out.layout().name()
                )
            },
        )
        .require(
            loss != Loss::SigmoidCrossEntropy || last_act == Some(Unary::Sigmoid),
            || "sigmoid cross-entropy needs a sigmoid output".into(),
        );
    check.finish()?;
    let layers = &ls[..nl];
    let (xh, yh) = (
        x.storage().host().ok_or_else(unsupported)?,
        y.storage().host().ok_or_else(unsupported)?,
    );
    let (xr, yr, or) = (x.region(), y.region(), out.region());
    let oh = out.storage_mut().host_mut().ok_or_else(unsupported)?;
    let oh = &mut oh[or.offset..or.offset + width * n];
    let total: usize = layers.iter().map(|l| l.wr.m * (l.wr.n + 1)).sum();
    let lanes = if fast.is_some() { FAST_LANES } else { LANES };
    let blocks = Blocks::new(oh, width, n);
    let kernel = |g: &mut [T]| {
        let mut k = MlpKernel {
            x: xh,
            xr,
            y: yh,
            yr,
            layers,
            loss,
            blocks: &blocks,
            grads: g,
        };
        match fast {
            Some(run) => run(&mut k),
            None => la_core::native::simd::run(&mut k),
        }
    };
    let parts = if n >= 4096 && rayon::current_num_threads() >= 2 {
        2
    } else {
        1
    };
    let per = total * lanes;
    if scratch.buf.len() < parts * per {
        scratch.buf.resize(parts * per, T::zero());
    }
    let acc = &mut scratch.buf[..parts * per];
    acc.fill(T::zero());
    // Both threads claim blocks until none is left, so neither waits long for the
    // other (the helper may start late, or run slower).
    let cost = if parts == 2 {
        let (g1, g2) = acc.split_at_mut(per);
        let (c1, c2) = super::pair::join(|| kernel(g1), || kernel(g2));
        c1 + c2
    } else {
        kernel(acc)
    };
    let sum = |p: usize| -> T {
        (0..parts)
            .map(|t| {
                let a = &acc[t * per + p * lanes..t * per + (p + 1) * lanes];
                a.iter().fold(T::zero(), |s, &v| s + v)
            })
            .fold(T::zero(), |s, v| s + v)
    };
    // Scatter the sums, scaled to the mean, into the callers' gradients.
    let inv_n = T::one() / T::of(n.max(1) as f64);
    let mut start = 0;
    for (li, (gw, gb)) in grads.iter_mut().flatten().enumerate().take(nl) {
        let l = &layers[li];
        let (m, k) = (l.wr.m, l.wr.n);
        let (gwr, gbr) = (gw.region(), gb.region());
        Check::new(OP)
            .require((gwr.m, gwr.n, gbr.m) == (m, k, m), || {
                format!(
                    "gradient {li} is {}x{} and {} but the layer is {m}x{k}",
                    gwr.m, gwr.n, gbr.m
                )
            })
            .finish()?;
        f.require_same(OP, gw.factory())?;
        let gwh = gw.storage_mut().host_mut().ok_or_else(unsupported)?;
        for i in 0..k {
            for o in 0..m {
                gwh[gwr.index(o, i)] = sum(start + i * m + o) * inv_n;
            }
        }
        let gbh = gb.storage_mut().host_mut().ok_or_else(unsupported)?;
        for o in 0..m {
            gbh[gbr.index(o, 0)] = sum(start + m * k + o) * inv_n;
        }
        start += m * (k + 1);
    }
    let scale = match loss {
        Loss::Quadratic => inv_n / T::of(2.0),
        Loss::MeanAbsolute | Loss::SigmoidCrossEntropy => inv_n,
    };
    Ok(cost * scale)
}
