//! "Classification and metrics: MNIST": 784-512-10 (relu, softmax), softmax
//! cross-entropy; prints the confusion matrix with per-class precision, recall and F1.
//! `cargo xtask e2e mnist`; checkpoints every epoch into `target/checkpoints/mnist/`,
//! `--resume` continues from the newest.

use chapters::e2e::{mnist, MnistConfig};

fn main() -> std::process::ExitCode {
    chapters::e2e::report_errors(run)
}

fn run() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Classification and metrics", "MNIST");
    let target = chapters::e2e::target_dir();
    let mut cfg = MnistConfig::standard();
    cfg.run.reports = Some(target.join("reports"));
    cfg.run.save_to = Some(target.join("models/mnist.safetensors"));
    chapters::e2e::checkpoint_into(&mut cfg.run, "mnist");
    let r = mnist(&datasets::dir("mnist"), &cfg)?;
    println!(
        "test accuracy {:.4}, macro F1 {:.4}, after {} epochs ({:.2} s training)",
        r.value, r.extra[0].1, r.epochs, r.train_seconds
    );
    if let Some(dir) = &r.report {
        println!("report: {}", dir.join("index.html").display());
    }
    println!(
        "saved to {}; try `cargo xtask predict mnist 0` (test image 0) or `cargo xtask predict mnist digit.png`",
        target.join("models/mnist.safetensors").display()
    );
    println!("{}", r.line());
    Ok(())
}
