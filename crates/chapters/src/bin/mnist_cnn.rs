//! Part VII: the Fashion-MNIST CNN on MNIST digits (Deep Diamond's own gate: ≥ 0.98
//! after 2 epochs). `cargo xtask e2e mnist-cnn`.

use chapters::cnn::{mnist_cnn, CnnConfig};

fn main() -> std::process::ExitCode {
    chapters::e2e::report_errors(run)
}

fn run() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Part VII", "CNN: MNIST");
    let r = mnist_cnn(
        &datasets::dir("mnist"),
        &CnnConfig {
            save_to: Some("target/models/mnist-cnn.safetensors".into()),
            ..CnnConfig::deep_diamond()
        },
    )?;
    println!(
        "test accuracy {:.4} (validation {:.4}, macro F1 {:.4}) after {} epochs ({:.1} s training)",
        r.value, r.extra[0].1, r.extra[1].1, r.epochs, r.train_seconds
    );
    println!("{}", r.line());
    Ok(())
}
