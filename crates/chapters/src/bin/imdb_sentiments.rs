//! "Classification: IMDB sentiments": 10000-16-16-1 on the bag-of-words of 25,000
//! reviews, tested on the other 25,000. `cargo xtask e2e imdb` runs it on the real data
//! (`cargo xtask fetch-datasets imdb` first). `--validate` holds out 20% of the training
//! reviews and reports their accuracy instead (how the settings were chosen).

use chapters::e2e::{imdb, ImdbConfig};
use nn_train::Cost;

fn main() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Classification", "IMDB sentiments");
    let validate = std::env::args().any(|a| a == "--validate");
    let dir = datasets::dir("imdb");
    let mut cfg = ImdbConfig::book();
    if validate {
        cfg.validation = Some(0.2);
    }
    for (name, cost) in [
        ("quadratic cost", Cost::Quadratic),
        ("sigmoid cross-entropy", Cost::SigmoidCrossEntropy),
    ] {
        cfg.cost = cost;
        let r = imdb(&dir, &cfg)?;
        println!(
            "{name}: {} {:.4} after {} epochs ({:.2} s training)",
            r.metric, r.value, r.epochs, r.train_seconds
        );
        println!("{}", r.line());
    }
    Ok(())
}
