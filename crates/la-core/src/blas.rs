//! BLAS levels 1–3 (the book's `uncomplicate.neanderthal.core`).
//!
//! Every operation validates its arguments and reports all failed preconditions
//! in one [`Error`](crate::Error). Allocating forms return a new object on the
//! arguments' factory; `_into` forms write into a `&mut` destination (the book's
//! `mv!`, `axpy!`, ...); `_inplace` forms overwrite their operand (`scal!`).

use crate::dense::{describe, Dense, DenseMut};
use crate::engine::{Reduction, Unary};
use crate::{AsMatrix, AsVector, Check, Layout, Matrix, Result, Scalar, Vector};

/// Checks that `y` has `x`'s factory and shape.
pub(crate) fn check_pair<T: Scalar>(
    op: &'static str,
    x: &impl Dense<T>,
    y: &impl Dense<T>,
) -> Result<()> {
    x.factory().require_same(op, y.factory())?;
    let (sx, sy) = (x.shape(), y.shape());
    Check::new(op)
        .require(sx == sy, || {
            format!("{} but {}", describe("x", sx), describe("y", sy))
        })
        .finish()
}

/// `Σ xᵢ yᵢ` (the book's `dot`). Works on matrices of equal shape too.
///
/// ```
/// use la_core::prelude::*;
/// assert_eq!(dot(&dv(&[1.0, 2.0]), &dv(&[3.0, 4.0]))?, 11.0);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn dot<T: Scalar>(x: &impl Dense<T>, y: &impl Dense<T>) -> Result<T> {
    check_pair("dot", x, y)?;
    x.factory()
        .engine()
        .dot((x.storage(), x.region()), (y.storage(), y.region()))
}

fn reduce<T: Scalar>(op: Reduction, x: &impl Dense<T>) -> Result<T> {
    x.factory().engine().reduce(op, (x.storage(), x.region()))
}

/// The Euclidean norm `√Σ xᵢ²` (BLAS `nrm2`).
pub fn nrm2<T: Scalar>(x: &impl Dense<T>) -> Result<T> {
    reduce(Reduction::Nrm2, x)
}

/// `Σ |xᵢ|` (BLAS `asum`).
pub fn asum<T: Scalar>(x: &impl Dense<T>) -> Result<T> {
    reduce(Reduction::Asum, x)
}

/// `Σ xᵢ` (the book's `sum`).
pub fn sum<T: Scalar>(x: &impl Dense<T>) -> Result<T> {
    reduce(Reduction::Sum, x)
}

/// `max |xᵢ|` (the book's `amax`); 0 for an empty object. A NaN anywhere makes the
/// result NaN, on every backend.
pub fn amax<T: Scalar>(x: &impl Dense<T>) -> Result<T> {
    reduce(Reduction::Amax, x)
}

/// The index of the first element with the largest absolute value (BLAS `iamax`); a
/// NaN counts as the largest, so the first NaN's index wins, on every backend.
///
/// ```
/// use la_core::prelude::*;
/// assert_eq!(iamax(&dv(&[1.0, -7.0, 7.0]))?, 1);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn iamax<T: Scalar>(x: &impl AsVector<T>) -> Result<usize> {
    Check::new("iamax")
        .require(x.dim() > 0, || "x is empty".to_string())
        .finish()?;
    x.factory().engine().iamax((x.storage(), x.region()))
}

/// `x := alpha x` (the book's `scal!`).
pub fn scal_inplace<T: Scalar>(alpha: T, x: &mut impl DenseMut<T>) -> Result<()> {
    let r = x.region();
    let f = x.factory().clone();
    f.engine()
        .unary_inplace(Unary::Scale(alpha), (x.storage_mut(), r))
}

/// `alpha x`, a new object (the book's `scal`).
pub fn scal<T: Scalar, X: Dense<T>>(alpha: T, x: &X) -> Result<X::Owned> {
    let mut y = x.zeros_like()?;
    axpby_into(alpha, x, T::zero(), &mut y)?;
    Ok(y)
}

/// `y := alpha x + y` (the book's `axpy!`).
///
/// ```
/// use la_core::prelude::*;
/// let mut y = dv(&[1.0, 1.0]);
/// axpy_into(2.0, &dv(&[1.0, 2.0]), &mut y)?;
/// assert_eq!(y.to_vec()?, vec![3.0, 5.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn axpy_into<T: Scalar>(alpha: T, x: &impl Dense<T>, y: &mut impl DenseMut<T>) -> Result<()> {
    axpby_into(alpha, x, T::one(), y)
}

/// `alpha x + y`, a new object (the book's `axpy`).
pub fn axpy<T: Scalar, Y: Dense<T>>(alpha: T, x: &impl Dense<T>, y: &Y) -> Result<Y::Owned> {
    let mut out = copy(y)?;
    axpy_into(alpha, x, &mut out)?;
    Ok(out)
}

/// `y := alpha x + beta y` (the book's `axpby!`). With `beta = 0`, `y` is not read.
pub fn axpby_into<T: Scalar>(
    alpha: T,
    x: &impl Dense<T>,
    beta: T,
    y: &mut impl DenseMut<T>,
) -> Result<()> {
    check_pair("axpby", x, y)?;
    let r = y.region();
    let f = y.factory().clone();
    f.engine()
        .axpby(alpha, (x.storage(), x.region()), beta, (y.storage_mut(), r))
}

/// `alpha x + beta y`, a new object.
pub fn axpby<T: Scalar, Y: Dense<T>>(
    alpha: T,
    x: &impl Dense<T>,
    beta: T,
    y: &Y,
) -> Result<Y::Owned> {
    let mut out = copy(y)?;
    axpby_into(alpha, x, beta, &mut out)?;
    Ok(out)
}

/// `y := x` (the book's `copy!`). Both must come from the same factory; see
/// [`transfer_into`] to move data between factories.
pub fn copy_into<T: Scalar>(x: &impl Dense<T>, y: &mut impl DenseMut<T>) -> Result<()> {
    check_pair("copy", x, y)?;
    let r = y.region();
    let f = y.factory().clone();
    f.engine()
        .copy((x.storage(), x.region()), (y.storage_mut(), r))
}

/// `y(:, k) := x(:, cols[k])` for every `k`: gathers the columns `cols` of `x` (samples,
/// one per column) into `y`, in that order, in one engine call (one kernel launch on a
/// device instead of one copy per column). `x` and `y` come from the same factory and
/// have as many rows; `y` has `cols.len()` columns; an index may repeat.
///
/// ```
/// use la_core::prelude::*;
/// let x = dge(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], Layout::ColumnMajor)?;
/// let mut y = native_double().ge(2, 2, Layout::ColumnMajor)?;
/// gather_cols_into(&x, &[2, 0], &mut y)?;
/// assert_eq!(y.to_vec()?, vec![5.0, 6.0, 1.0, 2.0]);
/// assert!(gather_cols_into(&x, &[3, 0], &mut y).is_err()); // x has 3 columns
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn gather_cols_into<T: Scalar, Y: AsMatrix<T> + DenseMut<T>>(
    x: &impl AsMatrix<T>,
    cols: &[usize],
    y: &mut Y,
) -> Result<()> {
    x.factory().require_same("gather_cols", y.factory())?;
    let (xm, xn, ym, yn) = (x.mrows(), x.ncols(), y.mrows(), y.ncols());
    let bad = cols.iter().position(|&j| j >= xn);
    Check::new("gather_cols")
        .require(xm == ym, || {
            format!("x is {xm}x{xn} but y is {ym}x{yn} (they need as many rows)")
        })
        .require(cols.len() == yn, || {
            format!("{} column indices for a y of {yn} columns", cols.len())
        })
        .require(bad.is_none(), || {
            let k = bad.unwrap_or(0);
            format!("cols[{k}] = {} but x has {xn} columns", cols[k])
        })
        .finish()?;
    if ym == 0 || yn == 0 {
        return Ok(());
    }
    let r = y.region();
    let f = y.factory().clone();
    f.engine()
        .gather_columns((x.storage(), x.region()), cols, (y.storage_mut(), r))
}

/// A copy of `x` on the same factory (the book's `copy`); views become owned objects.
pub fn copy<T: Scalar, X: Dense<T>>(x: &X) -> Result<X::Owned> {
    let mut y = x.zeros_like()?;
    copy_into(x, &mut y)?;
    Ok(y)
}

/// Exchanges the elements of `x` and `y` (the book's `swp!`).
pub fn swap<T: Scalar>(x: &mut impl DenseMut<T>, y: &mut impl DenseMut<T>) -> Result<()> {
    check_pair("swap", x, y)?;
    let (rx, ry) = (x.region(), y.region());
    let f = x.factory().clone();
    f.engine()
        .swap((x.storage_mut(), rx), (y.storage_mut(), ry))
}

/// `y := x` where `x` and `y` may come from different factories (the book's `transfer!`).
///
/// ```
/// use la_core::prelude::*;
/// use la_core::native::NativeEngine;
/// let x = dv(&[1.0, 2.0]);
/// // A second, separate factory (think: a GPU): copy_into would refuse to mix them.
/// let other = Factory::new(NativeEngine::<f64>::default());
/// let mut y = other.vctr(2)?;
/// assert!(copy_into(&x, &mut y).is_err());
/// transfer_into(&x, &mut y)?;
/// assert_eq!(y.to_vec()?, vec![1.0, 2.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn transfer_into<T: Scalar>(x: &impl Dense<T>, y: &mut impl DenseMut<T>) -> Result<()> {
    let (sx, sy) = (x.shape(), y.shape());
    Check::new("transfer")
        .require(sx == sy, || {
            format!("{} but {}", describe("x", sx), describe("y", sy))
        })
        .finish()?;
    if x.factory().same(y.factory()) {
        return copy_into(x, y);
    }
    let mut host = vec![T::zero(); sx.len()];
    x.factory()
        .engine()
        .read(x.storage(), x.region(), &mut host)?;
    let r = y.region();
    let f = y.factory().clone();
    f.engine().write(y.storage_mut(), r, &host)
}

/// `y := alpha a x + beta y` (the book's `mv!`). With `beta = 0`, `y` is not read.
///
/// ```
/// use la_core::prelude::*;
/// let w = dge(2, 2, &[1.0, 2.0, 3.0, 4.0], Layout::RowMajor)?;
/// let mut y = native_double().vctr(2)?;
/// mv_into(1.0, &w, &dv(&[1.0, 1.0]), 0.0, &mut y)?;
/// assert_eq!(y.to_vec()?, vec![3.0, 7.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn mv_into<T: Scalar, Y: AsVector<T> + DenseMut<T>>(
    alpha: T,
    a: &impl AsMatrix<T>,
    x: &impl AsVector<T>,
    beta: T,
    y: &mut Y,
) -> Result<()> {
    a.factory().require_same("mv", x.factory())?;
    a.factory().require_same("mv", y.factory())?;
    let (m, n) = (a.mrows(), a.ncols());
    Check::new("mv")
        .require(x.dim() == n, || {
            format!("a is {m}x{n} but x has dim {} (must be {n})", x.dim())
        })
        .require(y.dim() == m, || {
            format!("a is {m}x{n} but y has dim {} (must be {m})", y.dim())
        })
        .finish()?;
    let r = y.region();
    let f = y.factory().clone();
    f.engine().gemv(
        alpha,
        (a.storage(), a.region()),
        (x.storage(), x.region()),
        beta,
        (y.storage_mut(), r),
    )
}

/// `a x`, a new vector (the book's `mv`).
pub fn mv<T: Scalar>(a: &impl AsMatrix<T>, x: &impl AsVector<T>) -> Result<Vector<T>> {
    a.factory().require_same("mv", x.factory())?;
    let mut y = a.factory().vctr(a.mrows())?;
    mv_into(T::one(), a, x, T::zero(), &mut y)?;
    Ok(y)
}

/// `a := alpha x yᵀ + a` (the book's `rk!`, BLAS `ger`).
pub fn rk_into<T: Scalar, A: AsMatrix<T> + DenseMut<T>>(
    alpha: T,
    x: &impl AsVector<T>,
    y: &impl AsVector<T>,
    a: &mut A,
) -> Result<()> {
    a.factory().require_same("rk", x.factory())?;
    a.factory().require_same("rk", y.factory())?;
    let (m, n) = (a.mrows(), a.ncols());
    Check::new("rk")
        .require(x.dim() == m, || {
            format!("a is {m}x{n} but x has dim {} (must be {m})", x.dim())
        })
        .require(y.dim() == n, || {
            format!("a is {m}x{n} but y has dim {} (must be {n})", y.dim())
        })
        .finish()?;
    let r = a.region();
    let f = a.factory().clone();
    f.engine().ger(
        alpha,
        (x.storage(), x.region()),
        (y.storage(), y.region()),
        (a.storage_mut(), r),
    )
}

/// `alpha x yᵀ`, a new column-major matrix (the book's `rk`).
pub fn rk<T: Scalar>(alpha: T, x: &impl AsVector<T>, y: &impl AsVector<T>) -> Result<Matrix<T>> {
    x.factory().require_same("rk", y.factory())?;
    let mut a = x.factory().ge(x.dim(), y.dim(), Layout::ColumnMajor)?;
    rk_into(alpha, x, y, &mut a)?;
    Ok(a)
}

/// `c := alpha a b + beta c` (the book's `mm!`, BLAS `gemm`). With `beta = 0`,
/// `c` is not read. Transposed operands are views: `mm_into(1.0, &a.trans(), &b, ...)`.
///
/// ```
/// use la_core::prelude::*;
/// let a = dge(2, 2, &[1.0, 2.0, 3.0, 4.0], Layout::ColumnMajor)?;
/// let mut c = native_double().ge(2, 2, Layout::ColumnMajor)?;
/// mm_into(1.0, &a.trans(), &a, 0.0, &mut c)?;
/// assert_eq!(c.to_vec()?, vec![5.0, 11.0, 11.0, 25.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn mm_into<T: Scalar, C: AsMatrix<T> + DenseMut<T>>(
    alpha: T,
    a: &impl AsMatrix<T>,
    b: &impl AsMatrix<T>,
    beta: T,
    c: &mut C,
) -> Result<()> {
    a.factory().require_same("mm", b.factory())?;
    a.factory().require_same("mm", c.factory())?;
    let (am, an, bm, bn, cm, cn) = (
        a.mrows(),
        a.ncols(),
        b.mrows(),
        b.ncols(),
        c.mrows(),
        c.ncols(),
    );
    Check::new("mm")
        .require(an == bm, || {
            format!("a is {am}x{an} but b is {bm}x{bn} (a.ncols must equal b.mrows)")
        })
        .require(cm == am && cn == bn, || {
            format!("c is {cm}x{cn} but a·b is {am}x{bn}")
        })
        .finish()?;
    let r = c.region();
    let f = c.factory().clone();
    f.engine().gemm(
        alpha,
        (a.storage(), a.region()),
        (b.storage(), b.region()),
        beta,
        (c.storage_mut(), r),
    )
}

/// `a b`, a new column-major matrix (the book's `mm`).
pub fn mm<T: Scalar>(a: &impl AsMatrix<T>, b: &impl AsMatrix<T>) -> Result<Matrix<T>> {
    a.factory().require_same("mm", b.factory())?;
    let (am, an, bm, bn) = (a.mrows(), a.ncols(), b.mrows(), b.ncols());
    Check::new("mm")
        .require(an == bm, || {
            format!("a is {am}x{an} but b is {bm}x{bn} (a.ncols must equal b.mrows)")
        })
        .finish()?;
    let mut c = a.factory().ge(am, bn, Layout::ColumnMajor)?;
    mm_into(T::one(), a, b, T::zero(), &mut c)?;
    Ok(c)
}
