//! The layer abstraction (DESIGN principle 5; Deep Diamond's layer blueprints and
//! their `forward`/`backward` protocols): a layer owns its parameters, their
//! gradients and whatever its backward pass needs from the forward one (max pooling's
//! argmax, dropout's mask); the network owns the tensors between layers and the one
//! [`DnnFactory`] whose workspace all layers share.

use std::fmt::Debug;

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::CscMatrix;
use nn_core::Result;
use nn_core::{Activation, Init};
use tensor_core::{Desc, DnnFactory, TensorView, TensorViewMut};

/// One trainable parameter of a layer with its gradient, as a flat vector (the
/// optimizer updates it element by element).
#[derive(Debug)]
pub struct Param<'a, T: Scalar> {
    /// The values.
    pub value: &'a mut Vector<T>,
    /// `∂C/∂value` of the last backward pass (the mean over the batch).
    pub grad: &'a mut Vector<T>,
    /// Whether weight decay applies (weights yes, biases no).
    pub decay: bool,
    /// The logical shape, as PyTorch stores it: `[oc, c, kh, kw]` for a convolution's
    /// weights, `[out, in]` for a dense layer's, `[n]` for biases.
    pub shape: &'a [usize],
    /// The name PyTorch gives it (`weight`, `bias`).
    pub name: &'static str,
}

/// The visitor of [`Layer::param_values`]: a parameter's values, shape and name.
pub type ParamValues<'v, T> = dyn FnMut(&Vector<T>, &[usize], &'static str) -> Result<()> + 'v;

/// A layer of a [`Network`](crate::Network): forward, backward, parameters, and the
/// workspace it needs. Tensors are passed for the batch at hand (`n` samples, at most
/// the network's batch), dense, in the layer's own input and output descriptors with
/// dimension 0 set to `n`.
pub trait Layer<T: Scalar>: Debug + Send {
    /// The blueprint's name (`convo`, `pooling`, `dense`, `dropout`).
    fn kind(&self) -> &'static str;

    /// The output descriptor for the network's full batch.
    fn output_desc(&self) -> Desc;

    /// The activation applied to the output, if the layer has one.
    fn activation(&self) -> Option<Activation<T>> {
        None
    }

    /// `y := layer(x)`; `training` turns on what only training does (dropout) and
    /// keeps what the backward pass needs.
    fn forward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &mut TensorViewMut<'_, T>,
        training: bool,
    ) -> Result<()>;

    /// The backward pass after a training forward pass with the same `x` and `y`. `dy`
    /// is `n · ∂C/∂y` (the error of the output, the `1/n` of a mean cost left out),
    /// or, when `pre_activation`, the error before the layer's activation (the cost
    /// folded the activation's derivative in); the layer may overwrite it. Writes the
    /// parameter gradients (`∂C/∂θ`, the `1/n` applied) and, when `dx` is given, the
    /// error of the input (`n · ∂C/∂x`).
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        dx: Option<&mut TensorViewMut<'_, T>>,
        pre_activation: bool,
    ) -> Result<()>;

    /// `y := layer(x)` for sparse input: `x` holds `n` samples as the columns of a
    /// `features x n` CSC matrix (a bag of words), for a first layer that can take it
    /// (a dense layer). The default is an error naming the layer.
    fn forward_sparse(
        &mut self,
        _dnn: &DnnFactory<T>,
        _x: &CscMatrix<T>,
        _y: &mut TensorViewMut<'_, T>,
        _training: bool,
    ) -> Result<()> {
        Err(sparse_unsupported(self.kind()))
    }

    /// The backward pass after [`forward_sparse`](Self::forward_sparse), as
    /// [`backward`](Self::backward) without the input's error (nothing lies below
    /// a sparse input). The default is an error naming the layer.
    fn backward_sparse(
        &mut self,
        _dnn: &DnnFactory<T>,
        _x: &CscMatrix<T>,
        _y: &TensorView<'_, T>,
        _dy: &mut TensorViewMut<'_, T>,
        _pre_activation: bool,
    ) -> Result<()> {
        Err(sparse_unsupported(self.kind()))
    }

    /// Visits every parameter with its gradient (none by default).
    fn params(&mut self, _visit: &mut dyn FnMut(Param<'_, T>) -> Result<()>) -> Result<()> {
        Ok(())
    }

    /// Visits every parameter read-only: its values, shape and name (what saving
    /// needs); none by default.
    fn param_values(&self, _visit: &mut ParamValues<'_, T>) -> Result<()> {
        Ok(())
    }

    /// The number of trainable values.
    fn param_count(&self) -> usize {
        0
    }

    /// How the values of the two-dimensional parameter `name` lie in its flat vector:
    /// [`Layout::RowMajor`] (PyTorch's order of its `shape`; the default, and what
    /// parameters of other ranks must use) or [`Layout::ColumnMajor`] (the dense
    /// layer's weights). Saving and loading convert, so files always hold PyTorch's
    /// order.
    fn param_order(&self, _name: &str) -> Layout {
        Layout::RowMajor
    }

    /// Draws the weights with `scheme` (fan-in and fan-out as the layer defines them)
    /// and zeroes the biases.
    fn init(&mut self, _rng: &mut dyn RngCore, _scheme: Init) -> Result<()> {
        Ok(())
    }

    /// The layer's random generator, if its passes draw numbers (dropout's masks;
    /// `None` by default): a checkpoint saves its state and a resumed run restores
    /// it, so the masks after a resume are the ones an uninterrupted run draws.
    fn rng_mut(&mut self) -> Option<&mut la_core::random::Rng> {
        None
    }

    /// This layer as the built-in dense layer, if it is one (`None` by default): the
    /// network trains a small all-dense network in one fused pass over the batch
    /// (tensor-core's `mlp_gradients`), which reads the dense layers' weights directly.
    fn as_dense_mut(&mut self) -> Option<&mut crate::DenseLayer<T>> {
        None
    }

    /// This layer as the built-in dense layer, read-only (`None` by default).
    fn as_dense(&self) -> Option<&crate::DenseLayer<T>> {
        None
    }

    /// Elements of the [`DnnFactory`] workspace the layer's primitives use (the
    /// network reserves the largest once, so no pass allocates).
    fn workspace_len(&self, _dnn: &DnnFactory<T>) -> usize {
        0
    }
}

/// The error of a layer asked to take sparse input that cannot.
fn sparse_unsupported(kind: &str) -> nn_core::Error {
    la_core::Error::Precondition {
        op: "sparse input",
        problems: vec![format!(
            "a {kind} layer cannot take sparse input: the first layer must be dense"
        )],
    }
    .into()
}

/// `d := d ⊙ f'(y)` for a layer's activation (nothing for linear; softmax only as an
/// output layer whose cost folded it in).
pub(crate) fn activation_backward<T: Scalar>(
    dnn: &DnnFactory<T>,
    act: Activation<T>,
    y: &TensorView<'_, T>,
    dy: &mut TensorViewMut<'_, T>,
) -> Result<()> {
    use tensor_core::{AsTensor, AsTensorMut};
    act.backward_with(dnn, &y.view_mat()?, &mut dy.view_mat_mut()?)?;
    Ok(())
}
