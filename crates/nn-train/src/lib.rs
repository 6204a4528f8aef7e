//! # nn-train: the book's training API on any la-core factory
//!
//! Parts III–V of *Deep Learning for Programmers*: the backward pass, costs,
//! gradient descent and its refinements, under the book's names, as thin wrappers of
//! nn-dnn's one [`nn_dnn::Network`] and its one training loop, so the same code
//! trains on native, MKL/OpenBLAS and OpenCL factories.
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
//! ## The book's names and ours
//!
//! | Deep Diamond / the book | nn-train |
//! |---|---|
//! | `(training-network inf-net x)` | [`training_network(&mut net, &x, optimizer)`](training_network) (borrows the inference network and trains it in place) |
//! | `(sgd train y quadratic-cost! [[epochs eta] ...])` | [`sgd(&mut train, &y, Cost::Quadratic, &[(epochs, eta)])`](sgd), returns the cost after each pair |
//! | `(train net x-train y-train cost epochs hyperparams)` (mini-batches) | [`sgd_train`] with [`TrainOptions`] (epochs, learning rate, [`Schedule`], seed, checkpoints) |
//! | `forward`, `backward` (each layer's `backward` protocol) | nn-dnn's [`nn_dnn::Layer::backward`], driven by [`TrainingNetwork::step`], [`TrainingNetwork::forward_backward`]; [`TrainingNetwork::gradients`] |
//! | `quadratic-cost!`, `mean-absolute-cost!`, `sigmoid-crossentropy-cost!`, `crossentropy-cost!` | [`Cost`] |
//! | gradient descent, weight decay, momentum, Nesterov, `adam`, `rmsprop` | [`GradientDescent`], `weight_decay` fields, [`Momentum`], [`Nesterov`], [`Adam`], [`RmsProp`] → [`Optimizer`] |
//! | one loop with options (full batch or dense/sparse mini-batches, a callback) | [`fit`] with [`Batches`] and [`TrainOptions`]; `sgd`, `sgd_train` and `sgd_train_sparse` are thin wrappers over it, and its mini-batches are nn-dnn's [`nn_dnn::train`] |
//! | a held-out set measured after each epoch | [`validation`], [`validation_sparse`] (from the book's matrices) in [`TrainOptions::validation`]; each [`Epoch::validation`] holds its cost and [`Metric`] |
//! | a network on sparse (bag-of-words) input (the book encodes IMDB densely) | [`training_network_sparse`] and [`sgd_train_sparse`] on a [`la_core::sparse::CscMatrix`] |
//! | `(dropout)`, `(gaussian-dropout)` | [`TrainingNetwork::set_dropout`] with [`Dropout::Bernoulli`] / [`Dropout::Gaussian`] (a dropout layer in the network) |
//! | `binary-accuracy!`, confusion matrix, precision/recall/F1 | [`binary_accuracy`], [`categorical_accuracy`], [`confusion_matrix`], [`mae`], [`rmse`]; a validation cost: [`cost_value`] |
//! | saving a trained network | [`save`] / [`load`] / [`load_network`]: nn-dnn's one file format (safetensors, PyTorch names `layers.0.weight`, the architecture in the metadata) |
//!
//! ## How a step works
//!
//! It is nn-dnn's: forward, per layer one GEMM and one fused bias + activation pass
//! into the layer's output tensor; the cost writes the output error; backward, each
//! layer's own pass writes its gradients and the error below; the optimizer updates
//! the parameters in place. A small all-dense network on a host factory (at most 64
//! wide, 6 deep, no dropout or softmax, batches of 64 or more) takes tensor-core's
//! fused pass instead ([`TrainingNetwork::set_fused`]). The mini-batch rule is
//! nn-dnn's too: every epoch shuffles, and a last batch shorter than the others is
//! trained, not dropped. Nothing is allocated per step (tests/no_alloc.rs).
#![forbid(unsafe_code)]

mod fit;
mod io;
mod network;
#[cfg(feature = "progress")]
mod progress;
pub mod regression;

pub use fit::{fit, sgd, sgd_train, sgd_train_sparse, validation, validation_sparse, Batches};
pub use io::{load, load_network, save};
pub use network::{training_network, training_network_sparse, TrainingNetwork};
pub use nn_dnn::{Epoch, TrainOptions, Validated, Validation};
// The vocabulary every network crate shares (nn-core), under the names the book's
// Part III-V code has always used.
pub use nn_core::files::{from_le_bytes, safetensors_dtype, to_le_bytes};
pub use nn_core::{
    binary_accuracy, categorical_accuracy, confusion_matrix, cost_value, mae, metrics, rmse,
    ConfusionMatrix, Cost, Dropout, Error, Metric, Result, Schedule,
};
pub use nn_core::{Adam, GradientDescent, Momentum, Nesterov, Optimizer, RmsProp};
#[cfg(feature = "progress")]
pub use progress::{progress_bar, EpochProgress};
