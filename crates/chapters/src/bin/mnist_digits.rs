//! "Classification and metrics: MNIST": 784-512-10 (relu, softmax), softmax
//! cross-entropy; prints the confusion matrix with per-class precision, recall and F1.
//! `cargo xtask e2e mnist`.

use chapters::e2e::{mnist, MnistConfig};

fn main() -> std::process::ExitCode {
    chapters::e2e::report_errors(run)
}

fn run() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Classification and metrics", "MNIST");
    let r = mnist(&datasets::dir("mnist"), &MnistConfig::standard())?;
    println!(
        "test accuracy {:.4}, macro F1 {:.4}, after {} epochs ({:.2} s training)",
        r.value, r.extra[0].1, r.epochs, r.train_seconds
    );
    println!("{}", r.line());
    Ok(())
}
