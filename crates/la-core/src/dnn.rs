//! Fused primitives for neural networks, on any factory: what `nn-inference` and
//! `nn-train` build their layers on (Deep Diamond's DNN primitives, reduced to what a
//! fully connected network needs).
//!
//! | need | function | one pass over |
//! |---|---|---|
//! | `y := f(y + b)` (bias broadcast over the batch, then activation) | [`bias_activation_inplace`] | `y` |
//! | `δ := δ ⊙ f'(z)`, given `a = f(z)` | [`activation_grad_inplace`] | `δ`, `a` |
//! | softmax of each column | [`softmax_inplace`] | each column (three sweeps, in cache) |
//!
//! The native and MKL/OpenBLAS factories run them on the native backend's vectorised
//! loops; OpenCL runs its own kernels.

use crate::dense::describe;
use crate::engine::{Region, Unary};
use crate::{AsMatrix, AsMatrixMut, AsVector, Check, Result, Scalar};

/// `y := f(y + b)`: adds the bias `b` (one entry per row of `y`) to every column of
/// `y` and applies `op` (`None`: the identity) in the same pass.
///
/// ```
/// use la_core::prelude::*;
/// use la_core::dnn::bias_activation_inplace;
/// use la_core::engine::Unary;
/// let mut y = dge(2, 2, &[-1.0, 1.0, 2.0, -3.0], Layout::ColumnMajor)?;
/// bias_activation_inplace(Some(Unary::Relu), &dv(&[0.5, 0.5]), &mut y)?;
/// assert_eq!(y.to_vec()?, vec![0.0, 1.5, 2.5, 0.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn bias_activation_inplace<T: Scalar>(
    op: Option<Unary<T>>,
    b: &impl AsVector<T>,
    y: &mut impl AsMatrixMut<T>,
) -> Result<()> {
    const OP: &str = "bias_activation";
    b.factory().require_same(OP, y.factory())?;
    Check::new(OP)
        .require(b.dim() == y.mrows(), || {
            format!(
                "the bias has {} entries but y has {} rows",
                b.dim(),
                y.mrows()
            )
        })
        .finish()?;
    let (yr, br) = (y.region(), b.region());
    let broadcast = Region {
        offset: br.offset,
        m: yr.m,
        n: yr.n,
        rs: br.rs,
        cs: 0,
    };
    let f = y.factory().clone();
    f.engine()
        .bias_activation(op, (b.storage(), broadcast), (y.storage_mut(), yr))
}

/// `δ := δ ⊙ f'(z)` computed from the activation's output `a = f(z)`, for `op` one of
/// `Sigmoid` (`a(1-a)`), `Tanh` (`1-a²`), `Relu` (`a > 0`) and `Elu(α)` (`1` or
/// `a + α`). One fused pass (the book's backward step for an activation).
///
/// ```
/// use la_core::prelude::*;
/// use la_core::dnn::activation_grad_inplace;
/// use la_core::engine::Unary;
/// let a = dge(1, 2, &[0.5, 0.25], Layout::ColumnMajor)?;
/// let mut d = dge(1, 2, &[1.0, 2.0], Layout::ColumnMajor)?;
/// activation_grad_inplace(Unary::Sigmoid, &a, &mut d)?;
/// assert_eq!(d.to_vec()?, vec![0.25, 0.375]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn activation_grad_inplace<T: Scalar>(
    op: Unary<T>,
    a: &impl AsMatrix<T>,
    d: &mut impl AsMatrixMut<T>,
) -> Result<()> {
    const OP: &str = "activation_grad";
    a.factory().require_same(OP, d.factory())?;
    Check::new(OP)
        .require(a.shape() == d.shape(), || {
            format!(
                "{} but {}",
                describe("a", a.shape()),
                describe("d", d.shape())
            )
        })
        .require(
            matches!(
                op,
                Unary::Sigmoid | Unary::Tanh | Unary::Relu | Unary::Elu(_)
            ),
            || {
                format!(
                    "{} has no element-wise derivative here (sigmoid, tanh, relu and elu do)",
                    op.name()
                )
            },
        )
        .finish()?;
    let r = d.region();
    let f = d.factory().clone();
    f.engine()
        .activation_grad(op, (a.storage(), a.region()), (d.storage_mut(), r))
}

/// Softmax of every column of `x` (one sample per column), in place, shifted by the
/// column's maximum so large inputs never overflow.
///
/// ```
/// use la_core::prelude::*;
/// use la_core::dnn::softmax_inplace;
/// let mut x = dge(2, 1, &[1000.0, 1000.0], Layout::ColumnMajor)?;
/// softmax_inplace(&mut x)?;
/// assert_eq!(x.to_vec()?, vec![0.5, 0.5]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn softmax_inplace<T: Scalar>(x: &mut impl AsMatrixMut<T>) -> Result<()> {
    let r = x.region();
    let f = x.factory().clone();
    f.engine().softmax((x.storage_mut(), r))
}
