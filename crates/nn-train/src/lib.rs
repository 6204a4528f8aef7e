//! # nn-train: the book's training API on any la-core factory
//!
//! Parts III–V of *Deep Learning for Programmers*: the backward pass, costs,
//! gradient descent and its refinements, written once against `la-core` so the same
//! code trains on native, MKL/OpenBLAS and OpenCL factories.
//!
//! ```
//! use la_core::prelude::*;
//! use nn_inference::{fully_connected, inference_network, Activation, Init};
//! use nn_train::{sgd, training_network, Cost, Optimizer};
//!
//! let fac = native_float();
//! let mut net = inference_network(&fac, 2, &[
//!     fully_connected(8, Activation::Tanh),
//!     fully_connected(1, Activation::Sigmoid),
//! ])?;
//! net.init(&mut seeded_rng(1), Init::Glorot)?;
//! // XOR, one sample per column
//! let x = fge(2, 4, &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], Layout::ColumnMajor)?;
//! let y = fge(1, 4, &[0.0, 1.0, 1.0, 0.0], Layout::ColumnMajor)?;
//! let mut train = training_network(&mut net, &x, Optimizer::default())?;
//! let costs = sgd(&mut train, &y, Cost::SigmoidCrossEntropy, &[(3000, 1.0)])?;
//! assert!(costs[0] < 0.05);
//! drop(train);
//! let out = net.infer(&x)?.to_vec()?;
//! assert!(out[1] > 0.9 && out[0] < 0.1);
//! # Ok::<(), nn_train::Error>(())
//! ```
//!
//! On host factories a small network (at most 64 wide, 6 deep, no dropout or softmax)
//! trains through tensor-core's fused pass ([`tensor_core::DnnFactory::mlp_gradients`]): one sweep
//! over the batch per step instead of a pass per operation
//! ([`TrainingNetwork::set_fused`] turns it off).
//!
//! ## The book's names and ours
//!
//! | Deep Diamond / the book | nn-train |
//! |---|---|
//! | `(training-network inf-net x)` | [`training_network(&mut net, &x, optimizer)`](training_network) (borrows the inference network's weights and trains them in place) |
//! | `(sgd train y quadratic-cost! [[epochs eta] ...])` | [`sgd(&mut train, &y, Cost::Quadratic, &[(epochs, eta)])`](sgd), returns the cost after each pair |
//! | `(train net x-train y-train cost epochs hyperparams)` (mini-batches) | [`sgd_train`] with [`SgdTrain`] (learning rate, [`Schedule`], seed) |
//! | `forward`, `backward` (each layer's `backward` protocol) | [`Backward::backward`] (the layer's own pass: its gradients and the error below), driven by [`TrainingNetwork::step`], [`TrainingNetwork::forward_backward`]; [`TrainingNetwork::gradients`] |
//! | `quadratic-cost!`, `mean-absolute-cost!`, `sigmoid-crossentropy-cost!`, `crossentropy-cost!` | [`Cost`] |
//! | gradient descent, weight decay, momentum, Nesterov, `adam`, `rmsprop` | [`GradientDescent`], `weight_decay` fields, [`Momentum`], [`Nesterov`], [`Adam`], [`RmsProp`] → [`Optimizer`] |
//! | one loop with options (full batch or dense/sparse mini-batches, schedule, seed, fused or layer by layer, a callback) | [`fit`] with [`Batches`] and [`FitOptions`]; `sgd`, `sgd_train` and `sgd_train_sparse` are thin wrappers over it |
//! | a network on sparse (bag-of-words) input (the book encodes IMDB densely) | [`training_network_sparse`] and [`sgd_train_sparse`] on a [`la_core::sparse::CscMatrix`] |
//! | `(dropout)`, `(gaussian-dropout)` | [`TrainingNetwork::set_dropout`] with [`Dropout::Bernoulli`] / [`Dropout::Gaussian`] |
//! | `binary-accuracy!`, confusion matrix, precision/recall/F1 | [`binary_accuracy`], [`categorical_accuracy`], [`confusion_matrix`], [`mae`], [`rmse`]; a validation cost: [`cost_value`] |
//! | saving a trained network | [`save`] / [`load`] (safetensors, PyTorch names `layers.0.weight`); [`load_network`] builds the network from the file alone |
//!
//! ## How a step works
//!
//! Forward: per layer one GEMM and one fused bias + activation pass into the layer's
//! own output buffer (kept for the backward pass). Backward: the cost writes the output
//! error (`a - y`, times `f'` unless the cost's shortcut cancels it; softmax and
//! sigmoid cross-entropy do), then each layer's [`Backward::backward`]: `∂W = δ aᵀ/n`
//! (GEMM), `∂b = δ·1/n` (GEMV) and `Wᵀ δ` (GEMM), to which the layer below applies `f'`
//! in one fused pass from its stored outputs (tensor-core's `DnnFactory`). The optimizer then updates weights and biases in place. All
//! buffers are allocated when the training network is built; [`TrainingNetwork::step`],
//! [`sgd`] and [`sgd_train`] allocate nothing per step on the native factory (a test
//! with a counting allocator proves it for shapes below the GEMM crate's packing
//! threshold, see `tests/no_alloc.rs`).
#![forbid(unsafe_code)]

mod fit;
mod io;
mod layer;
mod network;
#[cfg(feature = "progress")]
mod progress;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use fit::{
    fit, sgd, sgd_train, sgd_train_sparse, sgd_train_with, sgd_with, Batches, Epoch, FitOptions,
    SgdTrain,
};
pub use io::{load, load_network, save};
pub use layer::{Backward, LayerGrads};
pub use network::{training_network, training_network_sparse, TrainingNetwork};
// The vocabulary every network crate shares (nn-core), under the names the book's
// Part III-V code has always used.
pub use nn_core::files::{from_le_bytes, safetensors_dtype, to_le_bytes};
pub use nn_core::{
    binary_accuracy, categorical_accuracy, confusion_matrix, cost_value, mae, metrics, rmse,
    ConfusionMatrix, Cost, Dropout, Error, Result, Schedule,
};
pub use nn_core::{Adam, GradientDescent, Momentum, Nesterov, Optimizer, RmsProp};
#[cfg(feature = "progress")]
pub use progress::{progress_bar, EpochProgress};
