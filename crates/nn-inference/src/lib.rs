//! # nn-inference: the book's inference API on any la-core factory
//!
//! ```
//! use la_core::prelude::*;
//! use nn_inference::{fully_connected, inference_network, Activation, Init};
//!
//! let fac = native_float();
//! let mut net = inference_network(&fac, 784, &[
//!     fully_connected(16, Activation::Sigmoid),
//!     fully_connected(10, Activation::Sigmoid),
//! ])?;
//! net.init(&mut seeded_rng(42), Init::Book)?;
//! let x = fac.ge(784, 32, Layout::ColumnMajor)?; // a batch: one sample per column
//! let y = net.infer(&x)?;
//! assert_eq!((y.mrows(), y.ncols()), (10, 32));
//! # Ok::<(), nn_inference::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Deep Diamond / the book | nn-inference |
//! |---|---|
//! | `(fully-connected 16 :sigmoid)` | [`fully_connected(16, Activation::Sigmoid)`](fully_connected) |
//! | `(inference-network fac 784 [...])`, `(network (desc [128 1 28 28] :float :nchw) [...])` | [`inference_network(&fac, 784, &[...])`](inference_network), or a [`tensor_core::Desc`] as the input ([`InputShape`]) |
//! | `(init! net)` | [`InferenceNetwork::init`] with [`Init::Book`] (normal, σ = 1/fan-in), [`Init::Glorot`], [`Init::He`] |
//! | `(net x)`, `(net x y)` | [`InferenceNetwork::infer`] (a view of the network's own output buffer) |
//! | `(weights layer)`, `(bias layer)` | [`FullyConnected::weights`], [`FullyConnected::bias`] and `_mut` |
//! | `:relu :sigmoid :tanh :linear :elu :softmax` | [`Activation`] (forward and derivative) |
//!
//! ## One network underneath
//!
//! An [`InferenceNetwork`] is a face of nn-dnn's one [`nn_dnn::Network`]: the layers
//! are nn-dnn's dense layers ([`FullyConnected`] is [`nn_dnn::DenseLayer`]) on
//! `[batch, features]`, and a batch of samples as the columns of a column-major
//! matrix is that tensor's memory, so `infer` copies nothing
//! ([`tensor_core::TensorView::of_samples`]). [`InferenceNetwork::network`] reaches
//! the network itself (nn-dnn's training loop, checkpoints, saving).
//!
//! ## Memory ("Sharing memory")
//!
//! The network allocates its layers' output tensors once for the largest batch it has
//! seen; `infer` with that batch or a smaller one allocates nothing. Each layer is
//! one GEMM (`W x`) followed by one fused pass over its output that adds the bias
//! and applies the activation on the network's [`tensor_core::DnnFactory`]. Softmax
//! takes one more pass per column.
#![forbid(unsafe_code)]

mod network;

pub use network::{
    fully_connected, inference_network, FullyConnected, InferenceNetwork, InputShape, LayerSpec,
};
pub use nn_core::{Error, Result};
// The vocabulary every network crate shares (nn-core), under the names the book's
// Part II code has always used.
pub use nn_core::{Activation, Init};
