//! Part VII: the Fashion-MNIST CNN on MNIST digits (Deep Diamond's own gate: ≥ 0.98
//! after 2 epochs). `cargo xtask e2e mnist-cnn`; `--epochs N` trains N epochs.

fn main() -> std::process::ExitCode {
    chapters::cnn::chapter_main("CNN: MNIST", "mnist", chapters::cnn::mnist_cnn)
}
