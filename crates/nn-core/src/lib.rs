//! # nn-core: the network vocabulary
//!
//! What every network crate shares, and nothing else (no network lives here): the
//! [`Error`] type, [`Activation`]s, weight initialisation ([`Init`]), [`Cost`]s,
//! [`Dropout`], the optimizers (tensor-core's, re-exported), [`metrics`] and the
//! safetensors byte helpers ([`files`]). `nn-dnn`'s one `Network` and the book's Part
//! II–V names (`nn-inference`, `nn-train`) build on it, so no network crate depends on
//! a peer for its words.
//!
//! ```
//! use la_core::prelude::*;
//! use nn_core::{binary_accuracy, Activation, Cost};
//!
//! let fac = native_double();
//! let mut a = dge(1, 4, &[0.0, 2.0, -1.0, 3.0], Layout::ColumnMajor)?;
//! Activation::Sigmoid.forward_inplace(&mut a)?;
//! let y = dge(1, 4, &[0.0, 1.0, 0.0, 1.0], Layout::ColumnMajor)?;
//! // sigmoid(0) = 0.5 counts as class 1, so the first sample is wrong
//! assert_eq!(binary_accuracy(&a, &y)?, 0.75);
//! Cost::SigmoidCrossEntropy.check(Activation::<f64>::Sigmoid)?;
//! assert!(Cost::SoftmaxCrossEntropy.check(Activation::<f64>::Sigmoid).is_err());
//! # let _ = fac;
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | the book / Deep Diamond | nn-core |
//! |---|---|
//! | `:linear :relu :sigmoid :tanh :elu :softmax` | [`Activation`] (forward: [`Activation::forward_inplace`], derivative: [`Activation::backward_inplace`]) |
//! | `(init! net)`, `rand-normal!`, Glorot, He | [`Init`] ([`Init::Book`]: normal, σ = 1/fan-in), [`Init::draw`] |
//! | `quadratic-cost!`, `mean-absolute-cost!`, `sigmoid-crossentropy-cost!`, `crossentropy-cost!` | [`Cost`] |
//! | `(dropout)`, `(gaussian-dropout)` | [`Dropout::Bernoulli`], [`Dropout::Gaussian`] |
//! | the learning rate's decay over the epochs | [`Schedule`] |
//! | gradient descent, momentum, Nesterov, `adam`, `rmsprop` | [`Optimizer`] and its rules (from `tensor_core::optimizer`) |
//! | `binary-accuracy!`, confusion matrix, precision/recall/F1 | [`binary_accuracy`], [`categorical_accuracy`], [`confusion_matrix`], [`mae`], [`rmse`], [`cost_value`]; a validation set's [`Metric`] |
//! | (saving) | [`files::to_le_bytes`], [`files::from_le_bytes`], [`files::safetensors_dtype`], [`files::describe`] |
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod activation;
mod cost;
mod dropout;
mod error;
pub mod files;
pub mod metrics;
mod schedule;

pub use activation::{Activation, Init};
pub use cost::Cost;
pub use dropout::Dropout;
pub use error::{precondition, Error, Result};
pub use metrics::{
    binary_accuracy, categorical_accuracy, confusion_matrix, cost_value, mae, rmse,
    ConfusionMatrix, Metric,
};
pub use schedule::Schedule;
pub use tensor_core::optimizer::{Adam, GradientDescent, Momentum, Nesterov, Optimizer, RmsProp};
