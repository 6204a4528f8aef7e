//! The fused training pass ([`crate::DnnFactory::mlp_gradients`]) for `f32`, written with
//! AVX-512 intrinsics: the same computation as the portable kernel in `mlp.rs`, but
//! register-tiled by hand, because LLVM keeps neither the portable kernel's lane
//! arrays nor its tiles in registers.
//!
//! A chunk of 64 samples is 4 vectors of 16 lanes (one sample per lane) per unit.
//! - forward and backward error: tiles of 4 units x 4 vectors in 16 registers, one
//!   broadcast weight per unit and input;
//! - gradient sums: tiles of 4 x 4 parameters, each a 16-lane accumulator loaded,
//!   fed 4 vectors of products and stored once per chunk;
//! - `exp` uses `vscalefps` (so overflow and underflow come out right without
//!   branches), reciprocals use `vrcp14ps` and one Newton step (relative error about
//!   2⁻²³ instead of the 10-cycle `vdivps`), `tanh` goes through `eʸ - 1` in one
//!   branch-free path, `ln` uses `vgetexpps`/`vgetmantps`;
//! - the inputs and targets are gathered by `vgatherdps`.
//!
//! Differences from the portable kernel, all far below the f32 test tolerances: sums
//! are added in another order, `sigmoid(x)` for `x < -87` is `sigmoid(-87)` (about
//! 1.6e-38), and `exp`, `tanh`, `sigmoid` are within about 2 ulp (tested against f64
//! below). Unsafe code is limited to the load/store helpers, the gather and the entry
//! point's feature check.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::mlp::{Layer, MlpKernel};
use crate::dnn::mlp::{Loss, MAX_LAYERS, MAX_WIDTH};
use la_core::engine::Unary;
use la_core::native::simd::{simd_level, SimdLevel};

/// Lanes per vector, and lanes of each gradient accumulator.
const LANES: usize = super::mlp::FAST_LANES;
/// Vectors per chunk.
const S: usize = 4;
/// Units per forward or backward tile: `RT x S` accumulators fill 16 registers.
const RT: usize = 16 / S;
const CH: usize = S * LANES;
/// One unit's values for a chunk.
type Blk = [__m512; S];

/// Runs the kernel. Only `NativeKernels::mlp_fast` hands it out, after checking that
/// this CPU has AVX-512; it is checked again here, as it is cheap.
pub(crate) fn run(k: &mut MlpKernel<'_, '_, '_, f32>) -> f32 {
    assert_eq!(simd_level(), SimdLevel::Avx512, "mlp_avx512 needs AVX-512");
    // The working arrays are sized for the network at hand: clearing the largest ones
    // (146 KB) on every call cost 4% of the 4-8-8-1 regression step.
    let rows = k.xr.m + k.layers.iter().map(|l| l.wr.m).sum::<usize>();
    let wide =
        k.xr.m
            .max(k.layers.iter().map(|l| l.wr.m).max().unwrap_or(0));
    // SAFETY: `simd_level` returns Avx512 only when every feature `run_v4` enables was
    // detected on this CPU.
    unsafe {
        if rows <= SMALL_ROWS && wide <= SMALL_WIDTH {
            run_v4::<SMALL_ROWS, SMALL_WIDTH>(k)
        } else {
            run_v4::<{ MAX_WIDTH * (MAX_LAYERS + 1) }, MAX_WIDTH>(k)
        }
    }
}

/// The working arrays of small networks: at most 32 units in all (inputs included)
/// and 16 in a layer.
const SMALL_ROWS: usize = 32;
const SMALL_WIDTH: usize = 16;

#[inline]
#[target_feature(enable = "avx512f")]
fn load(s: &[f32; LANES]) -> __m512 {
    // SAFETY: `s` is 16 readable f32s; `loadu` has no alignment requirement.
    unsafe { _mm512_loadu_ps(s.as_ptr()) }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn store(d: &mut [f32; LANES], v: __m512) {
    // SAFETY: `d` is 16 writable f32s; `storeu` has no alignment requirement.
    unsafe { _mm512_storeu_ps(d.as_mut_ptr(), v) }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn splat(x: f32) -> __m512 {
    _mm512_set1_ps(x)
}

/// `1/d` from `vrcp14ps` and one Newton step. `d` must be finite and at least about
/// 1e-38 in magnitude (the callers' `d` are in `[1, 7e37]`).
#[inline]
#[target_feature(enable = "avx512f")]
fn recip(d: __m512) -> __m512 {
    let r = _mm512_rcp14_ps(d);
    _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, splat(2.0)))
}

/// 1.5 · 2²³: adding it rounds an f32 of magnitude < 2²² to an integer.
const ROUND_MAGIC: f32 = 12_582_912.0;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// `(eʳ - 1)/r` on `|r| ≤ ln2/2`: a degree-5 polynomial fitted (weighted least squares
/// iterated towards minimax, in f64) to relative error 1.2e-8, with the constant term
/// exactly 1 so that `r · (eʳ - 1)/r` keeps full relative accuracy for tiny `r`. One
/// FMA fewer than the degree-7 Taylor series of `kernels::exp_f32`.
#[inline]
#[target_feature(enable = "avx512f")]
fn expm1_ratio(r: __m512) -> __m512 {
    const C: [f32; 6] = [
        1.0,
        0.499_999_97,
        0.166_664_93,
        0.041_667_175,
        0.008_370_512,
        0.001_388_886_8,
    ];
    let mut p = splat(C[5]);
    for c in [C[4], C[3], C[2], C[1], C[0]] {
        p = _mm512_fmadd_ps(p, r, splat(c));
    }
    p
}

/// `e^(s x)` for `s = ±1` and `s x ∈ [-104, 89]` (no clamps): `s x = n ln2 + r`
/// (Cody–Waite), `eʳ = 1 + r · expm1_ratio(r)`, times `2ⁿ` by `vscalefps`
/// (which gets overflow and underflow right without branches).
#[inline]
#[target_feature(enable = "avx512f")]
fn exp_core<const NEG: bool>(x: __m512) -> __m512 {
    let l2e = splat(std::f32::consts::LOG2_E);
    let t = if NEG {
        _mm512_fnmadd_ps(x, l2e, splat(ROUND_MAGIC))
    } else {
        _mm512_fmadd_ps(x, l2e, splat(ROUND_MAGIC))
    };
    let n = _mm512_sub_ps(t, splat(ROUND_MAGIC));
    // r = s x - n ln2, in two steps.
    let r = if NEG {
        _mm512_fnmsub_ps(n, splat(LN2_HI), x)
    } else {
        _mm512_fnmadd_ps(n, splat(LN2_HI), x)
    };
    let r = _mm512_fnmadd_ps(n, splat(LN2_LO), r);
    _mm512_scalef_ps(_mm512_fmadd_ps(expm1_ratio(r), r, splat(1.0)), n)
}

/// `eˣ`. NaN propagates (the clamps return their second operand on NaN).
#[inline]
#[target_feature(enable = "avx512f")]
fn exp(x: __m512) -> __m512 {
    exp_core::<false>(_mm512_min_ps(splat(88.8), _mm512_max_ps(splat(-104.0), x)))
}

/// `ln x` from `x = m 2ᵉ`, `m ∈ [0.75, 1.5)`, and the series of `kernels::log_f32`.
#[inline]
#[target_feature(enable = "avx512f")]
fn log(x: __m512) -> __m512 {
    let m = _mm512_getmant_ps::<_MM_MANT_NORM_P75_1P5, _MM_MANT_SIGN_NAN>(x);
    // vgetexpps: floor(log2 |.|), -inf at 0, +inf at inf.
    let e = _mm512_sub_ps(_mm512_getexp_ps(x), _mm512_getexp_ps(m));
    let f = _mm512_sub_ps(m, splat(1.0));
    let s = _mm512_div_ps(f, _mm512_add_ps(splat(2.0), f));
    let s2 = _mm512_mul_ps(s, s);
    let mut r = splat(2.0 / 9.0);
    for c in [2.0 / 7.0, 2.0 / 5.0, 2.0 / 3.0] {
        r = _mm512_fmadd_ps(r, s2, splat(c));
    }
    let r = _mm512_mul_ps(r, s2);
    let hfsq = _mm512_mul_ps(_mm512_mul_ps(splat(0.5), f), f);
    // f - (hfsq - s (hfsq + r))
    let lm = _mm512_sub_ps(f, _mm512_fnmadd_ps(s, _mm512_add_ps(hfsq, r), hfsq));
    let y = _mm512_fmadd_ps(e, splat(-2.121_944_4e-4), lm);
    let y = _mm512_fmadd_ps(e, splat(0.693_359_4), y);
    // x = inf: e = inf - 0 and m = 1 give inf; x = 0: e = -inf gives -inf; x < 0 or
    // NaN: m is NaN.
    let inf_or_zero = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(_mm512_abs_ps(e), splat(f32::INFINITY));
    _mm512_mask_mov_ps(
        y,
        inf_or_zero & !_mm512_cmp_ps_mask::<_CMP_UNORD_Q>(m, m),
        e,
    )
}

/// `1/(1 + e⁻ˣ)`.
#[inline]
#[target_feature(enable = "avx512f")]
fn sigmoid(x: __m512) -> __m512 {
    // x ≥ -87 keeps 1 + e⁻ˣ below 7e37, inside `recip`'s range; above 104, e⁻ˣ is 0.
    let x = _mm512_min_ps(splat(104.0), _mm512_max_ps(splat(-87.0), x));
    recip(_mm512_add_ps(splat(1.0), exp_core::<true>(x)))
}

/// `tanh x = -m / (2 + m)` with `m = eʸ - 1`, `y = -2|x|`, and the sign of `x`. `m`
/// comes from `exp_core`'s reduction without its final `+ 1`: `eʸ - 1 = 2ⁿ q + (2ⁿ - 1)`
/// with `q = eʳ - 1`, which is exact where it matters (`n = 0`, small `x`), so one
/// branch-free path keeps full relative accuracy from tiny `x` to 1.
#[inline]
#[target_feature(enable = "avx512f")]
fn tanh(x: __m512) -> __m512 {
    // tanh 10 rounds to 1; NaN passes the clamp (its second operand).
    let y = _mm512_mul_ps(splat(-2.0), _mm512_min_ps(splat(10.0), _mm512_abs_ps(x)));
    let t = _mm512_fmadd_ps(y, splat(std::f32::consts::LOG2_E), splat(ROUND_MAGIC));
    let n = _mm512_sub_ps(t, splat(ROUND_MAGIC));
    let r = _mm512_fnmadd_ps(n, splat(LN2_HI), y);
    let r = _mm512_fnmadd_ps(n, splat(LN2_LO), r);
    let q = _mm512_mul_ps(expm1_ratio(r), r);
    let m = _mm512_add_ps(
        _mm512_scalef_ps(q, n),
        _mm512_sub_ps(_mm512_scalef_ps(splat(1.0), n), splat(1.0)),
    );
    let th = _mm512_fnmadd_ps(m, recip(_mm512_add_ps(splat(2.0), m)), _mm512_setzero_ps());
    // th | (x & sign): th ≥ 0 takes x's sign, in one ternary-logic op (0xEC = B | (A & C)).
    _mm512_castsi512_ps(_mm512_ternarylogic_epi32::<0xEC>(
        _mm512_castps_si512(x),
        _mm512_castps_si512(th),
        _mm512_set1_epi32(i32::MIN),
    ))
}

/// `z := f(z)` for every vector of `z`. The match is outside the loops, so that the
/// vectors' independent chains interleave (matching per vector put an indirect jump
/// between them and made the pass latency-bound).
#[inline]
#[target_feature(enable = "avx512f")]
fn activate(act: Option<Unary<f32>>, z: &mut [__m512]) {
    match act {
        Some(Unary::Sigmoid) => {
            for v in z {
                *v = sigmoid(*v);
            }
        }
        Some(Unary::Tanh) => {
            for v in z {
                *v = tanh(*v);
            }
        }
        Some(Unary::Relu) => {
            for v in z {
                *v = _mm512_max_ps(*v, _mm512_setzero_ps());
            }
        }
        Some(Unary::Elu(alpha)) => {
            for v in z {
                let neg = _mm512_mul_ps(splat(alpha), _mm512_sub_ps(exp(*v), splat(1.0)));
                let pos = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(*v, _mm512_setzero_ps());
                *v = _mm512_mask_mov_ps(neg, pos, *v);
            }
        }
        _ => {}
    }
}

/// `d := d ⊙ f'` from the activation's output `a`, for every vector.
#[inline]
#[target_feature(enable = "avx512f")]
fn derivative(act: Option<Unary<f32>>, a: &[__m512], d: &mut [__m512]) {
    let zero = _mm512_setzero_ps();
    match act {
        Some(Unary::Sigmoid) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = _mm512_mul_ps(*d, _mm512_fnmadd_ps(a, a, a));
            }
        }
        Some(Unary::Tanh) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = _mm512_mul_ps(*d, _mm512_fnmadd_ps(a, a, splat(1.0)));
            }
        }
        Some(Unary::Relu) => {
            for (d, &a) in d.iter_mut().zip(a) {
                *d = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, zero), *d);
            }
        }
        Some(Unary::Elu(alpha)) => {
            for (d, &a) in d.iter_mut().zip(a) {
                let neg = _mm512_mul_ps(*d, _mm512_add_ps(a, splat(alpha)));
                *d = _mm512_mask_mov_ps(neg, _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, zero), *d);
            }
        }
        _ => {}
    }
}

/// Which lanes of each vector of a chunk of `cn` samples are samples.
fn lane_masks(cn: usize) -> [__mmask16; S] {
    std::array::from_fn(|s| {
        let live = cn.saturating_sub(s * LANES).min(LANES);
        ((1u32 << live) - 1) as __mmask16
    })
}

/// Rows `0..rows.len()` of `src` (region `r`), samples `j..j + cn`, into chunk blocks
/// (lanes past `cn` are 0).
#[inline]
#[target_feature(enable = "avx512f")]
fn gather(src: &[f32], r: la_core::engine::Region, j: usize, cn: usize, rows: &mut [Blk]) {
    let live = lane_masks(cn);
    let Some(last) = cn
        .checked_sub(1)
        .map(|q| r.offset + rows.len().saturating_sub(1) * r.rs + (j + q) * r.cs)
    else {
        return;
    };
    // The lanes' offsets from a vector's first sample fit in i32 when the whole
    // region does; otherwise fall back to scalar loads.
    let small = i32::try_from(LANES * r.cs).is_ok();
    assert!(
        last < src.len(),
        "gather: sample {} is outside the matrix",
        j + cn - 1
    );
    let step = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(r.cs as i32),
    );
    for (i, row) in rows.iter_mut().enumerate() {
        for (s, v) in row.iter_mut().enumerate() {
            let base = r.offset + i * r.rs + (j + s * LANES) * r.cs;
            if live[s] == 0 {
                *v = _mm512_setzero_ps();
            } else if small {
                // SAFETY: the live lanes read `src[base + l * cs]` for sample
                // `j + s * 16 + l < j + cn`, at most `last`, which is in bounds (asserted
                // above); masked-off lanes read nothing.
                *v = unsafe {
                    _mm512_mask_i32gather_ps::<4>(
                        _mm512_setzero_ps(),
                        live[s],
                        step,
                        src.as_ptr().add(base).cast(),
                    )
                };
            } else {
                let mut buf = [0.0f32; LANES];
                for (l, b) in buf
                    .iter_mut()
                    .enumerate()
                    .take(live[s].count_ones() as usize)
                {
                    *b = src[base + l * r.cs];
                }
                *v = load(&buf);
            }
        }
    }
}

/// `out[r] = f(b + W x)` for units `o..o + R`.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn forward_tile<const R: usize>(layer: &Layer<'_, f32>, o: usize, input: &[Blk], out: &mut [Blk]) {
    let (wr, br) = (layer.wr, layer.br);
    let mut acc: [Blk; R] =
        std::array::from_fn(|r| [splat(layer.b[br.offset + (o + r) * br.rs]); S]);
    for (i, a) in input.iter().enumerate() {
        for (r, acc) in acc.iter_mut().enumerate() {
            let w = splat(layer.w[wr.offset + (o + r) * wr.rs + i * wr.cs]);
            for s in 0..S {
                acc[s] = _mm512_fmadd_ps(w, a[s], acc[s]);
            }
        }
    }
    activate(layer.act, acc.as_flattened_mut());
    out[..R].copy_from_slice(&acc);
}

/// `prev[r] = f'(a[r]) ⊙ Σₒ W[o, i + r] d[o]` for inputs `i..i + R`.
#[inline]
#[target_feature(enable = "avx512f")]
fn backward_tile<const R: usize>(
    layer: &Layer<'_, f32>,
    i: usize,
    d: &[Blk],
    a: &[Blk],
    act: Option<Unary<f32>>,
    prev: &mut [Blk],
) {
    let wr = layer.wr;
    let mut acc: [Blk; R] = [[_mm512_setzero_ps(); S]; R];
    for (o, dv) in d.iter().enumerate() {
        for (r, acc) in acc.iter_mut().enumerate() {
            let w = splat(layer.w[wr.offset + o * wr.rs + (i + r) * wr.cs]);
            for s in 0..S {
                acc[s] = _mm512_fmadd_ps(w, dv[s], acc[s]);
            }
        }
    }
    derivative(act, a[..R].as_flattened(), acc.as_flattened_mut());
    prev[..R].copy_from_slice(&acc);
}

/// Gradient accumulators of weights `(o..o + RO) x (i..i + RI)`: `+= Σ d[o] ⊙ a[i]`.
/// `acc[i * m + o]` holds weight `(o, i)`. The operands are sliced to fixed-size arrays
/// first, so that the loops carry no bounds checks.
#[inline]
#[target_feature(enable = "avx512f")]
fn grad_tile<const RO: usize, const RI: usize>(
    acc: &mut [[f32; LANES]],
    m: usize,
    (o, i): (usize, usize),
    d: &[Blk],
    a: &[Blk],
) {
    let dt: &[Blk; RO] = d[o..o + RO].try_into().expect("RO rows");
    let at: &[Blk; RI] = a[i..i + RI].try_into().expect("RI rows");
    let mut g = [[_mm512_setzero_ps(); RO]; RI];
    for (q, g) in g.iter_mut().enumerate() {
        let col: &[[f32; LANES]; RO] = acc[(i + q) * m + o..][..RO]
            .try_into()
            .expect("RO accumulators");
        for (g, c) in g.iter_mut().zip(col) {
            *g = load(c);
        }
    }
    for s in 0..S {
        for (g, av) in g.iter_mut().zip(at) {
            for (g, dv) in g.iter_mut().zip(dt) {
                *g = _mm512_fmadd_ps(dv[s], av[s], *g);
            }
        }
    }
    for (q, g) in g.iter().enumerate() {
        let col: &mut [[f32; LANES]; RO] = (&mut acc[(i + q) * m + o..][..RO])
            .try_into()
            .expect("RO accumulators");
        for (c, g) in col.iter_mut().zip(g) {
            store(c, *g);
        }
    }
}

/// All weight gradients of a layer `m x k`, in 4 x 4 tiles and their edges.
#[inline]
#[target_feature(enable = "avx512f")]
fn grads(acc: &mut [[f32; LANES]], m: usize, d: &[Blk], a: &[Blk]) {
    let (m4, k4) = (m / 4 * 4, a.len() / 4 * 4);
    for i in (0..k4).step_by(4) {
        for o in (0..m4).step_by(4) {
            grad_tile::<4, 4>(acc, m, (o, i), d, a);
        }
        for o in m4..m {
            grad_tile::<1, 4>(acc, m, (o, i), d, a);
        }
    }
    for i in k4..a.len() {
        for o in (0..m4).step_by(4) {
            grad_tile::<4, 1>(acc, m, (o, i), d, a);
        }
        for o in m4..m {
            grad_tile::<1, 1>(acc, m, (o, i), d, a);
        }
    }
}

#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl,avx2,avx,fma")]
fn run_v4<const ROWS: usize, const WIDTH: usize>(k: &mut MlpKernel<'_, '_, '_, f32>) -> f32 {
    let layers = k.layers;
    let nl = layers.len();
    let zero = _mm512_setzero_ps();
    // acts[off[l] + i]: unit i of layer l's output (l = 0: the input).
    let mut acts = [[zero; S]; ROWS];
    let mut delta = [[[zero; S]; WIDTH]; 2];
    let mut off = [0usize; MAX_LAYERS + 2];
    off[1] = k.xr.m;
    for (l, layer) in layers.iter().enumerate() {
        off[l + 2] = off[l + 1] + layer.wr.m;
    }
    let m_out = layers[nl - 1].wr.m;
    let out_act = layers[nl - 1].act;
    let (acc, _) = k.grads.as_chunks_mut::<LANES>();
    let mut cost = zero;
    let mut y = [[zero; S]; WIDTH];
    while let Some((j0, j1, block_out)) = k.blocks.next() {
        let mut j = j0;
        while j < j1 {
            let cn = CH.min(j1 - j);
            let valid = lane_masks(cn);
            gather(k.x, k.xr, j, cn, &mut acts[..k.xr.m]);
            // Forward.
            for (li, layer) in layers.iter().enumerate() {
                let (prev, next) = acts.split_at_mut(off[li + 1]);
                let input = &prev[off[li]..];
                let m = layer.wr.m;
                let m4 = m / RT * RT;
                for o in (0..m4).step_by(RT) {
                    forward_tile::<RT>(layer, o, input, &mut next[o..]);
                }
                for o in m4..m {
                    forward_tile::<1>(layer, o, input, &mut next[o..]);
                }
            }
            // Output error and cost.
            let a_out = &acts[off[nl]..off[nl + 1]];
            gather(k.y, k.yr, j, cn, &mut y[..m_out]);
            for o in 0..m_out {
                for s in 0..S {
                    let (a, yv, live) = (a_out[o][s], y[o][s], valid[s]);
                    let diff = _mm512_maskz_sub_ps(live, a, yv);
                    delta[0][o][s] = match k.loss {
                        Loss::Quadratic => {
                            cost = _mm512_fmadd_ps(diff, diff, cost);
                            diff
                        }
                        Loss::MeanAbsolute => {
                            cost = _mm512_add_ps(cost, _mm512_abs_ps(diff));
                            let up = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(diff, zero);
                            let sign = _mm512_mask_mov_ps(splat(-1.0), up, splat(1.0));
                            _mm512_maskz_mov_ps(live, sign)
                        }
                        Loss::SigmoidCrossEntropy => {
                            // ln(a + tiny), ln((1 - a) + tiny): the rule of every cost path
                            let (one, tiny) = (splat(1.0), splat(f32::MIN_POSITIVE));
                            let t = _mm512_fmadd_ps(
                                yv,
                                log(_mm512_add_ps(a, tiny)),
                                _mm512_mul_ps(
                                    _mm512_sub_ps(one, yv),
                                    log(_mm512_add_ps(_mm512_sub_ps(one, a), tiny)),
                                ),
                            );
                            cost = _mm512_mask_sub_ps(cost, live, cost, t);
                            diff
                        }
                    };
                }
                if k.loss != Loss::SigmoidCrossEntropy {
                    derivative(out_act, &a_out[o], &mut delta[0][o]);
                }
                let mut lanes = [0.0f32; CH];
                for (s, v) in a_out[o].iter().enumerate() {
                    let part: &mut [f32; LANES] = (&mut lanes[s * LANES..(s + 1) * LANES])
                        .try_into()
                        .expect("a chunk is S vectors");
                    store(part, *v);
                }
                let out = &mut block_out[(j - j0) * m_out..];
                for (l, v) in lanes.iter().take(cn).enumerate() {
                    out[l * m_out + o] = *v;
                }
            }
            // Backward: gradient sums, then the previous layer's error.
            let mut cur = 0;
            let mut end: usize = layers.iter().map(|l| l.wr.m * (l.wr.n + 1)).sum();
            for li in (0..nl).rev() {
                let layer = &layers[li];
                let (m, kk) = (layer.wr.m, layer.wr.n);
                let input = &acts[off[li]..off[li] + kk];
                let (d0, d1) = delta.split_at_mut(1);
                let (d, prev) = if cur == 0 {
                    (&d0[0][..m], &mut d1[0])
                } else {
                    (&d1[0][..m], &mut d0[0])
                };
                let start = end - m * (kk + 1);
                let (gw, gb) = acc[start..end].split_at_mut(m * kk);
                end = start;
                for (g, dv) in gb.iter_mut().zip(d) {
                    let sum = dv.iter().fold(load(g), |t, v| _mm512_add_ps(t, *v));
                    store(g, sum);
                }
                grads(gw, m, d, input);
                if li > 0 {
                    let act = layers[li - 1].act;
                    let k4 = kk / RT * RT;
                    for i in (0..k4).step_by(RT) {
                        backward_tile::<RT>(layer, i, d, &input[i..], act, &mut prev[i..]);
                    }
                    for i in k4..kk {
                        backward_tile::<1>(layer, i, d, &input[i..], act, &mut prev[i..]);
                    }
                    cur = 1 - cur;
                }
            }
            j += cn;
        }
    }
    _mm512_reduce_add_ps(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `exp`, `ln`, `sigmoid`, `tanh` of 16 values.
    #[target_feature(enable = "avx512f,avx512dq")]
    fn eval(xs: &[f32; LANES]) -> [[f32; LANES]; 4] {
        let x = load(xs);
        let mut out = [[0.0; LANES]; 4];
        for (o, v) in out.iter_mut().zip([exp(x), log(x), sigmoid(x), tanh(x)]) {
            store(o, v);
        }
        out
    }

    /// Each function against f64 over a sweep of magnitudes, plus the special values.
    #[test]
    fn element_functions_match_f64() {
        if simd_level() != SimdLevel::Avx512 {
            println!("SKIP: no AVX-512");
            return;
        }
        let mut xs: Vec<f32> = vec![
            0.0, -0.0, 1e-30, -1e-30, 88.7, 88.8, 100.0, -87.0, -103.0, -120.0,
        ];
        let mut t = 1e-6f64;
        while t < 120.0 {
            xs.extend([t as f32, -t as f32]);
            t *= 1.013;
        }
        xs.resize(xs.len().div_ceil(LANES) * LANES, 0.5);
        let rel = |got: f32, want: f64| ((got as f64 - want) / want).abs();
        for chunk in xs.chunks_exact(LANES) {
            let xs: &[f32; LANES] = chunk.try_into().unwrap();
            // SAFETY: AVX-512 was detected above.
            let [e, l, s, th] = unsafe { eval(xs) };
            for (q, &x) in xs.iter().enumerate() {
                let xd = x as f64;
                let want_e = xd.exp();
                // Below f32's normal range the result is subnormal: absolute error.
                if want_e >= f32::MIN_POSITIVE as f64 && want_e <= f32::MAX as f64 {
                    assert!(rel(e[q], want_e) < 4e-7, "exp({x}) = {} vs {want_e}", e[q]);
                } else if want_e > f32::MAX as f64 {
                    assert_eq!(e[q], f32::INFINITY, "exp({x})");
                } else {
                    assert!((e[q] as f64 - want_e).abs() < 2e-45, "exp({x}) = {}", e[q]);
                }
                if x > 0.0 {
                    let want = xd.ln();
                    let err = (l[q] as f64 - want).abs();
                    assert!(
                        err <= 3e-7 * want.abs().max(1e-30) || err < 1e-12,
                        "ln({x}) = {} vs {want}",
                        l[q]
                    );
                } else if x == 0.0 {
                    assert_eq!(l[q], f32::NEG_INFINITY, "ln({x})");
                } else {
                    assert!(l[q].is_nan(), "ln({x}) = {}", l[q]);
                }
                let want_s = 1.0 / (1.0 + (-xd).exp());
                if x >= -87.0 {
                    assert!(
                        rel(s[q], want_s) < 4e-7,
                        "sigmoid({x}) = {} vs {want_s}",
                        s[q]
                    );
                } else {
                    assert!(s[q] >= 0.0 && s[q] < 2e-38, "sigmoid({x}) = {}", s[q]);
                }
                let want_t = xd.tanh();
                if want_t == 0.0 {
                    assert_eq!(th[q], x, "tanh({x})");
                } else {
                    assert!(
                        rel(th[q], want_t) < 4e-7,
                        "tanh({x}) = {} vs {want_t}",
                        th[q]
                    );
                }
            }
        }
        let special = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0,
            2.0,
            0.5,
            -1.0,
            3.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ];
        // SAFETY: AVX-512 was detected above.
        let [e, l, s, th] = unsafe { eval(&special) };
        assert!(e[0].is_nan() && l[0].is_nan() && s[0].is_nan() && th[0].is_nan());
        assert_eq!(
            (e[1], l[1], s[1], th[1]),
            (f32::INFINITY, f32::INFINITY, 1.0, 1.0)
        );
        assert_eq!((e[2], s[2], th[2]), (0.0, s[2], -1.0));
        assert!(l[2].is_nan() && s[2] < 2e-38);
    }
}
