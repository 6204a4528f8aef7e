//! Runs a network that `cargo xtask e2e` trained and saved under `target/models/`:
//!
//! ```text
//! predict mnist 7                  # MNIST test image 7 (the IDX file)
//! predict mnist digit.png          # a PNG of a digit (any size, dark on light or light on dark)
//! predict fashion-mnist 0          # Fashion-MNIST test image 0, by the CNN
//! predict fashion-mnist shoe.png
//! predict imdb "a wonderful, moving film"
//! ```
//!
//! `--model FILE` runs another saved network of the same kind. `cargo xtask predict …`
//! builds and runs this binary.

use std::path::{Path, PathBuf};

use chapters::e2e::{report_errors, target_dir, vocabulary_path, Error};
use chapters::predict::{ascii_art, best, classify_cnn, classify_dense, read_png, sentiment, SIDE};

const USAGE: &str = "usage: predict mnist|fashion-mnist <test-image-index | image.png> [--model FILE]\n       predict imdb \"<review text>\" [--model FILE]";

fn main() -> std::process::ExitCode {
    report_errors(run)
}

fn run() -> Result<(), Error> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let model = match args.iter().position(|a| a == "--model") {
        Some(i) if i + 1 < args.len() => {
            let m = PathBuf::from(args.remove(i + 1));
            args.remove(i);
            Some(m)
        }
        Some(_) => return Err(format!("--model needs a file\n{USAGE}").into()),
        None => None,
    };
    let [kind, input] = args.as_slice() else {
        return Err(USAGE.into());
    };
    let default = |file: &str| target_dir().join("models").join(file);
    let need = |path: PathBuf, run: &str| -> Result<PathBuf, Error> {
        if path.exists() {
            Ok(path)
        } else {
            Err(format!(
                "{}: no saved model; train one first with `cargo xtask e2e {run}`",
                path.display()
            )
            .into())
        }
    };
    match kind.as_str() {
        "imdb" => {
            let model = need(model.unwrap_or_else(|| default("imdb.safetensors")), "imdb")?;
            let vocab = vocabulary_path(&model);
            let (p, known) = sentiment(&model, &vocab, input)?;
            let (label, q) = if p >= 0.5 {
                ("positive", p)
            } else {
                ("negative", 1.0 - p)
            };
            println!(
                "{label} (probability {q:.3}; the network's output {p:.3}, {known} known words)"
            );
        }
        "mnist" | "fashion-mnist" => {
            let fashion = kind == "fashion-mnist";
            let model = match model {
                Some(m) => m,
                None if fashion => need(default("fashion-mnist-cnn.safetensors"), "fashion-mnist")?,
                None => need(default("mnist.safetensors"), "mnist")?,
            };
            let (pixels, actual) = image(kind, input)?;
            let side = (pixels.len() as f64).sqrt().round() as usize;
            print!("{}", ascii_art(&pixels, side));
            let probs = if fashion {
                classify_cnn(&model, &pixels, side)?
            } else {
                classify_dense(&model, &pixels)?
            };
            let name = |c: usize| {
                if fashion {
                    datasets::FASHION_CLASSES[c].to_string()
                } else {
                    c.to_string()
                }
            };
            let (c, p) = best(&probs);
            print!("predicted {} (probability {p:.3})", name(c));
            if let Some(a) = actual {
                print!(", actually {}", name(a));
            }
            println!();
        }
        other => return Err(format!("unknown model kind `{other}`\n{USAGE}").into()),
    }
    Ok(())
}

/// The pixels of a test image by index (with its label), or of a PNG file.
fn image(kind: &str, input: &str) -> Result<(Vec<f32>, Option<usize>), Error> {
    if let Ok(j) = input.parse::<usize>() {
        let dir = datasets::dir(kind);
        let data = if kind == "mnist" {
            datasets::mnist(&dir)?
        } else {
            datasets::fashion_mnist(&dir)?
        };
        let test = &data.test;
        if j >= test.len() {
            return Err(format!(
                "test image {j}: the test set has {} images (0..{})",
                test.len(),
                test.len()
            )
            .into());
        }
        return Ok((
            test.images.col(j).to_vec(),
            Some(usize::from(test.labels[j])),
        ));
    }
    Ok((read_png(Path::new(input), SIDE)?, None))
}
