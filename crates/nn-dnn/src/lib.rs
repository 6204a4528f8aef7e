//! # nn-dnn: Deep Diamond's networks on tensors (Parts VI and VII)
//!
//! Networks of layers that own their passes (DESIGN principle 5), built on an input
//! *descriptor* with every layer's shapes inferred from the layer below, as Deep
//! Diamond's `network` does: convolution, pooling, dense (on any input shape, read as
//! a flat view) and dropout, on any la-core factory through tensor-core's DNN
//! capability, trained with the costs and optimizers of the network vocabulary
//! (`nn-core`, re-exported here: [`Activation`], [`Init`], [`Cost`], [`Optimizer`], …).
//!
//! ```
//! use la_core::prelude::*;
//! use nn_dnn::{Activation, Init};
//! use nn_dnn::{convo, dense, network, pooling};
//! use nn_dnn::{Adam, Cost};
//! use tensor_core::{desc, dnn::PoolAlgo, tensor_from, DataType, TensorLayout};
//!
//! let fac = native_float();
//! let input = desc([4, 1, 6, 6], DataType::Float, TensorLayout::Nchw)?;
//! let mut net = network(&fac, input, &[
//!     convo(4, [3, 3], Activation::Relu),
//!     pooling([2, 2], PoolAlgo::Max),
//!     dense(2, Activation::Softmax),
//! ])?;
//! net.init(&mut seeded_rng(1), Init::He)?;
//! net.set_optimizer(Adam::default())?;
//! // two bright-left and two bright-right images, one-hot labels
//! let img = |left: bool| (0..36).map(move |i| if (i % 6 < 3) == left { 1.0 } else { 0.0 });
//! let xs: Vec<f32> = img(true).chain(img(false)).chain(img(true)).chain(img(false)).collect();
//! let x = tensor_from(&fac, input, &xs)?;
//! let y = tensor_from(&fac, desc([4, 2], DataType::Float, TensorLayout::Nc)?,
//!                     &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])?;
//! let first = net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 0.01)?;
//! let mut last = first;
//! for _ in 0..50 {
//!     last = net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 0.01)?;
//! }
//! assert!(last < first / 4.0);
//! println!("{net}"); // the layers, their output shapes and parameter counts
//! # Ok::<(), nn_dnn::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Deep Diamond (Clojure) | nn-dnn (Rust) |
//! |---|---|
//! | `(network (desc [128 1 28 28] :float :nchw) [...])` | [`network(&fac, desc([128, 1, 28, 28], ..), &[...])`](network) → [`Network`] |
//! | `(convo [32] [3 3] :relu)`, `:strides`, `:padding`, `:dilation` | [`convo(32, [3, 3], Activation::Relu)`](convo), [`Blueprint::strides`], [`Blueprint::padding`], [`Blueprint::dilation`] |
//! | `(pooling [2 2] :max)`, `:avg`, `:avg-include-padding` | [`pooling([2, 2], PoolAlgo::Max)`](pooling), [`tensor_core::dnn::PoolAlgo`] |
//! | `(dense [128] :relu)`, `fully-connected` | [`dense(128, Activation::Relu)`](dense) (on any input shape; weights the book's `out x c·h·w` matrix, column-major: [`DenseLayer::weights`]; files hold PyTorch's `[out, in]`) |
//! | the same network for another batch, or with a dropout added | [`Network::rebuilt`] (the parameters carry over) |
//! | the book's Part II–V names (`inference-network`, `training-network`, `sgd`) | the `nn-inference` and `nn-train` crates: thin faces of this [`Network`] |
//! | `(dropout)`, `(gaussian-dropout)` | [`dropout`], [`dropout_keep`], [`gaussian_dropout`] |
//! | the layer blueprint and its `forward`/`backward` protocols | [`Layer`] ([`ConvLayer`], [`PoolingLayer`], [`DenseLayer`], [`DropoutLayer`]) |
//! | `(net x)`, `infer` | [`Network::forward`] (one batch), [`Network::infer`] (any number of samples) |
//! | `(train! net x y cost epochs [:adam])` | [`train`] with [`TrainOptions`] (its per-epoch callback sees the [`Epoch`] and the network); one step: [`Network::train_step`] |
//! | a held-out set measured after each epoch | [`TrainOptions::validation`]: a [`Validation`] with a [`Metric`]; its [`Validated`] cost and metric in [`Epoch::validation`] |
//! | `rand-normal!`/`init!` | [`Network::init`] with [`Init`] |
//! | `:crossentropy`, `:quadratic` | [`Cost`] |
//! | saving a trained network | [`save`], [`load`] (safetensors, PyTorch's shapes); [`load_network`] rebuilds the network from the file alone |
//! | (not in the book) checkpoints of a long run, and resuming it | [`TrainOptions::checkpoints`] ([`Checkpoints`]) and [`TrainOptions::resume`]: a resumed run ends bit for bit where the uninterrupted one does on host factories |
//! | a layer of your own | [`custom`] with your [`Layer`] |
//! | a bag of words as input (the IMDB chapter's sparse first layer) | [`Network::forward_sparse`], [`Network::train_step_sparse`], [`train_sparse`] (a `CscMatrix`, for a network on `[batch, features]` whose first layer is dense) |
//!
//! ## How a step works
//!
//! The network owns one output tensor and one error tensor per layer and one
//! [`tensor_core::DnnFactory`] whose workspace all layers share (reserved for the
//! largest layer when the network is built), so a training step allocates nothing.
//! Forward: each layer writes its output tensor. The cost writes the output error
//! (`a - y` for softmax cross-entropy). Backward: each layer, from the top, applies its
//! activation's derivative to its error, writes its parameter gradients (mean over the
//! batch) and the error of its input. The optimizer then updates every parameter the
//! layers expose ([`Layer::params`]). On a device factory [`train`] reads the cost
//! once per epoch: each step adds its cost's element terms into a device tensor
//! ([`Cost::output_error_terms`]) instead of reading a number back.
//!
//! A small all-dense network on a host factory (at most 6 layers, 64 wide, no dropout
//! or softmax, batches of 64 or more, quadratic, mean absolute or sigmoid cross-entropy
//! cost) takes tensor-core's fused pass instead: the whole forward and backward pass
//! in one sweep over the batch, straight on the dense layers' weights, with the same
//! gradients to rounding ([`Network::set_fused`], [`Network::last_pass_fused`]). The
//! regression chapter's 4-8-8-1 network steps 6× faster through it
//! (`cargo run --release -p dlfp-benches --example nn_dnn_fused`).
//!
//! Convolution and pooling run on host factories (native, MKL, OpenBLAS) through
//! tensor-core's native kernels; on other factories (OpenCL today) tensor-core's
//! composed defaults copy their operands through host memory and run the same kernels
//! (correct, and as slow as the copies, until a device implementation exists). Dense
//! and dropout layers run on the device.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod architecture;
mod blueprint;
mod checkpoint;
mod io;
mod layer;
pub mod layers;
mod network;
mod train;
mod validation;

pub use blueprint::{
    convo, custom, dense, dropout, dropout_keep, gaussian_dropout, pooling, Blueprint, BuildLayer,
};
pub use checkpoint::Checkpoints;
pub use io::{load, load_network, save, DEFAULT_BATCH, MAX_LOADED_ELEMENTS};
pub use layer::{Layer, Param, ParamValues};
pub use layers::{ConvLayer, DenseLayer, DropoutLayer, PoolingLayer};
pub use network::{network, LayerTime, Network};
// The vocabulary every network crate shares (nn-core), so a user of the network needs
// only this crate.
pub use nn_core::{
    binary_accuracy, categorical_accuracy, confusion_matrix, cost_value, files, mae, metrics, rmse,
    Activation, Adam, ConfusionMatrix, Cost, Dropout, Error, GradientDescent, Init, Metric,
    Momentum, Nesterov, Optimizer, Result, RmsProp, Schedule,
};
pub use train::{
    check_samples, run_epochs, shuffle_order, train, train_sparse, Epoch, Run, TrainOptions,
};
pub use validation::{Validated, Validation};
