//! Shared helpers for the chapter examples (one binary per chapter in `src/bin`).
//!
//! | book chapter | binary |
//! |---|---|
//! | Part II — Representing layers and connections | `representing_layers` |
//! | Part II — Bias and activation function | `bias_and_activation` |
//! | Part II — Fully connected inference layers | `fully_connected_inference` |
//! | Part II — Increasing performance with batch processing | `batch_processing` |
//! | Part II — Sharing memory | `sharing_memory` |
//! | Part II — GPU computing with CUDA and OpenCL | `gpu_computing` |
//! | Part III — The forward pass, activation and its derivative, the backward pass | `backward_pass` |
//! | Part IV — Inference API, training API, initializing weights, regression | `learning_a_known_function` |
//! | Part V — Weight decay, momentum, adaptive learning rates, dropout, SGD | `optimizers` |
//! | Classification: IMDB sentiments (real data) | `imdb_sentiments` |
//! | Regression: Boston housing prices (real data) | `boston_housing` |
//! | Classification and metrics: MNIST (real data) | `mnist_digits` |
//! | Part VI — Tensors and ND-arrays, Tensor transformations, Tensor-based neural networks | `tensors`, `tensor_transformations`, `tensor_networks` |
//! | Part VII — The convolution operation, Convolutional layers | `convolution_operation`, `convolutional_layers` |
//! | Part VII — CNN: Fashion-MNIST (real data; also MNIST) | `fashion_mnist_cnn`, `mnist_cnn` |
//! | running a saved model | `predict` |
//!
//! The real-data runs need the data (`cargo xtask fetch-datasets`) and run from
//! `cargo xtask e2e`; their code is the [`e2e`] and [`cnn`] modules. Each writes a
//! report of pictures ([`report`]: curves per epoch, the confusion matrix, the test
//! images it gets wrong) and saves its network under `target/models/`, which the
//! `predict` binary ([`predict`]) runs.

pub mod cnn;
pub mod e2e;
pub mod predict;
pub mod report;

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork};

/// Prints a chapter heading the way every example starts.
pub fn heading(part: &str, chapter: &str) {
    println!("=== {part} — {chapter} ===\n");
}

/// The two-layer network of Part II (2 inputs, 4 tanh neurons, 1 sigmoid output) as an
/// `inference_network`, with the book's weights and biases, written once against any
/// factory: the GPU chapter's point is that this code does not change between CPU and
/// GPU.
pub fn book_network<T: Scalar>(f: &Factory<T>) -> nn_inference::Result<InferenceNetwork<T>> {
    let t = |v: &[f64]| v.iter().map(|x| T::of(*x)).collect::<Vec<T>>();
    let mut net = inference_network(
        f,
        2,
        &[
            fully_connected(4, Activation::Tanh),
            fully_connected(1, Activation::Sigmoid),
        ],
    )?;
    let w1 = f.ge_from(
        4,
        2,
        &t(&[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0]),
        Layout::RowMajor,
    )?;
    copy_into(&w1, &mut net.layers_mut()[0].weights_mut()?)?;
    net.layers_mut()[0]
        .bias_mut()
        .set_from(&t(&[-0.7, -0.2, -1.1, -2.0]))?;
    net.layers_mut()[1]
        .weights_mut()?
        .set_from(&t(&[0.75, 0.15, 0.22, 0.33]))?;
    net.layers_mut()[1].bias_mut().set_from(&t(&[-0.3]))?;
    Ok(net)
}

/// [`book_network`] on a batch of two identical samples; the book prints `0.44 0.44`.
pub fn this_particular_network<T: Scalar>(f: &Factory<T>) -> nn_inference::Result<Vec<T>> {
    let t = |v: &[f64]| v.iter().map(|x| T::of(*x)).collect::<Vec<T>>();
    let mut net = book_network(f)?;
    let x = f.ge_from(2, 2, &t(&[0.3, 0.9, 0.3, 0.9]), Layout::ColumnMajor)?;
    Ok(net.infer(&x)?.to_vec()?)
}

/// Formats numbers the way the book prints them: two decimals, space-separated.
pub fn two_decimals<T: Scalar>(v: &[T]) -> String {
    v.iter()
        .map(|x| format!("{x:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
}
