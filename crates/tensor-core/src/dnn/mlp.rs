//! The fused small-network pass as a DNN capability ([`DnnFactory::mlp_gradients`]):
//! its arguments, its limits, its cost and the working memory a caller keeps; the
//! native implementation (`crate::native::mlp`) runs it.

use la_core::engine::Unary;
use la_core::prelude::*;

#[allow(unused_imports)] // rustdoc links
use super::DnnFactory;

/// Samples per chunk (the lanes of every activation array). Batches smaller than this
/// waste lanes; `nn-train` keeps them on the layer-by-layer passes.
pub const CHUNK: usize = 64;
/// The widest layer (inputs included) the fused pass takes.
pub const MAX_WIDTH: usize = 64;
/// The most layers the fused pass takes.
pub const MAX_LAYERS: usize = 6;

/// The loss: how the output error is formed and what is summed as the cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// `Σ (a - y)² / 2`, error `(a - y) f'`.
    Quadratic,
    /// `Σ |a - y|`, error `sign(a - y) f'`.
    MeanAbsolute,
    /// `-Σ y ln a + (1 - y) ln(1 - a)` with a sigmoid output, error `a - y`.
    SigmoidCrossEntropy,
}

/// Working memory for [`crate::DnnFactory::mlp_gradients`] (each thread's gradient
/// accumulators): it grows on first use, after which the pass allocates nothing. Keep
/// one per training network.
#[derive(Debug, Clone, Default)]
pub struct MlpScratch<T> {
    pub(crate) buf: Vec<T>,
}

impl<T> MlpScratch<T> {
    /// Empty working memory.
    pub fn new() -> Self {
        MlpScratch { buf: Vec::new() }
    }
}

/// A fully connected layer for [`DnnFactory::mlp_gradients`]: `a = f(W x + b)`.
#[derive(Debug, Clone, Copy)]
pub struct MlpLayer<'a, T: Scalar> {
    /// `W`, outputs x inputs (either layout, any leading dimension).
    pub weights: MatrixView<'a, T>,
    /// `b`, one entry per output.
    pub bias: VectorView<'a, T>,
    /// `f`: `None` (linear), `Sigmoid`, `Tanh`, `Relu` or `Elu(α)`.
    pub activation: Option<Unary<T>>,
}

/// The arguments of the fused small-network pass (see [`DnnFactory::mlp_gradients`]).
#[derive(Debug)]
pub struct MlpPass<'p, 'a, 'g, T: Scalar> {
    /// The inputs, one sample per column.
    pub x: MatrixView<'p, T>,
    /// The targets, one sample per column.
    pub y: MatrixView<'p, T>,
    /// The layers, input to output.
    pub layers: &'p [MlpLayer<'a, T>],
    /// The cost.
    pub loss: Loss,
    /// `(∂C/∂W, ∂C/∂b)` of each layer, in the layers' order (`None` past the last).
    pub grads: &'p mut [Option<(MatrixViewMut<'g, T>, VectorViewMut<'g, T>)>],
    /// The output layer's activations (contiguous, column-major).
    pub out: MatrixViewMut<'p, T>,
    /// The accumulators kept between calls.
    pub scratch: &'p mut MlpScratch<T>,
}
