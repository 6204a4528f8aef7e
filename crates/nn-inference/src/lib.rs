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
//! # Ok::<(), la_core::Error>(())
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
//! ## Memory ("Sharing memory")
//!
//! A network allocates, once per batch size, two buffers that all layers share: layer
//! `i` writes into buffer `i % 2` (a submatrix view), reading the previous layer's
//! output from the other. Repeated `infer` calls with the same batch size allocate
//! nothing. Each layer is one GEMM (`W x`) followed by one fused pass over its output
//! that adds the bias (broadcast over the batch, nothing materialised) and applies the
//! activation on the layer's [`tensor_core::DnnFactory`] (tensor-core's DNN
//! primitives: native kernels on host factories, composed la-core operations elsewhere). Softmax takes one more pass per column.
//!
//! Activations are values with a forward pass and a derivative
//! ([`Activation::backward_inplace`], computed from the activation's output in one fused
//! pass): `nn-train` builds its backward pass on them.
#![forbid(unsafe_code)]

mod network;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use network::{
    fully_connected, inference_network, FullyConnected, InferenceNetwork, InputShape, LayerSpec,
};
// The vocabulary every network crate shares (nn-core), under the names the book's
// Part II code has always used.
pub use nn_core::{Activation, Init};
