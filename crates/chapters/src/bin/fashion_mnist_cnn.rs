//! Part VII, "Convolutional neural networks (CNN): Fashion-MNIST": Deep Diamond's
//! network, Adam η 0.001, mini-batches of 128, 10 epochs; prints the validation
//! accuracy after each epoch, the confusion matrix with per-class precision, recall
//! and F1, and the test accuracy. `cargo xtask e2e fashion-mnist`; `--epochs N` trains N epochs.

fn main() -> std::process::ExitCode {
    chapters::cnn::chapter_main(
        "CNN: Fashion-MNIST",
        "fashion-mnist",
        chapters::cnn::fashion_mnist_cnn,
    )
}
