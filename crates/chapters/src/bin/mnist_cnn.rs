//! Part VII: the Fashion-MNIST CNN on MNIST digits (Deep Diamond's own gate: ≥ 0.98
//! after 2 epochs). `cargo xtask e2e mnist-cnn`.

use chapters::cnn::{mnist_cnn, CnnConfig};

fn main() -> std::process::ExitCode {
    chapters::e2e::report_errors(run)
}

/// `--epochs N` on the command line (default 10).
fn epochs_arg() -> Result<Option<usize>, chapters::e2e::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag, n] if flag == "--epochs" => Ok(Some(
            n.parse()
                .map_err(|_| format!("--epochs {n}: not a number"))?,
        )),
        _ => Err(format!("usage: {} [--epochs N]", env!("CARGO_BIN_NAME")).into()),
    }
}

fn run() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Part VII", "CNN: MNIST");
    let r = mnist_cnn(
        &datasets::dir("mnist"),
        &CnnConfig {
            save_to: Some("target/models/mnist-cnn.safetensors".into()),
            epochs: epochs_arg()?.unwrap_or(10),
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
