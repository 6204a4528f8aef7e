//! "Classification: IMDB sentiments": 10000-16-16-1 on the bag-of-words of the 25,000
//! training reviews, tested on the other 25,000: the book's first run (quadratic
//! cost) and its variants (sigmoid cross-entropy, dropout, RMSprop). `cargo xtask e2e
//! imdb` runs it on the real data (`cargo xtask fetch-datasets imdb` first).
//! `--validate` holds out 20% of the training reviews and reports their accuracy
//! instead: that is how the settings were chosen. Each run checkpoints every epoch
//! into `target/checkpoints/imdb-{1..4}/`; `--resume` continues from the newest.

use chapters::e2e::{imdb, ImdbConfig, ImdbData};
use nn_train::{Cost, Dropout, RmsProp};

fn main() -> std::process::ExitCode {
    chapters::e2e::report_errors(run)
}

fn run() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Classification", "IMDB sentiments");
    let target = chapters::e2e::target_dir();
    let mut book = ImdbConfig::book();
    book.run.reports = Some(target.join("reports"));
    if std::env::args().any(|a| a == "--validate") {
        book.validation = Some(0.2);
    }
    let start = std::time::Instant::now();
    let data = ImdbData::load(&datasets::dir("imdb"), &book)?;
    println!(
        "{} reviews to fit, {} to evaluate, {} words: loaded and encoded in {:.2} s ({:.2}% nonzero)\n",
        data.x_fit.cols(),
        data.x_eval.cols(),
        data.x_fit.rows(),
        start.elapsed().as_secs_f64(),
        100.0 * data.x_fit.density()
    );
    // the book's run is the model `cargo xtask predict imdb "…"` uses
    let mut first = book.clone();
    first.run.save_to = Some(target.join("models/imdb.safetensors"));
    let mut cross_entropy = book.clone();
    cross_entropy.cost = Cost::SigmoidCrossEntropy;
    let mut dropout = book.clone();
    dropout.run.dropout = Some(Dropout::Bernoulli { keep: 0.5 });
    dropout.run.learning_rate = 0.001;
    let mut rmsprop = book.clone();
    rmsprop.run.optimizer = RmsProp::default().into();
    for (name, mut cfg) in [
        ("Adam, quadratic cost", first),
        ("Adam, sigmoid cross-entropy", cross_entropy),
        ("Adam, dropout 0.5, η 0.001", dropout),
        ("RMSprop, quadratic cost", rmsprop),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (name, mut cfg))| {
        chapters::e2e::checkpoint_into(&mut cfg.run, &format!("imdb-{}", i + 1));
        (name, cfg)
    }) {
        cfg.label = format!("IMDB ({name})");
        let r = imdb(&data, &cfg)?;
        println!(
            "{name:<28} {} {:.4} after {} epochs ({:.2} s training)",
            r.metric, r.value, r.epochs, r.train_seconds
        );
        if let Some(dir) = &r.report {
            println!("report: {}", dir.join("index.html").display());
        }
        if let Some(model) = &cfg.run.save_to {
            println!(
                "saved to {} (vocabulary: {}); try `cargo xtask predict imdb \"a wonderful, moving film\"`",
                model.display(),
                chapters::e2e::vocabulary_path(model).display()
            );
        }
        println!("{}", r.line());
    }
    Ok(())
}
