//! The native backend: pure Rust, multi-threaded, AVX-512/AVX2 picked at run time.
//!
//! GEMM runs on the `gemm` crate's AVX-512 kernels; GEMV, GER, BLAS 1 and vector
//! math are this module's own vectorised loops ([`simd`]), split across rayon's
//! threads when large. `exp`, `log`, `tanh` and `sigmoid` use branch-free
//! polynomial kernels for `f32` ([`kernels`]). The element-wise loop machinery
//! (`lanes::map`, [`simd::MapKernel`], [`simd::run`] and the `__with_unary!` macro) is
//! public but hidden: tensor-core's native DNN kernels are built on it, as Deep
//! Diamond's native engine is built on Neanderthal's.

#[doc(hidden)]
pub mod gemm;
mod gemv;
pub mod kernels;
#[doc(hidden)]
pub mod lanes;
pub mod simd;
mod small;

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::engine::{Binary, Engine, Reduction, Region, Storage, Unary};
use crate::{Error, Factory, Result, Scalar};
use gemv::gemv;
use simd::{MapKernel, ReduceKernel};

/// Element counts above which element-wise work is split across threads.
const PAR_CHEAP: usize = 1 << 18;
const PAR_COSTLY: usize = 1 << 14;

/// The native engine for element type `T`.
#[derive(Debug, Default)]
pub struct NativeEngine<T> {
    _t: std::marker::PhantomData<T>,
}

/// The native `f32` factory (the book's `native-float`). Always the same factory.
pub fn native_float() -> Factory<f32> {
    static F: OnceLock<Factory<f32>> = OnceLock::new();
    F.get_or_init(|| Factory::new(NativeEngine::<f32>::default()))
        .clone()
}

/// The native `f64` factory (the book's `native-double`). Always the same factory.
pub fn native_double() -> Factory<f64> {
    static F: OnceLock<Factory<f64>> = OnceLock::new();
    F.get_or_init(|| Factory::new(NativeEngine::<f64>::default()))
        .clone()
}

fn name<T: Scalar>() -> String {
    format!("native-{}", T::NAME)
}

fn host<T: Scalar>(s: &Storage<T>) -> Result<&[T]> {
    s.host().ok_or_else(|| Error::Backend {
        backend: name::<T>(),
        message: "received device memory; data from another factory must be transferred".into(),
    })
}

fn host_mut<T: Scalar>(s: &mut Storage<T>) -> Result<&mut [T]> {
    s.host_mut().ok_or_else(|| Error::Backend {
        backend: name::<T>(),
        message: "received device memory; data from another factory must be transferred".into(),
    })
}

/// `out[i] = f(in[i])`.
struct Map1<F>(F);
impl<T: Scalar, F: Fn(T) -> T + Sync> MapKernel<T, 1> for Map1<F> {
    #[inline(always)]
    fn apply(&self, [a]: [&[T]; 1], out: &mut [T]) {
        for (p, q) in a.iter().zip(out.iter_mut()) {
            *q = (self.0)(*p);
        }
    }
}

/// `out[i] = f(out[i])`.
struct Inplace<F>(F);
impl<T: Scalar, F: Fn(T) -> T + Sync> MapKernel<T, 0> for Inplace<F> {
    #[inline(always)]
    fn apply(&self, _: [&[T]; 0], out: &mut [T]) {
        for q in out.iter_mut() {
            *q = (self.0)(*q);
        }
    }
}

/// `out[i] = f(a[i], b[i])`.
struct Map2<F>(F);
impl<T: Scalar, F: Fn(T, T) -> T + Sync> MapKernel<T, 2> for Map2<F> {
    #[inline(always)]
    fn apply(&self, [a, b]: [&[T]; 2], out: &mut [T]) {
        for ((p, q), r) in a.iter().zip(b).zip(out.iter_mut()) {
            *r = (self.0)(*p, *q);
        }
    }
}

/// `out[i] = f(out[i], a[i])`.
struct Update<F>(F);
impl<T: Scalar, F: Fn(T, T) -> T + Sync> MapKernel<T, 1> for Update<F> {
    #[inline(always)]
    fn apply(&self, [a]: [&[T]; 1], out: &mut [T]) {
        for (q, p) in out.iter_mut().zip(a) {
            *q = (self.0)(*q, *p);
        }
    }
}

/// `out = in`.
struct CopyK;
impl<T: Scalar> MapKernel<T, 1> for CopyK {
    #[inline(always)]
    fn apply(&self, [a]: [&[T]; 1], out: &mut [T]) {
        out.copy_from_slice(a);
    }
}

/// `Σ f(x)`.
struct SumK<F>(F);
impl<T: Scalar, F: Fn(T) -> T + Sync> ReduceKernel<T, 1> for SumK<F> {
    type Acc = T;
    #[inline(always)]
    fn apply(&self, [a]: [&[T]; 1]) -> T {
        sum_kernel(a, &self.0)
    }
}

/// `Σ x y`.
struct DotK;
impl<T: Scalar> ReduceKernel<T, 2> for DotK {
    type Acc = T;
    #[inline(always)]
    fn apply(&self, [a, b]: [&[T]; 2]) -> T {
        dot_kernel(a, b)
    }
}

/// `max |x|` (NaN wins).
struct AmaxK;
impl<T: Scalar> ReduceKernel<T, 1> for AmaxK {
    type Acc = T;
    #[inline(always)]
    fn apply(&self, [a]: [&[T]; 1]) -> T {
        amax_kernel(a)
    }
}

fn amax_combine<T: Scalar>(p: T, q: T) -> T {
    if q > p || q.is_nan() {
        q
    } else {
        p
    }
}

fn add<T: Scalar>(p: T, q: T) -> T {
    p + q
}

/// The element function of a unary operation, monomorphised per call site: binds
/// `$f` to a closure `T -> T` for `$op` (a [`Unary<T>`](crate::engine::Unary), in a
/// function generic over `T: Scalar`) and evaluates `$body` with it. Hidden: the
/// native kernels of crates above la-core (tensor-core's DNN) use it.
#[doc(hidden)]
#[macro_export]
macro_rules! __with_unary {
    ($op:expr, |$f:ident| $body:expr) => {{
        let one = T::one();
        let zero = T::zero();
        match $op {
            $crate::engine::Unary::Sqr => {
                let $f = |v: T| v * v;
                $body
            }
            $crate::engine::Unary::Inv => {
                let $f = |v: T| one / v;
                $body
            }
            $crate::engine::Unary::Abs => {
                let $f = |v: T| v.abs();
                $body
            }
            $crate::engine::Unary::Sqrt => {
                let $f = |v: T| v.sqrt();
                $body
            }
            $crate::engine::Unary::Exp => {
                let $f = |v: T| v.k_exp();
                $body
            }
            $crate::engine::Unary::Log => {
                let $f = |v: T| v.k_log();
                $body
            }
            $crate::engine::Unary::Tanh => {
                let $f = |v: T| v.k_tanh();
                $body
            }
            $crate::engine::Unary::Sigmoid => {
                let $f = |v: T| v.k_sigmoid();
                $body
            }
            $crate::engine::Unary::Relu => {
                let $f = |v: T| if v > zero { v } else { zero };
                $body
            }
            $crate::engine::Unary::Elu(alpha) => {
                let $f = |v: T| {
                    if v > zero {
                        v
                    } else {
                        alpha * (v.k_exp() - one)
                    }
                };
                $body
            }
            $crate::engine::Unary::LinearFrac { a, b, c, d } => {
                let $f = |v: T| (a * v + b) / (c * v + d);
                $body
            }
            $crate::engine::Unary::Pow(p) => {
                let $f = |v: T| v.powf(p);
                $body
            }
            $crate::engine::Unary::Round => {
                let $f = |v: T| v.round();
                $body
            }
            $crate::engine::Unary::Step => {
                let $f = |v: T| if v > zero { one } else { zero };
                $body
            }
            $crate::engine::Unary::Scale(alpha) => {
                let $f = |v: T| alpha * v;
                $body
            }
            $crate::engine::Unary::Fill(value) => {
                let $f = |_: T| value;
                $body
            }
        }
    }};
}

use crate::__with_unary as with_unary;

/// The element function of a binary operation, monomorphised per call site.
macro_rules! with_binary {
    ($op:expr, |$f:ident| $body:expr) => {{
        match $op {
            Binary::Mul => {
                let $f = |a: T, b: T| a * b;
                $body
            }
            Binary::Div => {
                let $f = |a: T, b: T| a / b;
                $body
            }
            Binary::Fmax => {
                let $f = |a: T, b: T| a.max(b);
                $body
            }
            Binary::Fmin => {
                let $f = |a: T, b: T| a.min(b);
                $body
            }
            Binary::Add => {
                let $f = |a: T, b: T| a + b;
                $body
            }
            Binary::Sub => {
                let $f = |a: T, b: T| a - b;
                $body
            }
        }
    }};
}

fn par_min<T>(op: &Unary<T>) -> usize {
    match op {
        Unary::Exp | Unary::Log | Unary::Tanh | Unary::Sigmoid | Unary::Elu(_) | Unary::Pow(_) => {
            PAR_COSTLY
        }
        _ => PAR_CHEAP,
    }
}

impl<T: Scalar> Engine<T> for NativeEngine<T> {
    fn name(&self) -> String {
        name::<T>()
    }

    fn is_host(&self) -> bool {
        true
    }

    fn alloc(&self, len: usize) -> Result<Storage<T>> {
        let mut v = Vec::new();
        v.try_reserve_exact(len).map_err(|_| Error::Backend {
            backend: name::<T>(),
            message: format!("cannot allocate {len} elements"),
        })?;
        v.resize(len, T::zero());
        Ok(Storage::Host(v))
    }

    fn read(&self, s: &Storage<T>, r: Region, out: &mut [T]) -> Result<()> {
        let whole = Region {
            offset: 0,
            m: r.m,
            n: r.n,
            rs: 1,
            cs: r.m,
        };
        lanes::map([(host(s)?, r)], (out, whole), PAR_CHEAP, &CopyK);
        Ok(())
    }

    fn write(&self, s: &mut Storage<T>, r: Region, data: &[T]) -> Result<()> {
        let whole = Region {
            offset: 0,
            m: r.m,
            n: r.n,
            rs: 1,
            cs: r.m,
        };
        lanes::map([(data, whole)], (host_mut(s)?, r), PAR_CHEAP, &CopyK);
        Ok(())
    }

    fn copy(&self, x: (&Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        lanes::map(
            [(host(x.0)?, x.1)],
            (host_mut(y.0)?, y.1),
            PAR_CHEAP,
            &CopyK,
        );
        Ok(())
    }

    fn swap(&self, x: (&mut Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        let (xs, rx) = (host_mut(x.0)?, x.1);
        let (ys, ry) = (host_mut(y.0)?, y.1);
        for j in 0..rx.n {
            for i in 0..rx.m {
                std::mem::swap(&mut xs[rx.index(i, j)], &mut ys[ry.index(i, j)]);
            }
        }
        Ok(())
    }

    fn dot(&self, x: (&Storage<T>, Region), y: (&Storage<T>, Region)) -> Result<T> {
        let ins = [(host(x.0)?, x.1), (host(y.0)?, y.1)];
        Ok(lanes::reduce(ins, PAR_CHEAP, T::zero(), &DotK, add))
    }

    fn reduce(&self, op: Reduction, x: (&Storage<T>, Region)) -> Result<T> {
        let ins = [(host(x.0)?, x.1)];
        let zero = T::zero();
        Ok(match op {
            Reduction::Sum => lanes::reduce(ins, PAR_CHEAP, zero, &SumK(|v| v), add),
            Reduction::Asum => lanes::reduce(ins, PAR_CHEAP, zero, &SumK(|v: T| v.abs()), add),
            Reduction::Amax => lanes::reduce(ins, PAR_CHEAP, zero, &AmaxK, amax_combine),
            Reduction::Nrm2 => {
                let ss = lanes::reduce(ins, PAR_CHEAP, zero, &SumK(|v: T| v * v), add);
                if ss.is_finite() && ss >= T::min_positive_value() / T::epsilon() {
                    ss.sqrt()
                } else {
                    // Overflow or underflow of the squares: rescale by the largest |x|.
                    let big = lanes::reduce(ins, PAR_CHEAP, zero, &AmaxK, amax_combine);
                    if big == zero || !big.is_finite() {
                        big
                    } else {
                        let s = big.recip();
                        let scaled = SumK(|v: T| (v * s) * (v * s));
                        big * lanes::reduce(ins, PAR_CHEAP, zero, &scaled, add).sqrt()
                    }
                }
            }
        })
    }

    fn iamax(&self, x: (&Storage<T>, Region)) -> Result<usize> {
        let (xs, r) = (host(x.0)?, x.1);
        let (mut best, mut at) = (T::neg_infinity(), 0);
        for j in 0..r.n {
            for i in 0..r.m {
                let v = xs[r.index(i, j)].abs();
                if v > best || (v.is_nan() && !best.is_nan()) {
                    best = v;
                    at = i + j * r.m;
                }
            }
        }
        Ok(at)
    }

    fn axpby(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let ins = [(host(x.0)?, x.1)];
        let dst = (host_mut(y.0)?, y.1);
        if beta == T::zero() {
            lanes::map(ins, dst, PAR_CHEAP, &Map1(|v| alpha * v));
        } else if beta == T::one() {
            lanes::map(ins, dst, PAR_CHEAP, &Update(|q, p| q + alpha * p));
        } else {
            lanes::map(ins, dst, PAR_CHEAP, &Update(|q, p| beta * q + alpha * p));
        }
        Ok(())
    }

    fn gemv(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        gemv(
            alpha,
            (host(a.0)?, a.1),
            (host(x.0)?, x.1),
            beta,
            (host_mut(y.0)?, y.1),
        );
        Ok(())
    }

    fn ger(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        a: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let (xs, rx) = (host(x.0)?, x.1);
        let (ys, ry) = (host(y.0)?, y.1);
        let (dst, ra) = (host_mut(a.0)?, a.1);
        // Walk a's contiguous direction: columns (column-major) or rows (row-major).
        let (lanes_v, lanes_r, along_v, along_r, ra) = if ra.rs == 1 || ra.n == 1 {
            (ys, ry, xs, rx, ra)
        } else {
            (xs, rx, ys, ry, ra.t())
        };
        let gathered: Vec<T>;
        let along: &[T] = if along_r.rs == 1 {
            &along_v[along_r.offset..along_r.offset + along_r.m]
        } else {
            gathered = (0..along_r.m)
                .map(|i| along_v[along_r.index(i, 0)])
                .collect();
            &gathered
        };
        let coef = |j: usize| alpha * lanes_v[lanes_r.index(j, 0)];
        let len = ra.m;
        let run = |j: usize, lane: &mut [T]| {
            let c = coef(j);
            simd::map(&Update(|q, p| q + c * p), [along], lane);
        };
        let region = &mut dst[ra.offset..];
        if ra.rs != 1 && ra.m > 1 {
            // Neither direction contiguous cannot come from the public API; walk by index.
            for j in 0..ra.n {
                let c = coef(j);
                for (i, p) in along.iter().enumerate() {
                    let k = ra.index(i, j) - ra.offset;
                    region[k] = region[k] + c * *p;
                }
            }
        } else if ra.n > 1 && ra.cs >= len && len * ra.n >= PAR_CHEAP {
            region
                .par_chunks_mut(ra.cs)
                .take(ra.n)
                .enumerate()
                .for_each(|(j, o)| run(j, &mut o[..len]));
        } else {
            for j in 0..ra.n {
                let s = j * ra.cs;
                run(j, &mut region[s..s + len]);
            }
        }
        Ok(())
    }

    fn gemm(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        b: (&Storage<T>, Region),
        beta: T,
        c: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let rc = c.1;
        if a.1.n == 0 || alpha == T::zero() {
            // Nothing to multiply: c := beta c (c is not read when beta == 0).
            let op = if beta == T::zero() {
                Unary::Fill(T::zero())
            } else {
                Unary::Scale(beta)
            };
            return self.unary_inplace(op, (c.0, rc));
        }
        let (ra, rb) = (a.1, b.1);
        // A single column (or row) of c is a matrix-vector product: GEMV streams the
        // matrix once, where GEMM would pack it first.
        if rc.n == 1 {
            let x = Region::vector(rb.offset, rb.m, rb.rs);
            let y = Region::vector(rc.offset, rc.m, rc.rs);
            gemv(
                alpha,
                (host(a.0)?, ra),
                (host(b.0)?, x),
                beta,
                (host_mut(c.0)?, y),
            );
            return Ok(());
        }
        if rc.m == 1 {
            // c (1 x n) = a (1 x k) b (k x n)  <=>  cᵀ = bᵀ aᵀ.
            let x = Region::vector(ra.offset, ra.n, ra.cs);
            let y = Region::vector(rc.offset, rc.n, rc.cs);
            gemv(
                alpha,
                (host(b.0)?, rb.t()),
                (host(a.0)?, x),
                beta,
                (host_mut(c.0)?, y),
            );
            return Ok(());
        }
        let (av, bv, cv) = (host(a.0)?, host(b.0)?, host_mut(c.0)?);
        if small::gemm(alpha, (av, ra), (bv, rb), beta, (&mut *cv, rc)) {
            return Ok(());
        }
        gemm::gemm(alpha, (av, ra), (bv, rb), beta, (cv, rc))
    }

    fn unary(
        &self,
        op: Unary<T>,
        x: (&Storage<T>, Region),
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let ins = [(host(x.0)?, x.1)];
        let dst = (host_mut(y.0)?, y.1);
        let pm = par_min(&op);
        with_unary!(op, |f| lanes::map(ins, dst, pm, &Map1(f)));
        Ok(())
    }

    fn unary_inplace(&self, op: Unary<T>, x: (&mut Storage<T>, Region)) -> Result<()> {
        let dst = (host_mut(x.0)?, x.1);
        let pm = par_min(&op);
        with_unary!(op, |f| lanes::map([], dst, pm, &Inplace(f)));
        Ok(())
    }

    fn binary(
        &self,
        op: Binary,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        z: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let ins = [(host(x.0)?, x.1), (host(y.0)?, y.1)];
        let dst = (host_mut(z.0)?, z.1);
        with_binary!(op, |f| lanes::map(ins, dst, PAR_CHEAP, &Map2(f)));
        Ok(())
    }

    fn binary_inplace(
        &self,
        op: Binary,
        x: (&mut Storage<T>, Region),
        y: (&Storage<T>, Region),
    ) -> Result<()> {
        let ins = [(host(y.0)?, y.1)];
        let dst = (host_mut(x.0)?, x.1);
        with_binary!(op, |f| lanes::map(ins, dst, PAR_CHEAP, &Update(f)));
        Ok(())
    }
}

/// Accumulator lanes: enough independent sums to fill the vector units.
const ACC: usize = 64;

fn sum_kernel<T: Scalar>(x: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); ACC];
    let chunks = x.chunks_exact(ACC);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..ACC {
            acc[k] = acc[k] + f(c[k]);
        }
    }
    let tail = rest.iter().fold(T::zero(), |s, v| s + f(*v));
    acc.iter().fold(tail, |s, v| s + *v)
}

#[inline(always)]
fn dot_kernel<T: Scalar>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::zero(); ACC];
    let (cx, cy) = (x.chunks_exact(ACC), y.chunks_exact(ACC));
    let tail = cx
        .remainder()
        .iter()
        .zip(cy.remainder())
        .fold(T::zero(), |s, (a, b)| s + *a * *b);
    for (a, b) in cx.zip(cy) {
        for k in 0..ACC {
            acc[k] = acc[k] + a[k] * b[k];
        }
    }
    acc.iter().fold(tail, |s, v| s + *v)
}

#[inline(always)]
fn amax_kernel<T: Scalar>(x: &[T]) -> T {
    let mut acc = [T::zero(); ACC];
    let chunks = x.chunks_exact(ACC);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..ACC {
            let v = c[k].abs();
            acc[k] = if v > acc[k] || v.is_nan() { v } else { acc[k] };
        }
    }
    let m = rest.iter().fold(T::zero(), |s, v| {
        if v.abs() > s || v.is_nan() {
            v.abs()
        } else {
            s
        }
    });
    acc.iter()
        .fold(m, |s, v| if *v > s || v.is_nan() { *v } else { s })
}

/// The native factory for element type `T` (for code generic over `T`).
pub fn native_for<T: Scalar>() -> Factory<T> {
    use std::any::Any;
    let f32f: Box<dyn Any> = Box::new(native_float());
    match f32f.downcast::<Factory<T>>() {
        Ok(f) => *f,
        Err(_) => {
            let f64f: Box<dyn Any> = Box::new(native_double());
            *f64f
                .downcast::<Factory<T>>()
                .expect("Scalar is sealed to f32 and f64")
        }
    }
}
