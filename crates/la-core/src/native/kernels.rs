//! Element kernels: branch-free polynomial `exp`, `log`, `tanh`, `sigmoid` for `f32`
//! and `f64` (they vectorise; `f32` within a few ulps of the f64 result, `f64` within
//! a few ulps of std's functions), where std's are scalar calls.

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
        exp_f64(self)
    }
    #[inline(always)]
    fn k_log(self) -> f64 {
        log_f64(self)
    }
    #[inline(always)]
    fn k_tanh(self) -> f64 {
        tanh_f64(self)
    }
    #[inline(always)]
    fn k_sigmoid(self) -> f64 {
        sigmoid_f64(self)
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

/// 1.5 · 2⁵²: adding it rounds an f64 of magnitude < 2⁵¹ to an integer.
const ROUND_MAGIC_64: f64 = 6_755_399_441_055_744.0;
/// ln 2 split as fdlibm does: the high part has 32 trailing zero bits, so `n · LN2_HI_64`
/// is exact for |n| < 2²⁰.
const LN2_HI_64: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
const LN2_LO_64: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10

/// `eˣ` for `f64`: `x = n ln2 + r`, `|r| ≤ ln2/2`, the Taylor polynomial of degree 13
/// (truncation error < 5e-18 relative), and `2ⁿ` from bits in two halves, so results
/// down to the subnormals and up to `f64::MAX` are right. Branch-free: it vectorises.
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    let xc = x.clamp(-746.0, 709.782_712_893_384);
    let t = xc * std::f64::consts::LOG2_E + ROUND_MAGIC_64;
    let n = t - ROUND_MAGIC_64;
    let r = (xc - n * LN2_HI_64) - n * LN2_LO_64;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    for k in (1..=12).rev() {
        p = p * r + INV_FACTORIAL[k];
    }
    p = p * r + 1.0;
    let ni = t.to_bits().wrapping_sub(ROUND_MAGIC_64.to_bits()) as i64;
    let h = ni >> 1;
    let s1 = f64::from_bits(((h + 1023) as u64) << 52);
    let s2 = f64::from_bits(((ni - h + 1023) as u64) << 52);
    let y = p * s1 * s2;
    let y = if x > 709.782_712_893_384 {
        f64::INFINITY
    } else {
        y
    };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `1/k!` for k = 0..=12.
const INV_FACTORIAL: [f64; 13] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
];

/// `ln x` for `f64`: `x = 2ᵉ m` with `m ∈ [√½, √2)`, `ln m = 2 atanh(s)`,
/// `s = (m-1)/(m+1)` (|s| < 0.172), the atanh series to `s²³` (truncation error
/// < 2e-18 relative), evaluated around the exact `m - 1` as in fdlibm.
#[inline(always)]
pub fn log_f64(x: f64) -> f64 {
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * 4_503_599_627_370_496.0 } else { x }; // 2^52
    let bits = xs.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023 - if sub { 52 } else { 0 };
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    e += big as i64;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    // R = 2s²/3 + 2s⁴/5 + ... + 2s²²/23
    let mut r = 2.0 / 23.0;
    let mut k = 21.0;
    while k >= 3.0 {
        r = r * s2 + 2.0 / k;
        k -= 2.0;
    }
    r *= s2;
    let hfsq = 0.5 * f * f;
    let lm = f - (hfsq - s * (hfsq + r));
    let ef = e as f64;
    let y = ef * LN2_HI_64 + (lm + ef * LN2_LO_64);
    let y = if x == 0.0 { f64::NEG_INFINITY } else { y };
    let y = if x == f64::INFINITY { x } else { y };
    if x < 0.0 || x.is_nan() {
        f64::NAN
    } else {
        y
    }
}

/// Taylor coefficients of `tanh x` at `x³, x⁵, …, x⁴¹` (`2²ⁿ(2²ⁿ-1)B₂ₙ/(2n)!`, from
/// the exact Bernoulli numbers, rounded to f64). On `|x| < 0.625` the next term is
/// below 2e-17 relative.
const TANH_TAYLOR_64: [f64; 20] = [
    -0.3333333333333333,
    0.13333333333333333,
    -0.05396825396825397,
    0.021869488536155203,
    -0.008863235529902197,
    0.003592128036572481,
    -0.0014558343870513183,
    0.000590027440945586,
    -0.00023912911424355248,
    9.691537956929451e-05,
    -3.927832388331683e-05,
    1.5918905069328964e-05,
    -6.451689215655431e-06,
    2.6147711512907546e-06,
    -1.0597268320104654e-06,
    4.294911078273806e-07,
    -1.7406618963571648e-07,
    7.054636946400968e-08,
    -2.859136662305254e-08,
    1.1587644432798853e-08,
];

/// `tanh x` for `f64`: the Taylor polynomial below `|x| = 0.625` (full relative
/// accuracy for tiny `x`), `1 - 2/(e²ˣ + 1)` beyond, both computed and one selected.
#[inline(always)]
pub fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let a2 = a * a;
    let mut p = TANH_TAYLOR_64[19];
    for c in TANH_TAYLOR_64[..19].iter().rev() {
        p = p * a2 + c;
    }
    let small = a + a * a2 * p;
    let e = exp_f64((2.0 * a).min(40.0));
    let big = 1.0 - 2.0 / (e + 1.0);
    let y = if a < 0.625 { small } else { big };
    let y = y.copysign(x);
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `1/(1 + e⁻ˣ)` for `f64`, from `e^-|x|` so nothing overflows and `x ≪ 0` keeps full
/// relative accuracy.
#[inline(always)]
pub fn sigmoid_f64(x: f64) -> f64 {
    let e = exp_f64(-x.abs());
    let s = 1.0 / (1.0 + e);
    let y = if x >= 0.0 { s } else { e * s };
    if x.is_nan() {
        x
    } else {
        y
    }
}
