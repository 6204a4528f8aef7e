//! Element-wise vector math (the book's `uncomplicate.neanderthal.vect-math`).
//!
//! Every function works on vectors, matrices and views. Three forms each:
//! `tanh(&x)` returns a new object, `tanh_into(&x, &mut y)` writes into `y`
//! (the book's `(tanh! x y)`), and `tanh_inplace(&mut x)` overwrites `x`
//! (the book's `(tanh! x)`). The native backend runs `exp`, `log`, `tanh` and
//! `sigmoid` on vectorised polynomial kernels (AVX-512 or AVX2, picked at run
//! time) and splits large arrays across threads.

use crate::blas::check_pair;
use crate::dense::{Dense, DenseMut};
use crate::engine::{Binary, Region, Storage, Unary};
use crate::{Error, Result, Scalar};

/// `y := f(x)` for any [`Unary`] operation.
pub fn unary_into<T: Scalar>(
    op: Unary<T>,
    x: &impl Dense<T>,
    y: &mut impl DenseMut<T>,
) -> Result<()> {
    check_pair(op.name(), x, y)?;
    let r = y.region();
    let f = y.factory().clone();
    f.engine()
        .unary(op, (x.storage(), x.region()), (y.storage_mut(), r))
}

/// `x := f(x)` for any [`Unary`] operation.
pub fn unary_inplace<T: Scalar>(op: Unary<T>, x: &mut impl DenseMut<T>) -> Result<()> {
    let r = x.region();
    let f = x.factory().clone();
    f.engine().unary_inplace(op, (x.storage_mut(), r))
}

/// `f(x)`, a new object, for any [`Unary`] operation.
pub fn unary<T: Scalar, X: Dense<T>>(op: Unary<T>, x: &X) -> Result<X::Owned> {
    let mut y = x.zeros_like()?;
    unary_into(op, x, &mut y)?;
    Ok(y)
}

/// `z := f(x, y)` for any [`Binary`] operation.
pub fn binary_into<T: Scalar>(
    op: Binary,
    x: &impl Dense<T>,
    y: &impl Dense<T>,
    z: &mut impl DenseMut<T>,
) -> Result<()> {
    check_pair(op.name(), x, y)?;
    check_pair(op.name(), x, z)?;
    let r = z.region();
    let f = z.factory().clone();
    f.engine().binary(
        op,
        (x.storage(), x.region()),
        (y.storage(), y.region()),
        (z.storage_mut(), r),
    )
}

/// `x := f(x, y)` for any [`Binary`] operation.
pub fn binary_inplace<T: Scalar>(
    op: Binary,
    x: &mut impl DenseMut<T>,
    y: &impl Dense<T>,
) -> Result<()> {
    check_pair(op.name(), x, y)?;
    let r = x.region();
    let f = x.factory().clone();
    f.engine()
        .binary_inplace(op, (x.storage_mut(), r), (y.storage(), y.region()))
}

/// `f(x, y)`, a new object, for any [`Binary`] operation.
pub fn binary<T: Scalar, X: Dense<T>>(op: Binary, x: &X, y: &impl Dense<T>) -> Result<X::Owned> {
    let mut z = x.zeros_like()?;
    binary_into(op, x, y, &mut z)?;
    Ok(z)
}

macro_rules! unary_fns {
    ($( $(#[$doc:meta])* $name:ident, $into:ident, $inplace:ident => $op:expr ;)*) => {$(
        $(#[$doc])*
        pub fn $name<T: Scalar, X: Dense<T>>(x: &X) -> Result<X::Owned> {
            unary($op, x)
        }
        #[doc = concat!("`y := ", stringify!($name), "(x)` (the book's `(", stringify!($name), "! x y)`).")]
        pub fn $into<T: Scalar>(x: &impl Dense<T>, y: &mut impl DenseMut<T>) -> Result<()> {
            unary_into($op, x, y)
        }
        #[doc = concat!("`x := ", stringify!($name), "(x)` (the book's `(", stringify!($name), "! x)`).")]
        pub fn $inplace<T: Scalar>(x: &mut impl DenseMut<T>) -> Result<()> {
            unary_inplace($op, x)
        }
    )*};
}

unary_fns! {
    /// `x²` element-wise.
    sqr, sqr_into, sqr_inplace => Unary::Sqr;
    /// `1/x` element-wise.
    inv, inv_into, inv_inplace => Unary::Inv;
    /// `|x|` element-wise.
    abs, abs_into, abs_inplace => Unary::Abs;
    /// `√x` element-wise.
    sqrt, sqrt_into, sqrt_inplace => Unary::Sqrt;
    /// `eˣ` element-wise (vectorised, within 2 ulps for `f32`).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// let y = exp(&dv(&[0.0, 1.0]))?;
    /// assert!((y.entry(1)? - std::f64::consts::E).abs() < 1e-15);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    exp, exp_into, exp_inplace => Unary::Exp;
    /// `ln x` element-wise (vectorised for `f32`).
    log, log_into, log_inplace => Unary::Log;
    /// `tanh x` element-wise (vectorised for `f32`).
    tanh, tanh_into, tanh_inplace => Unary::Tanh;
    /// The logistic sigmoid `1/(1+e⁻ˣ)` element-wise (vectorised for `f32`).
    sigmoid, sigmoid_into, sigmoid_inplace => Unary::Sigmoid;
    /// `max(0, x)` element-wise.
    relu, relu_into, relu_inplace => Unary::Relu;
    /// Rounds half away from zero, element-wise.
    round, round_into, round_inplace => Unary::Round;
    /// The Heaviside step: `1` where `x > 0`, else `0`.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// assert_eq!(step(&dv(&[-0.07, 1.63]))?.to_vec()?, vec![0.0, 1.0]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    step, step_into, step_inplace => Unary::Step;
}

/// ELU: `x` where `x > 0`, else `alpha (eˣ - 1)`.
pub fn elu<T: Scalar, X: Dense<T>>(alpha: T, x: &X) -> Result<X::Owned> {
    unary(Unary::Elu(alpha), x)
}
/// `y := elu(alpha, x)`.
pub fn elu_into<T: Scalar>(alpha: T, x: &impl Dense<T>, y: &mut impl DenseMut<T>) -> Result<()> {
    unary_into(Unary::Elu(alpha), x, y)
}
/// `x := elu(alpha, x)`.
pub fn elu_inplace<T: Scalar>(alpha: T, x: &mut impl DenseMut<T>) -> Result<()> {
    unary_inplace(Unary::Elu(alpha), x)
}

/// `xᵖ` element-wise (the book's `pow` with a scalar exponent).
pub fn pow<T: Scalar, X: Dense<T>>(x: &X, p: T) -> Result<X::Owned> {
    unary(Unary::Pow(p), x)
}
/// `y := xᵖ`.
pub fn pow_into<T: Scalar>(x: &impl Dense<T>, p: T, y: &mut impl DenseMut<T>) -> Result<()> {
    unary_into(Unary::Pow(p), x, y)
}
/// `x := xᵖ`.
pub fn pow_inplace<T: Scalar>(x: &mut impl DenseMut<T>, p: T) -> Result<()> {
    unary_inplace(Unary::Pow(p), x)
}

/// `(a x + b) / (c x + d)` element-wise (the book's `linear-frac`).
/// `linear_frac(a, &x, b, 0, 1)` is the affine map `a x + b`.
pub fn linear_frac<T: Scalar, X: Dense<T>>(a: T, x: &X, b: T, c: T, d: T) -> Result<X::Owned> {
    unary(Unary::LinearFrac { a, b, c, d }, x)
}
/// `y := (a x + b) / (c x + d)`.
pub fn linear_frac_into<T: Scalar>(
    a: T,
    x: &impl Dense<T>,
    b: T,
    c: T,
    d: T,
    y: &mut impl DenseMut<T>,
) -> Result<()> {
    unary_into(Unary::LinearFrac { a, b, c, d }, x, y)
}
/// `x := (a x + b) / (c x + d)`.
pub fn linear_frac_inplace<T: Scalar>(
    a: T,
    x: &mut impl DenseMut<T>,
    b: T,
    c: T,
    d: T,
) -> Result<()> {
    unary_inplace(Unary::LinearFrac { a, b, c, d }, x)
}

/// Sets every element to `value` (the book's `entry!` with one argument).
pub fn fill<T: Scalar>(x: &mut impl DenseMut<T>, value: T) -> Result<()> {
    unary_inplace(Unary::Fill(value), x)
}

macro_rules! binary_fns {
    ($( $(#[$doc:meta])* $name:ident, $into:ident, $inplace:ident => $op:expr ;)*) => {$(
        $(#[$doc])*
        pub fn $name<T: Scalar, X: Dense<T>>(x: &X, y: &impl Dense<T>) -> Result<X::Owned> {
            binary($op, x, y)
        }
        #[doc = concat!("`z := ", stringify!($name), "(x, y)` (the book's `(", stringify!($name), "! x y z)`).")]
        pub fn $into<T: Scalar>(x: &impl Dense<T>, y: &impl Dense<T>, z: &mut impl DenseMut<T>) -> Result<()> {
            binary_into($op, x, y, z)
        }
        #[doc = concat!("`x := ", stringify!($name), "(x, y)`.")]
        pub fn $inplace<T: Scalar>(x: &mut impl DenseMut<T>, y: &impl Dense<T>) -> Result<()> {
            binary_inplace($op, x, y)
        }
    )*};
}

binary_fns! {
    /// `x · y` element-wise (Hadamard product).
    mul, mul_into, mul_inplace => Binary::Mul;
    /// `x / y` element-wise.
    div, div_into, div_inplace => Binary::Div;
    /// `max(x, y)` element-wise.
    fmax, fmax_into, fmax_inplace => Binary::Fmax;
    /// `min(x, y)` element-wise.
    fmin, fmin_into, fmin_inplace => Binary::Fmin;
    /// `x + y` element-wise.
    add, add_into, add_inplace => Binary::Add;
    /// `x - y` element-wise.
    sub, sub_into, sub_inplace => Binary::Sub;
}

/// Applies `f` to every element in place (the book's `fmap!`). Host factories only:
/// device backends return [`Error::Unsupported`].
///
/// ```
/// use la_core::prelude::*;
/// let mut x = dv(&[1.0, 2.0]);
/// fmap_inplace(&mut x, |v| v * 10.0 + 1.0)?;
/// assert_eq!(x.to_vec()?, vec![11.0, 21.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn fmap_inplace<T: Scalar>(x: &mut impl DenseMut<T>, f: impl Fn(T) -> T) -> Result<()> {
    let r = x.region();
    let name = x.factory().name();
    match x.storage_mut() {
        Storage::Host(data) => {
            for_each_index(r, |k| data[k] = f(data[k]));
            Ok(())
        }
        Storage::Device(_) => Err(Error::Unsupported {
            backend: name,
            op: "fmap",
        }),
    }
}

/// `f` applied to every element, a new object (the book's `fmap`). Host factories only.
pub fn fmap<T: Scalar, X: Dense<T>>(x: &X, f: impl Fn(T) -> T) -> Result<X::Owned> {
    let mut y = crate::copy(x)?;
    fmap_inplace(&mut y, f)?;
    Ok(y)
}

/// Calls `f` with the buffer index of every element of `r`, column by column.
pub(crate) fn for_each_index(r: Region, mut f: impl FnMut(usize)) {
    for j in 0..r.n {
        for i in 0..r.m {
            f(r.index(i, j));
        }
    }
}
