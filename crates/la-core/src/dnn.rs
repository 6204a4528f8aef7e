//! Fused primitives for neural networks, on any factory: what `nn-inference` and
//! `nn-train` build their layers on (Deep Diamond's DNN primitives, reduced to what a
//! fully connected network needs).
//!
//! | need | function | one pass over |
//! |---|---|---|
//! | `y := f(y + b)` (bias broadcast over the batch, then activation) | [`bias_activation_inplace`] | `y` |
//! | `δ := δ ⊙ f'(z)`, given `a = f(z)` | [`activation_grad_inplace`] | `δ`, `a` |
//! | softmax of each column | [`softmax_inplace`] | each column (three sweeps, in cache) |
//! | a small network's whole forward and backward pass (gradients and cost) | [`mlp_gradients`] | the inputs and targets, once |
//!
//! The native and MKL/OpenBLAS factories run them on the native backend's vectorised
//! loops; OpenCL runs its own kernels.

use crate::dense::describe;
use crate::engine::{Region, Unary};
use crate::{AsMatrix, AsMatrixMut, AsVector, Check, Matrix, Result, Scalar, Vector};

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

pub use crate::native::mlp::{
    Loss as MlpLoss, MlpScratch, CHUNK as MLP_CHUNK, MAX_LAYERS as MLP_MAX_LAYERS,
    MAX_WIDTH as MLP_MAX_WIDTH,
};

/// A fully connected layer for [`mlp_gradients`]: `a = f(W x + b)`.
#[derive(Debug, Clone, Copy)]
pub struct MlpLayer<'a, T: Scalar> {
    /// `W`, outputs x inputs.
    pub weights: &'a Matrix<T>,
    /// `b`, one entry per output.
    pub bias: &'a Vector<T>,
    /// `f`: `None` (linear), `Sigmoid`, `Tanh`, `Relu` or `Elu(α)`.
    pub activation: Option<Unary<T>>,
}

/// The fused training pass of a small network (every layer at most
/// [`MLP_MAX_WIDTH`] wide, at most [`MLP_MAX_LAYERS`] layers) on host memory: forward
/// pass, output error, backward pass and the gradients of the mean cost
/// `C = (1/n) Σ loss(a, y)` over the `n` samples (columns) of `x` and `y`, in one sweep
/// over the data, 64 samples at a time with all of a chunk's activations and errors in
/// registers and L1 (two threads for `n ≥ 4096`, taking turns at blocks of 512
/// samples). For `f32` on AVX-512 CPUs it runs a register-tiled intrinsics kernel;
/// otherwise a portable one that the compiler vectorises. Writes `∂C/∂W` and `∂C/∂b` of each
/// layer into `grads` (same order as `layers`) and the output layer's activations into
/// `out`; returns `C`. `scratch` holds the accumulators between calls (quadratic: `Σ ‖a - y‖² / 2n`; mean absolute: `Σ |a - y| / n`;
/// sigmoid cross-entropy: `-Σ y ln a + (1 - y) ln(1 - a) / n`, output must be sigmoid).
///
/// This is what `nn-train` runs for a small network on the native, MKL and OpenBLAS
/// factories instead of some 25 separate passes per step; a device factory gives
/// [`Error::Unsupported`](crate::Error::Unsupported). `out` must be column-major
/// and contiguous.
///
/// ```
/// use la_core::prelude::*;
/// use la_core::dnn::{mlp_gradients, MlpLayer, MlpLoss, MlpScratch};
/// use la_core::engine::Unary;
/// let f = native_double();
/// let (w, b) = (dge(1, 1, &[2.0], Layout::ColumnMajor)?, dv(&[0.5]));
/// let x = dge(1, 2, &[1.0, 3.0], Layout::ColumnMajor)?;
/// let y = dge(1, 2, &[2.0, 6.0], Layout::ColumnMajor)?;
/// let (mut gw, mut gb, mut out) = (f.ge(1, 1, Layout::ColumnMajor)?, f.vctr(1)?, f.ge(1, 2, Layout::ColumnMajor)?);
/// let layer = MlpLayer { weights: &w, bias: &b, activation: None };
/// let mut scratch = MlpScratch::new();
/// let c = mlp_gradients(&x, &y, [layer], MlpLoss::Quadratic, [(&mut gw, &mut gb)], &mut out, &mut scratch)?;
/// // a = 2x + 0.5 = [2.5, 6.5], a - y = [0.5, 0.5]
/// assert_eq!(out.to_vec()?, vec![2.5, 6.5]);
/// assert_eq!(c, 0.125); // (0.25 + 0.25) / 4
/// assert_eq!(gw.to_vec()?, vec![1.0]); // (0.5·1 + 0.5·3) / 2
/// assert_eq!(gb.to_vec()?, vec![0.5]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn mlp_gradients<'a, 'g, T: Scalar>(
    x: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
    layers: impl IntoIterator<Item = MlpLayer<'a, T>>,
    loss: MlpLoss,
    grads: impl IntoIterator<Item = (&'g mut Matrix<T>, &'g mut Vector<T>)>,
    out: &mut impl AsMatrixMut<T>,
    scratch: &mut MlpScratch<T>,
) -> Result<T> {
    crate::native::mlp::gradients(x, y, layers, loss, grads, out, scratch)
}
