//! The DNN primitive capability (Deep Diamond's DNN engine, reduced to what a fully
//! connected network needs so far), reached from a [`DnnFactory`].
//!
//! | need | method | one pass over |
//! |---|---|---|
//! | `y := f(y + b)` (bias broadcast over the batch, then activation) | [`DnnFactory::bias_activation`] | `y` |
//! | a fully connected layer: `y := f(W x + b)`; `∂W := α δ xᵀ`, `∂b := α δ 1` | [`DnnFactory::fully_connected`], [`DnnFactory::fully_connected_backward_weights`] | a GEMM and `y` (the default); one pass where fused |
//! | `δ := δ ⊙ f'(z)`, given `a = f(z)` | [`DnnFactory::activation_grad`] | `δ`, `a` |
//! | softmax of each column | [`DnnFactory::softmax`] | each column (three sweeps, in cache) |
//! | a small network's whole forward and backward pass (gradients and cost) | [`DnnFactory::mlp_gradients`] | the inputs and targets, once |
//! | an optimizer's update of a parameter (gradient descent, momentum, Nesterov, Adam, RMSprop) | [`DnnFactory::update`] | the parameter, its gradient and state, once |
//!
//! A backend implements [`Dnn`]. Every method has a default composed from la-core
//! operations ([`composed`]), so any la-core factory runs every network before it has
//! a single kernel of its own; the native implementation (`crate::native::NativeDnn`,
//! picked for host factories by [`DnnFactory::new`]: native, MKL, OpenBLAS) overrides
//! them with fused, vectorised loops and adds the fused small-network pass. This module
//! is the abstraction only: it imports no implementation (the native one and the
//! composed defaults share the host convolution and pooling kernels of the crate's
//! `kernels` module, and `DnnFactory::new`, which chooses between them, lives above
//! both).

pub mod composed;
mod convolution;
mod fully_connected;
mod update;

pub use crate::geometry::{Convolution, PoolAlgo, Pooling};
pub use update::Update;

pub use crate::optimizer::FusedUpdate;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::{Check, Dense};

pub mod mlp;
pub use mlp::{
    Loss as MlpLoss, MlpLayer, MlpPass, MlpScratch, CHUNK as MLP_CHUNK,
    MAX_LAYERS as MLP_MAX_LAYERS, MAX_WIDTH as MLP_MAX_WIDTH,
};

/// Scratch memory the composed defaults use (a column of ones, temporaries, a host
/// column). It only grows, so a network that reuses its factory allocates nothing after
/// its first pass. Host implementations do not touch it.
#[derive(Debug, Default)]
pub struct Workspace<T: Scalar> {
    pub(crate) ones: Option<Vector<T>>,
    pub(crate) tmp: [Option<Vector<T>>; 2],
    pub(crate) host: Vec<T>,
    /// Per-thread patch buffers and partial sums of the native convolution.
    pub(crate) conv: Vec<T>,
}

/// DNN primitives on one backend (DESIGN principle 2: few, coarse traits). Engines
/// receive arguments that [`DnnFactory`] has validated: same factory, matching shapes,
/// supported activations.
pub trait Dnn<T: Scalar>: Send + Sync + Debug {
    /// The implementation's name (`native`, `composed`, ...).
    fn name(&self) -> String;

    /// `y := f(y + b)`, `b` broadcast over the columns; `op = None` only adds the bias.
    fn bias_activation(
        &self,
        ws: &mut Workspace<T>,
        op: Option<Unary<T>>,
        b: &VectorView<'_, T>,
        y: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        composed::bias_activation(ws, op, b, y)
    }

    /// A fully connected layer's forward pass, `y := f(w x + b)` (`op = None`: no
    /// activation): `w` is `m x k`, `x` `k x n`, `b` has `m` entries, `y` is `m x n`.
    /// The default is one GEMM, then [`bias_activation`](Self::bias_activation).
    fn fully_connected(
        &self,
        ws: &mut Workspace<T>,
        op: Option<Unary<T>>,
        (w, x, b): (&MatrixView<'_, T>, &MatrixView<'_, T>, &VectorView<'_, T>),
        y: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        mm_into(T::one(), w, x, T::zero(), y)?;
        self.bias_activation(ws, op, b, y)
    }

    /// A fully connected layer's parameter gradients from its error `d` (`m x n`) and
    /// input `x` (`k x n`): `dw := alpha d xᵀ` (`m x k`), `db := alpha d 1` (`m`). The
    /// default is one GEMM and one GEMV ([`composed::fully_connected_backward_weights`]).
    fn fully_connected_backward_weights(
        &self,
        ws: &mut Workspace<T>,
        alpha: T,
        (d, x): (&MatrixView<'_, T>, &MatrixView<'_, T>),
        dw: &mut MatrixViewMut<'_, T>,
        db: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        composed::fully_connected_backward_weights(ws, alpha, d, x, dw, db)
    }

    /// `d := d ⊙ f'(z)` from `a = f(z)`, for `Sigmoid`, `Tanh`, `Relu`, `Elu(α)`.
    fn activation_grad(
        &self,
        ws: &mut Workspace<T>,
        op: Unary<T>,
        a: &MatrixView<'_, T>,
        d: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        composed::activation_grad(ws, op, a, d)
    }

    /// Softmax of every column, in place, shifted by the column's maximum.
    fn softmax(&self, ws: &mut Workspace<T>, x: &mut MatrixViewMut<'_, T>) -> Result<()> {
        composed::softmax(ws, x)
    }

    /// `y := conv(x, w) + b` (see [`Convolution`]): `x`, `y` dense `nchw`, `w` dense
    /// `oihw`, `b` one per output channel, all contiguous. The default copies the
    /// operands through host memory and runs the native kernel
    /// ([`composed::convolution_forward`]): correct everywhere, as slow as the copies.
    fn convolution_forward(
        &self,
        ws: &mut Workspace<T>,
        g: &Convolution,
        x: &VectorView<'_, T>,
        w: &VectorView<'_, T>,
        b: &VectorView<'_, T>,
        y: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        composed::convolution_forward(ws, g, x, w, b, y)
    }

    /// `dx := ∂conv/∂xᵀ dy`, the error of the convolution's input.
    fn convolution_backward_data(
        &self,
        ws: &mut Workspace<T>,
        g: &Convolution,
        dy: &VectorView<'_, T>,
        w: &VectorView<'_, T>,
        dx: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        composed::convolution_backward_data(ws, g, dy, w, dx)
    }

    /// `dw := alpha Σ ∂conv/∂w`, `db := alpha Σ dy`, summed over the batch.
    #[allow(clippy::too_many_arguments)]
    fn convolution_backward_weights(
        &self,
        ws: &mut Workspace<T>,
        g: &Convolution,
        alpha: T,
        x: &VectorView<'_, T>,
        dy: &VectorView<'_, T>,
        dw: &mut VectorViewMut<'_, T>,
        db: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        composed::convolution_backward_weights(ws, g, alpha, x, dy, dw, db)
    }

    /// `y := pool(x)` (see [`Pooling`]); max pooling writes each output's source
    /// position in its plane into `arg` ([`Pooling::workspace_len`] elements).
    fn pooling_forward(
        &self,
        ws: &mut Workspace<T>,
        g: &Pooling,
        x: &VectorView<'_, T>,
        y: &mut VectorViewMut<'_, T>,
        arg: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        composed::pooling_forward(ws, g, x, y, arg)
    }

    /// `dx := ∂pool/∂xᵀ dy`, with `arg` as the forward pass left it.
    fn pooling_backward(
        &self,
        ws: &mut Workspace<T>,
        g: &Pooling,
        dy: &VectorView<'_, T>,
        arg: &VectorView<'_, T>,
        dx: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        composed::pooling_backward(ws, g, dy, arg, dx)
    }

    /// Elements of [`Workspace`] the implementation's convolution `g` uses (0 by
    /// default); [`DnnFactory::reserve`] makes room for it ahead of the first pass.
    fn convolution_workspace_len(&self, _g: &Convolution) -> usize {
        0
    }

    /// Whether [`Dnn::mlp_gradients`] is implemented.
    fn has_fused_mlp(&self) -> bool {
        false
    }

    /// The fused pass of a small network; returns the mean cost. The default is
    /// [`Error::Unsupported`].
    fn mlp_gradients(&self, pass: MlpPass<'_, '_, '_, T>) -> Result<T> {
        Err(Error::Unsupported {
            backend: pass.x.factory().name(),
            op: "mlp_gradients",
        })
    }

    /// One optimizer update of parameter `p` from its gradient `g` (which it may
    /// overwrite) and the optimizer's state `s` (as many buffers as
    /// [`Optimizer::state_buffers`](crate::optimizer::Optimizer::state_buffers)), all of
    /// `p`'s length, from the same factory. The default is
    /// [`Optimizer::step`](crate::optimizer::Optimizer::step): five to eight la-core
    /// passes. Backends override it with one pass ([`FusedUpdate`]).
    fn update<'a>(
        &self,
        ws: &mut Workspace<T>,
        step: &Update<T>,
        p: &mut VectorViewMut<'a, T>,
        g: &mut VectorViewMut<'a, T>,
        s: &mut [VectorViewMut<'a, T>],
    ) -> Result<()> {
        let _ = ws;
        step.optimizer.step(step.lr, step.t, p, g, s, step.decay)
    }
}

/// The implementation every factory gets when nothing better exists: all defaults.
#[derive(Debug, Default, Clone, Copy)]
pub struct ComposedDnn;

impl<T: Scalar> Dnn<T> for ComposedDnn {
    fn name(&self) -> String {
        "composed".into()
    }
}

/// A la-core factory with its DNN implementation (Deep Diamond's factory, which
/// provides a Neanderthal factory). Cheap to clone; each clone has its own
/// [`Workspace`], so a network that keeps one allocates nothing per pass.
///
/// ```
/// use la_core::prelude::*;
/// use la_core::engine::Unary;
/// use tensor_core::DnnFactory;
/// let dnn = DnnFactory::new(&native_double());
/// assert_eq!(dnn.dnn_name(), "native");
/// let mut y = dge(2, 2, &[-1.0, 1.0, 2.0, -3.0], Layout::ColumnMajor)?;
/// dnn.bias_activation(Some(Unary::Relu), &dv(&[0.5, 0.5]), &mut y)?;
/// assert_eq!(y.to_vec()?, vec![0.0, 1.5, 2.5, 0.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub struct DnnFactory<T: Scalar> {
    la: Factory<T>,
    dnn: Arc<dyn Dnn<T>>,
    ws: Mutex<Workspace<T>>,
}

impl<T: Scalar> Clone for DnnFactory<T> {
    fn clone(&self) -> Self {
        DnnFactory {
            la: self.la.clone(),
            dnn: Arc::clone(&self.dnn),
            ws: Mutex::default(),
        }
    }
}

impl<T: Scalar> Debug for DnnFactory<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DnnFactory({}, {})", self.la.name(), self.dnn.name())
    }
}

impl<T: Scalar> From<&Factory<T>> for DnnFactory<T> {
    fn from(la: &Factory<T>) -> Self {
        DnnFactory::new(la)
    }
}

impl<T: Scalar> From<Factory<T>> for DnnFactory<T> {
    fn from(la: Factory<T>) -> Self {
        DnnFactory::new(&la)
    }
}

impl<T: Scalar> From<&DnnFactory<T>> for DnnFactory<T> {
    fn from(f: &DnnFactory<T>) -> Self {
        f.clone()
    }
}

impl<T: Scalar> DnnFactory<T> {
    /// `la` with a given implementation (for backend crates: oneDNN, cuDNN).
    pub fn with(la: &Factory<T>, dnn: Arc<dyn Dnn<T>>) -> Self {
        DnnFactory {
            la: la.clone(),
            dnn,
            ws: Mutex::default(),
        }
    }

    /// The la-core factory.
    pub fn la(&self) -> &Factory<T> {
        &self.la
    }

    /// The DNN implementation's name.
    pub fn dnn_name(&self) -> String {
        self.dnn.name()
    }

    /// Elements of workspace the convolution `g` needs on this implementation.
    pub fn convolution_workspace_len(&self, g: &Convolution) -> usize {
        self.dnn.convolution_workspace_len(g)
    }

    /// Grows the workspace to at least `len` elements now, so that no pass allocates
    /// (a network reserves the largest of its layers' needs when it is built). A size
    /// the machine cannot hold is an error, not an abort.
    pub fn reserve(&self, len: usize) -> Result<()> {
        let mut ws = self.ws();
        if ws.conv.len() < len {
            let more = len - ws.conv.len();
            ws.conv
                .try_reserve_exact(more)
                .map_err(|e| Error::Precondition {
                    op: "reserve",
                    problems: vec![format!("a workspace of {len} elements: {e}")],
                })?;
            ws.conv.resize(len, T::zero());
        }
        Ok(())
    }

    /// Whether the fused small-network pass is available.
    pub fn has_fused_mlp(&self) -> bool {
        self.dnn.has_fused_mlp()
    }

    /// Every argument must come from this factory.
    fn require_same<const N: usize>(&self, op: &'static str, fs: [&Factory<T>; N]) -> Result<()> {
        fs.into_iter().try_for_each(|f| self.la.require_same(op, f))
    }

    fn ws(&self) -> std::sync::MutexGuard<'_, Workspace<T>> {
        // A panic while the lock was held leaves only scratch memory behind.
        self.ws.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `y := f(y + b)`: adds the bias `b` (one entry per row of `y`) to every column of
    /// `y` and applies `op` (`None`: the identity) in the same pass.
    pub fn bias_activation(
        &self,
        op: Option<Unary<T>>,
        b: &impl AsVector<T>,
        y: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        const OP: &str = "bias_activation";
        self.require_same(OP, [b.factory(), y.factory()])?;
        Check::new(OP)
            .require(b.dim() == y.mrows(), || {
                format!(
                    "the bias has {} entries but y has {} rows",
                    b.dim(),
                    y.mrows()
                )
            })
            .finish()?;
        self.dnn
            .bias_activation(&mut self.ws(), op, &b.view(), &mut y.view_mut())
    }

    /// `δ := δ ⊙ f'(z)` computed from the activation's output `a = f(z)`, for `op` one
    /// of `Sigmoid` (`a(1-a)`), `Tanh` (`1-a²`), `Relu` (`a > 0`) and `Elu(α)` (`1` or
    /// `a + α`). One fused pass (the book's backward step for an activation).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use la_core::engine::Unary;
    /// use tensor_core::DnnFactory;
    /// let a = dge(1, 2, &[0.5, 0.25], Layout::ColumnMajor)?;
    /// let mut d = dge(1, 2, &[1.0, 2.0], Layout::ColumnMajor)?;
    /// DnnFactory::new(&native_double()).activation_grad(Unary::Sigmoid, &a, &mut d)?;
    /// assert_eq!(d.to_vec()?, vec![0.25, 0.375]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn activation_grad(
        &self,
        op: Unary<T>,
        a: &impl AsMatrix<T>,
        d: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        const OP: &str = "activation_grad";
        self.require_same(OP, [a.factory(), d.factory()])?;
        Check::new(OP)
            .require(a.shape() == d.shape(), || {
                format!(
                    "a is {}x{} but d is {}x{}",
                    a.mrows(),
                    a.ncols(),
                    d.mrows(),
                    d.ncols()
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
        self.dnn
            .activation_grad(&mut self.ws(), op, &a.view(), &mut d.view_mut())
    }

    /// Softmax of every column of `x` (one sample per column), in place, shifted by the
    /// column's maximum so large inputs never overflow.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::DnnFactory;
    /// let mut x = dge(2, 1, &[1000.0, 1000.0], Layout::ColumnMajor)?;
    /// DnnFactory::new(&native_double()).softmax(&mut x)?;
    /// assert_eq!(x.to_vec()?, vec![0.5, 0.5]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn softmax(&self, x: &mut impl AsMatrixMut<T>) -> Result<()> {
        self.la.require_same("softmax", x.factory())?;
        self.dnn.softmax(&mut self.ws(), &mut x.view_mut())
    }

    /// The fused training pass of a small network (every layer at most
    /// [`MLP_MAX_WIDTH`] wide, at most [`MLP_MAX_LAYERS`] layers): forward pass, output
    /// error, backward pass and the gradients of the mean cost `C = (1/n) Σ loss(a, y)`
    /// over the `n` samples (columns) of `x` and `y`, in one sweep over the data, 64
    /// samples at a time with a chunk's activations and errors in registers and L1 (two
    /// threads for `n ≥ 4096`). For `f32` on AVX-512 CPUs it runs a register-tiled
    /// intrinsics kernel, otherwise a portable one that the compiler vectorises. Writes
    /// `∂C/∂W` and `∂C/∂b` of each layer into `grads` (one pair per layer, in order)
    /// and the output layer's activations into `out` (contiguous, column-major);
    /// returns `C` (quadratic: `Σ ‖a - y‖² / 2n`; mean absolute: `Σ |a - y| / n`;
    /// sigmoid cross-entropy: `-Σ y ln a + (1 - y) ln(1 - a) / n`, output must be
    /// sigmoid). Without a fused implementation ([`DnnFactory::has_fused_mlp`]):
    /// [`Error::Unsupported`].
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::dnn::{DnnFactory, MlpLayer, MlpLoss, MlpScratch};
    /// let f = native_double();
    /// let (w, b) = (dge(1, 1, &[2.0], Layout::ColumnMajor)?, dv(&[0.5]));
    /// let x = dge(1, 2, &[1.0, 3.0], Layout::ColumnMajor)?;
    /// let y = dge(1, 2, &[2.0, 6.0], Layout::ColumnMajor)?;
    /// let (mut gw, mut gb, mut out) = (f.ge(1, 1, Layout::ColumnMajor)?, f.vctr(1)?, f.ge(1, 2, Layout::ColumnMajor)?);
    /// let layer = MlpLayer { weights: w.view(), bias: b.view(), activation: None };
    /// let mut scratch = MlpScratch::new();
    /// let c = DnnFactory::new(&f).mlp_gradients(&x, &y, [layer], MlpLoss::Quadratic, [(gw.view_mut(), gb.view_mut())], &mut out, &mut scratch)?;
    /// // a = 2x + 0.5 = [2.5, 6.5], a - y = [0.5, 0.5]
    /// assert_eq!(out.to_vec()?, vec![2.5, 6.5]);
    /// assert_eq!(c, 0.125); // (0.25 + 0.25) / 4
    /// assert_eq!(gw.to_vec()?, vec![1.0]); // (0.5·1 + 0.5·3) / 2
    /// assert_eq!(gb.to_vec()?, vec![0.5]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn mlp_gradients<'a, 'g>(
        &self,
        x: &impl AsMatrix<T>,
        y: &impl AsMatrix<T>,
        layers: impl IntoIterator<Item = MlpLayer<'a, T>>,
        loss: MlpLoss,
        grads: impl IntoIterator<Item = (MatrixViewMut<'g, T>, VectorViewMut<'g, T>)>,
        out: &mut impl AsMatrixMut<T>,
        scratch: &mut MlpScratch<T>,
    ) -> Result<T> {
        const OP: &str = "mlp_gradients";
        self.la.require_same(OP, x.factory())?;
        // Fixed-size arrays: the training loop calls this every step, so no heap.
        let mut ls: [Option<MlpLayer<'a, T>>; MLP_MAX_LAYERS] = [None; MLP_MAX_LAYERS];
        let (mut nl, mut ng) = (0, 0);
        for l in layers {
            if let Some(slot) = ls.get_mut(nl) {
                *slot = Some(l);
            }
            nl += 1;
        }
        let mut gs: [Option<(MatrixViewMut<'g, T>, VectorViewMut<'g, T>)>; MLP_MAX_LAYERS] =
            Default::default();
        for g in grads {
            if let Some(slot) = gs.get_mut(ng) {
                *slot = Some(g);
            }
            ng += 1;
        }
        Check::new(OP)
            .require((1..=MLP_MAX_LAYERS).contains(&nl), || {
                format!("{nl} layers (the fused pass takes 1 to {MLP_MAX_LAYERS})")
            })
            .require(ng == nl, || format!("{nl} layers but {ng} gradient pairs"))
            .finish()?;
        let first = ls[0].expect("checked: at least one layer");
        let layers: [MlpLayer<'a, T>; MLP_MAX_LAYERS] = ls.map(|l| l.unwrap_or(first));
        self.dnn.mlp_gradients(MlpPass {
            x: x.view(),
            y: y.view(),
            layers: &layers[..nl],
            loss,
            grads: &mut gs[..nl],
            out: out.view_mut(),
            scratch,
        })
    }
}

/// [`DnnFactory::bias_activation`] on `y`'s factory (a one-off: it builds a
/// [`DnnFactory`]; networks keep one instead).
///
/// ```
/// use la_core::prelude::*;
/// use la_core::engine::Unary;
/// use tensor_core::dnn::bias_activation_inplace;
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
    DnnFactory::new(y.factory()).bias_activation(op, b, y)
}

/// [`DnnFactory::activation_grad`] on `d`'s factory (a one-off).
pub fn activation_grad_inplace<T: Scalar>(
    op: Unary<T>,
    a: &impl AsMatrix<T>,
    d: &mut impl AsMatrixMut<T>,
) -> Result<()> {
    DnnFactory::new(d.factory()).activation_grad(op, a, d)
}

/// [`DnnFactory::softmax`] on `x`'s factory (a one-off).
pub fn softmax_inplace<T: Scalar>(x: &mut impl AsMatrixMut<T>) -> Result<()> {
    DnnFactory::new(x.factory()).softmax(x)
}

/// [`DnnFactory::mlp_gradients`] on `x`'s factory (a one-off; a training network keeps
/// its [`DnnFactory`]).
#[allow(clippy::too_many_arguments)]
pub fn mlp_gradients<'a, 'g, T: Scalar>(
    x: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
    layers: impl IntoIterator<Item = MlpLayer<'a, T>>,
    loss: MlpLoss,
    grads: impl IntoIterator<Item = (MatrixViewMut<'g, T>, VectorViewMut<'g, T>)>,
    out: &mut impl AsMatrixMut<T>,
    scratch: &mut MlpScratch<T>,
) -> Result<T> {
    DnnFactory::new(x.factory()).mlp_gradients(x, y, layers, loss, grads, out, scratch)
}
