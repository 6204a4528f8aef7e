//! Layers, activations, networks and initialisation.

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::{sparse_mm_into, CscMatrix};
use la_core::Check;
use nn_core::{Activation, Init};
use tensor_core::{DataType, Desc, DnnFactory};

/// What a layer should be, before a network builds it (the book's `(fully-connected n act)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerSpec<T> {
    /// Output dimension (number of neurons).
    pub outputs: usize,
    /// The activation.
    pub activation: Activation<T>,
}

/// A fully connected layer of `outputs` neurons (the book's `fully-connected`).
pub fn fully_connected<T>(outputs: usize, activation: Activation<T>) -> LayerSpec<T> {
    LayerSpec {
        outputs,
        activation,
    }
}

/// A fully connected layer: `y = activation(W x + b)`, `W` is `outputs x inputs`.
/// It runs its passes on its own [`DnnFactory`].
#[derive(Debug)]
pub struct FullyConnected<T: Scalar> {
    weights: Matrix<T>,
    bias: Vector<T>,
    activation: Activation<T>,
    dnn: DnnFactory<T>,
}

impl<T: Scalar> FullyConnected<T> {
    /// The weights, `outputs x inputs` (column-major).
    pub fn weights(&self) -> &Matrix<T> {
        &self.weights
    }
    /// The weights, writable.
    pub fn weights_mut(&mut self) -> &mut Matrix<T> {
        &mut self.weights
    }
    /// The bias, one per neuron.
    pub fn bias(&self) -> &Vector<T> {
        &self.bias
    }
    /// The bias, writable.
    pub fn bias_mut(&mut self) -> &mut Vector<T> {
        &mut self.bias
    }
    /// The activation.
    pub fn activation(&self) -> Activation<T> {
        self.activation
    }

    /// The DNN factory the layer runs its passes on.
    pub fn dnn(&self) -> &DnnFactory<T> {
        &self.dnn
    }

    /// `y := activation(W x + b)` for a batch `x` (one sample per column) into `y`:
    /// the layer's [`DnnFactory::fully_connected`] (one GEMM, then bias and activation
    /// fused in one pass over `y`; one launch on tensor-opencl for small layers), then
    /// softmax when that is the activation.
    pub fn forward(&self, x: &impl AsMatrix<T>, y: &mut impl AsMatrixMut<T>) -> Result<()> {
        let act = self.activation;
        self.dnn
            .fully_connected(act.unary(), &self.weights, x, &self.bias, y)?;
        if act == Activation::Softmax {
            self.dnn.softmax(y)?;
        }
        Ok(())
    }

    /// [`forward`](Self::forward) for a sparse batch (bag-of-words, one-hot inputs): the
    /// product costs `O(outputs · nonzeros)` ([`la_core::sparse`]); host factories only.
    pub fn forward_sparse(&self, x: &CscMatrix<T>, y: &mut impl AsMatrixMut<T>) -> Result<()> {
        sparse_mm_into(T::one(), &self.weights, x, T::zero(), y)?;
        self.activation.bias_forward_with(&self.dnn, &self.bias, y)
    }
}

/// Buffers sized for one batch size, shared by all layers.
#[derive(Debug)]
struct Buffers<T: Scalar> {
    batch: usize,
    ping: [Matrix<T>; 2],
}

/// What a network takes: the shape of one sample, and optionally the batch size — a
/// width (`784`), a tensor descriptor (`desc([128, 1, 28, 28], ..)`, dimension 0 is
/// the batch), or the dimensions of one sample (`[1, 28, 28]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputShape {
    /// The samples in a batch, when the descriptor gave them.
    pub batch: Option<usize>,
    /// The shape of one sample.
    pub sample: Vec<usize>,
    /// The element type, when the descriptor gave it (checked against the factory).
    pub dtype: Option<DataType>,
}

impl InputShape {
    /// The number of features of one sample (the product of its shape; `usize::MAX`
    /// when the product overflows, which no factory can allocate).
    pub fn features(&self) -> usize {
        self.sample
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .unwrap_or(usize::MAX)
    }
}

impl From<usize> for InputShape {
    fn from(width: usize) -> Self {
        InputShape {
            batch: None,
            sample: vec![width],
            dtype: None,
        }
    }
}

impl From<Desc> for InputShape {
    fn from(d: Desc) -> Self {
        InputShape {
            batch: d.shape().first().copied(),
            sample: d.shape()[1..].to_vec(),
            dtype: Some(d.dtype()),
        }
    }
}

impl<const N: usize> From<[usize; N]> for InputShape {
    fn from(sample: [usize; N]) -> Self {
        InputShape {
            batch: None,
            sample: sample.to_vec(),
            dtype: None,
        }
    }
}

/// A network for inference (the book's `inference-network`).
#[derive(Debug)]
pub struct InferenceNetwork<T: Scalar> {
    factory: Factory<T>,
    shape: InputShape,
    input: usize,
    layers: Vec<FullyConnected<T>>,
    buffers: Option<Buffers<T>>,
}

/// Builds a network on `factory` (a la-core [`Factory`] or a [`DnnFactory`]) for
/// inputs of shape `input` (the book's `(inference-network fac input [layers])`; a
/// width, or a tensor descriptor as in Deep Diamond's `(network (desc [128 1 28 28]
/// :float :nchw) [...])`, whose sample dimensions a fully connected layer reads as one
/// vector). Each layer's shape is inferred from the one before; `Display` prints them.
/// Weights start at zero: call [`InferenceNetwork::init`] or set them.
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation};
/// use tensor_core::{desc, DataType, TensorLayout};
/// let input = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
/// let net = inference_network(&native_float(), input, &[
///     fully_connected(16, Activation::Relu),
///     fully_connected(10, Activation::Softmax),
/// ])?;
/// assert_eq!(net.input_dim(), 784);
/// assert!(net.to_string().contains("fully_connected 784 -> 16 relu"));
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn inference_network<T: Scalar>(
    factory: impl Into<DnnFactory<T>>,
    input: impl Into<InputShape>,
    layers: &[LayerSpec<T>],
) -> Result<InferenceNetwork<T>> {
    let dnn: DnnFactory<T> = factory.into();
    let shape: InputShape = input.into();
    let input = shape.features();
    let factory = dnn.la();
    let mut c = Check::new("inference_network");
    c.require(input > 0, || {
        format!("the input dimension is 0 (sample shape {:?})", shape.sample)
    })
    .require(!layers.is_empty(), || "no layers were given".into())
    .require(shape.dtype.is_none_or(|d| d == DataType::of::<T>()), || {
        format!(
            "the input descriptor holds {:?} but the factory's elements are {}",
            shape.dtype.unwrap_or(DataType::of::<T>()),
            T::NAME
        )
    });
    for (i, l) in layers.iter().enumerate() {
        c.require(l.outputs > 0, || format!("layer {i} has 0 outputs"));
        if let Activation::Elu(alpha) = l.activation {
            c.require(alpha.is_finite(), || {
                format!("layer {i}: elu's alpha must be finite, but it is {alpha}")
            });
        }
    }
    c.finish()?;
    let mut built = Vec::with_capacity(layers.len());
    let mut fan_in = input;
    for l in layers {
        built.push(FullyConnected {
            weights: factory.ge(l.outputs, fan_in, Layout::ColumnMajor)?,
            bias: factory.vctr(l.outputs)?,
            activation: l.activation,
            dnn: dnn.clone(),
        });
        fan_in = l.outputs;
    }
    Ok(InferenceNetwork {
        factory: factory.clone(),
        shape,
        input,
        layers: built,
        buffers: None,
    })
}

impl<T: Scalar> std::fmt::Display for InferenceNetwork<T> {
    /// One line per layer with its inferred shapes, as the book's REPL prints a network.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let batch = self.shape.batch.map_or("n".to_string(), |b| b.to_string());
        writeln!(
            f,
            "#InferenceNetwork[{}, input [{batch} {}]]",
            self.factory.name(),
            self.shape
                .sample
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        )?;
        for l in &self.layers {
            writeln!(
                f,
                "  fully_connected {} -> {} {}  (weights {}x{}, output [{batch} {}])",
                l.weights.ncols(),
                l.weights.mrows(),
                l.activation.name(),
                l.weights.mrows(),
                l.weights.ncols(),
                l.weights.mrows()
            )?;
        }
        Ok(())
    }
}

impl<T: Scalar> InferenceNetwork<T> {
    /// The input's shape (one sample, and the batch when a descriptor gave it).
    pub fn input_shape(&self) -> &InputShape {
        &self.shape
    }

    /// The input dimension.
    pub fn input_dim(&self) -> usize {
        self.input
    }

    /// The output dimension.
    pub fn output_dim(&self) -> usize {
        self.layers.last().map_or(0, |l| l.weights.mrows())
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[FullyConnected<T>] {
        &self.layers
    }

    /// The layers, writable (to set weights and biases).
    pub fn layers_mut(&mut self) -> &mut [FullyConnected<T>] {
        &mut self.layers
    }

    /// Initialises every layer's weights from `rng` with `scheme`; biases become 0.
    pub fn init(&mut self, rng: &mut impl RngCore, scheme: Init) -> Result<()> {
        for l in &mut self.layers {
            let (fan_out, fan_in) = (l.weights.mrows(), l.weights.ncols());
            scheme.draw(rng, &mut l.weights, fan_in, fan_out)?;
            fill(&mut l.bias, T::zero())?;
        }
        Ok(())
    }

    /// Makes sure the shared buffers fit `batch` samples (allocates only when it changes).
    fn buffers_for(&mut self, batch: usize) -> Result<()> {
        if self.buffers.as_ref().is_some_and(|b| b.batch == batch) {
            return Ok(());
        }
        let widest = self
            .layers
            .iter()
            .map(|l| l.weights.mrows())
            .max()
            .unwrap_or(0);
        let ping = [
            self.factory.ge(widest, batch, Layout::ColumnMajor)?,
            self.factory.ge(widest, batch, Layout::ColumnMajor)?,
        ];
        self.buffers = Some(Buffers { batch, ping });
        Ok(())
    }

    /// Runs the network on a batch `x` (`input_dim x batch`, one sample per column) and
    /// returns a view of the output (`output_dim x batch`), which lives in the network's
    /// own buffer until the next call (the book's `(net x)`).
    pub fn infer(&mut self, x: &impl AsMatrix<T>) -> Result<MatrixView<'_, T>> {
        Check::new("infer")
            .require(x.mrows() == self.input, || {
                format!(
                    "the network takes {} inputs but x is {}x{}",
                    self.input,
                    x.mrows(),
                    x.ncols()
                )
            })
            .require(x.ncols() > 0, || "x has no samples (0 columns)".into())
            .finish()?;
        self.factory.require_same("infer", x.factory())?;
        let batch = x.ncols();
        self.buffers_for(batch)?;
        let factory = &self.factory;
        let Buffers { ping, .. } = self.buffers.as_mut().ok_or_else(|| Error::Backend {
            backend: factory.name(),
            message: "infer: the network's buffers are missing".into(),
        })?;
        let [a, b] = ping;
        for (i, layer) in self.layers.iter().enumerate() {
            let rows = layer.weights.mrows();
            let (src, dst) = if i % 2 == 0 {
                (&*b, &mut *a)
            } else {
                (&*a, &mut *b)
            };
            let mut y = dst.submatrix_mut(0, 0, rows, batch)?;
            if i == 0 {
                layer.forward(x, &mut y)?;
            } else {
                let prev = self.layers[i - 1].weights.mrows();
                layer.forward(&src.submatrix(0, 0, prev, batch)?, &mut y)?;
            }
        }
        let last = self.layers.len() - 1;
        let rows = self.layers[last].weights.mrows();
        let out = if last.is_multiple_of(2) { &*a } else { &*b };
        out.submatrix(0, 0, rows, batch)
    }
}
