//! The book's inference network: a thin face of nn-dnn's one [`Network`] for a stack
//! of fully connected layers fed samples as the columns of a matrix.

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::Check;
use nn_core::{Activation, Init};
use nn_dnn::{dense, network, Blueprint, DenseLayer, Network};
use tensor_core::{desc, DataType, Desc, DnnFactory, TensorLayout, TensorView};

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

/// A fully connected layer, `y = activation(W x + b)` with `W` `outputs x inputs`
/// (column-major): nn-dnn's dense layer, which owns its passes.
pub type FullyConnected<T> = DenseLayer<T>;

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

/// A network for inference (the book's `inference-network`): nn-dnn's [`Network`] of
/// dense layers on `[batch, features]`, fed and read as the book's matrices (one
/// sample per column: the same memory as the `[n, features]` tensor, no copy).
#[derive(Debug)]
pub struct InferenceNetwork<T: Scalar> {
    shape: InputShape,
    net: Network<T>,
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
/// # Ok::<(), nn_inference::Error>(())
/// ```
pub fn inference_network<T: Scalar>(
    factory: impl Into<DnnFactory<T>>,
    input: impl Into<InputShape>,
    layers: &[LayerSpec<T>],
) -> nn_core::Result<InferenceNetwork<T>> {
    let dnn: DnnFactory<T> = factory.into();
    let shape: InputShape = input.into();
    let features = shape.features();
    let mut c = Check::new("inference_network");
    c.require(features > 0, || {
        format!("the input dimension is 0 (sample shape {:?})", shape.sample)
    })
    .require(!layers.is_empty(), || "no layers were given".into())
    .require(shape.dtype.is_none_or(|d| d == DataType::of::<T>()), || {
        format!(
            "the input descriptor holds {:?} but the factory's elements are {}",
            shape.dtype.unwrap_or(DataType::of::<T>()),
            T::NAME
        )
    })
    .require(shape.batch != Some(0), || {
        "the descriptor's batch is 0".into()
    });
    for (i, l) in layers.iter().enumerate() {
        c.require(l.outputs > 0, || format!("layer {i} has 0 outputs"));
    }
    c.finish()?;
    let blueprints: Vec<Blueprint<T>> = layers
        .iter()
        .map(|l| dense(l.outputs, l.activation))
        .collect();
    let input = samples_desc::<T>(shape.batch.unwrap_or(1), features)?;
    Ok(InferenceNetwork {
        net: network(dnn, input, &blueprints)?,
        shape,
    })
}

/// `[batch, features]`, the network's input.
pub(crate) fn samples_desc<T: Scalar>(batch: usize, features: usize) -> la_core::Result<Desc> {
    desc([batch, features], DataType::of::<T>(), TensorLayout::Nc)
}

impl<T: Scalar> std::fmt::Display for InferenceNetwork<T> {
    /// One line per layer with its inferred shapes, as the book's REPL prints a network.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let batch = self.shape.batch.map_or("n".to_string(), |b| b.to_string());
        let sample: Vec<String> = self.shape.sample.iter().map(usize::to_string).collect();
        writeln!(
            f,
            "#InferenceNetwork[{}, input [{batch} {}]]",
            self.net.dnn().la().name(),
            sample.join(" ")
        )?;
        for l in self.layers() {
            let (m, k) = (l.outputs(), l.inputs());
            let act = l.activation().name();
            writeln!(
                f,
                "  fully_connected {k} -> {m} {act}  (weights {m}x{k}, output [{batch} {m}])"
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
        self.shape.features()
    }

    /// The output dimension.
    pub fn output_dim(&self) -> usize {
        self.net.output_desc().shape()[1]
    }

    /// The fully connected layers, in order (dropout layers a training run added are
    /// not among them).
    pub fn layers(&self) -> Vec<&FullyConnected<T>> {
        self.net
            .layers()
            .iter()
            .filter_map(|l| l.as_dense())
            .collect()
    }

    /// The layers, writable (to set weights and biases).
    pub fn layers_mut(&mut self) -> Vec<&mut FullyConnected<T>> {
        self.net
            .layers_mut()
            .iter_mut()
            .filter_map(|l| l.as_dense_mut())
            .collect()
    }

    /// The one [`Network`] this is a view of (to train it with nn-dnn's `train`,
    /// save it, or read its layers).
    pub fn network(&self) -> &Network<T> {
        &self.net
    }

    /// The network, writable.
    pub fn network_mut(&mut self) -> &mut Network<T> {
        &mut self.net
    }

    /// The network, taken out of its book face.
    pub fn into_network(self) -> Network<T> {
        self.net
    }

    /// Initialises every layer's weights from `rng` with `scheme`; biases become 0.
    pub fn init(&mut self, rng: &mut impl RngCore, scheme: Init) -> nn_core::Result<()> {
        self.net.init(rng, scheme)
    }

    /// Makes the network's buffers hold exactly `batch` samples, the mini-batch of
    /// its training (the parameters are kept; nothing is allocated when they already
    /// do).
    pub fn set_batch(&mut self, batch: usize) -> nn_core::Result<()> {
        if self.net.batch() != batch {
            let input = samples_desc::<T>(batch, self.input_dim())?;
            self.net = self.net.rebuilt(input, self.net.blueprints())?;
        }
        Ok(())
    }

    /// Rebuilds the network with `blueprints` (a dropout added or removed), keeping
    /// its batch and parameters.
    pub fn set_blueprints(&mut self, blueprints: &[Blueprint<T>]) -> nn_core::Result<()> {
        self.net = self.net.rebuilt(self.net.input_desc(), blueprints)?;
        Ok(())
    }

    /// Runs the network on a batch `x` (`input_dim x batch`, one sample per column) and
    /// returns a view of the output (`output_dim x batch`), which lives in the network's
    /// own buffer until the next call (the book's `(net x)`). The buffers grow to the
    /// largest batch seen (allocating then only).
    pub fn infer(&mut self, x: &impl AsMatrix<T>) -> nn_core::Result<MatrixView<'_, T>> {
        Check::new("infer")
            .require(x.mrows() == self.input_dim(), || {
                format!(
                    "the network takes {} inputs but x is {}x{}",
                    self.input_dim(),
                    x.mrows(),
                    x.ncols()
                )
            })
            .require(x.ncols() > 0, || "x has no samples (0 columns)".into())
            .finish()?;
        self.net.dnn().la().require_same("infer", x.factory())?;
        let n = x.ncols();
        if n > self.net.batch() {
            self.set_batch(n)?;
        }
        let y = match TensorView::of_samples(x) {
            Ok(xt) => self.net.forward(&xt)?,
            Err(_) => {
                // a strided or row-major x: one copy into a dense batch
                let mut dense = x.factory().ge(x.mrows(), n, Layout::ColumnMajor)?;
                copy_into(x, &mut dense)?;
                self.net.forward(&TensorView::of_samples(&dense)?)?
            }
        };
        Ok(y.into_columns()?)
    }
}

impl<T: Scalar> InferenceNetwork<T> {
    /// The book's face of `net` when it is one: dense layers (and dropout, identity at
    /// inference) on `[batch, features]`; else `net` back, boxed.
    pub fn from_network(net: Network<T>) -> std::result::Result<Self, Box<Network<T>>> {
        let dense_only = net.input_desc().rank() == 2
            && net
                .blueprints()
                .iter()
                .all(|b| matches!(b.kind(), "dense" | "dropout"))
            && net.layers().last().is_some_and(|l| l.as_dense().is_some());
        if !dense_only {
            return Err(Box::new(net));
        }
        let features = net.input_desc().shape()[1];
        Ok(InferenceNetwork {
            shape: features.into(),
            net,
        })
    }
}
