//! Element kernels: branch-free polynomial `exp`, `log`, `tanh`, `sigmoid` for `f32`
//! (they vectorise; within a few ulps of the f64 result), std's functions for `f64`.

/// Per-type element functions used by the native engine's vectorised loops.
#[doc(hidden)]
pub trait NativeKernels: Copy {
    /// `eˣ`
    fn k_exp(self) -> Self;
    /// `ln x`
    fn k_log(self) -> Self;
    /// `tanh x`
    fn k_tanh(self) -> Self;
    /// `1 / (1 + e⁻ˣ)`
    fn k_sigmoid(self) -> Self;
}

impl NativeKernels for f64 {
    #[inline(always)]
    fn k_exp(self) -> f64 {
        self.exp()
    }
    #[inline(always)]
    fn k_log(self) -> f64 {
        self.ln()
    }
    #[inline(always)]
    fn k_tanh(self) -> f64 {
        self.tanh()
    }
    #[inline(always)]
    fn k_sigmoid(self) -> f64 {
        // Split by sign so that e^x never overflows and x << 0 keeps full relative accuracy.
        if self >= 0.0 {
            1.0 / (1.0 + (-self).exp())
        } else {
            let e = self.exp();
            e / (1.0 + e)
        }
    }
}

impl NativeKernels for f32 {
    #[inline(always)]
    fn k_exp(self) -> f32 {
        exp_f32(self)
    }
    #[inline(always)]
    fn k_log(self) -> f32 {
        log_f32(self)
    }
    #[inline(always)]
    fn k_tanh(self) -> f32 {
        tanh_f32(self)
    }
    #[inline(always)]
    fn k_sigmoid(self) -> f32 {
        sigmoid_f32(self)
    }
}

/// 1.5 · 2²³: adding it rounds an f32 of magnitude < 2²² to an integer.
const ROUND_MAGIC: f32 = 12_582_912.0;
const LN2_HI: f32 = 0.693_359_4; // 0x3f318000, exact in 9 bits
const LN2_LO: f32 = -2.121_944_4e-4;

/// `eˣ` for `f32`: Cody–Waite reduction `x = n ln2 + r`, `|r| ≤ ln2/2`, a degree-7
/// Taylor polynomial (truncation error < 5e-9 relative), and `2ⁿ` built from bits in
/// two halves so that results down to the subnormals and up to `f32::MAX` are right.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let xc = x.clamp(-104.0, 88.722_84);
    let t = xc * std::f32::consts::LOG2_E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let ni = t.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) as i32;
    let h = ni >> 1;
    let s1 = f32::from_bits(((h + 127) as u32) << 23);
    let s2 = f32::from_bits(((ni - h + 127) as u32) << 23);
    let y = p * s1 * s2;
    let y = if x > 88.722_84 { f32::INFINITY } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `ln x` for `f32`: `x = 2ᵉ m` with `m ∈ [√½, √2)`, `ln m = 2 atanh(s)`,
/// `s = (m-1)/(m+1)`, series to `s⁹` (truncation error < 3e-9 relative), evaluated
/// around the exact `m - 1` as in fdlibm.
#[inline(always)]
pub fn log_f32(x: f32) -> f32 {
    // Subnormals: scale into the normal range first.
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * 8_388_608.0 } else { x };
    let bits = xs.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 - if sub { 23 } else { 0 };
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    e += big as i32;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    // ln(1+f) = 2s + s·R with R = 2s²/3 + 2s⁴/5 + ...; rewritten around the exact f
    // as f - (f²/2 - s (f²/2 + R)) so that the rounding of s only touches small terms.
    let mut r = 2.0 / 9.0;
    r = r * s2 + 2.0 / 7.0;
    r = r * s2 + 2.0 / 5.0;
    r = r * s2 + 2.0 / 3.0;
    r *= s2;
    let hfsq = 0.5 * f * f;
    let lm = f - (hfsq - s * (hfsq + r));
    let ef = e as f32;
    let y = ef * LN2_HI + (lm + ef * LN2_LO);
    let y = if x == 0.0 { f32::NEG_INFINITY } else { y };
    let y = if x == f32::INFINITY { x } else { y };
    if x < 0.0 || x.is_nan() {
        f32::NAN
    } else {
        y
    }
}

/// Coefficients of `(tanh x / x - 1) / x²` as a polynomial in `x²` on `|x| < 0.625`:
/// a weighted least-squares fit on 2000 Chebyshev nodes, computed in f64 and rounded
/// to f32 (max relative error of the resulting tanh: 6.2e-9).
const TANH_P: [f32; 5] = [
    -0.333_332_87,
    0.133_315_61,
    -0.053_748_444,
    0.020_664_724,
    -0.005_731_194_7,
];

/// `tanh x` for `f32`: a polynomial near 0 (full relative accuracy for tiny `x`),
/// `1 - 2/(e²ˣ + 1)` beyond `|x| = 0.625`, both computed and one selected.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let a2 = a * a;
    let mut p = TANH_P[4];
    p = p * a2 + TANH_P[3];
    p = p * a2 + TANH_P[2];
    p = p * a2 + TANH_P[1];
    p = p * a2 + TANH_P[0];
    let small = a + a * a2 * p;
    let e = exp_f32((2.0 * a).min(40.0));
    let big = 1.0 - 2.0 / (e + 1.0);
    let y = if a < 0.625 { small } else { big };
    let y = y.copysign(x);
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `1/(1 + e⁻ˣ)` for `f32`.
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    1.0 / (1.0 + exp_f32(-x))
}
