//! Loads every dataset from `datasets/` (or `$DLFP_DATASETS`) and prints what came
//! out and how long it took: `cargo run --release -p datasets --example load_all`.

use std::time::Instant;

use datasets::{dir, Tokenizer, Vocabulary};

fn main() -> Result<(), datasets::Error> {
    let t = Instant::now();
    let mnist = datasets::mnist(&dir("mnist"))?;
    println!(
        "MNIST: {}x{} train, {} test images, loaded in {:.2} s",
        mnist.train.images.rows(),
        mnist.train.len(),
        mnist.test.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let fashion = datasets::fashion_mnist(&dir("fashion-mnist"))?;
    println!(
        "Fashion-MNIST: {} train, {} test images, loaded in {:.2} s",
        fashion.train.len(),
        fashion.test.len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let imdb = datasets::imdb(&dir("imdb"))?;
    let read = t.elapsed().as_secs_f64();
    let all: Vec<&str> = imdb
        .train
        .iter()
        .chain(&imdb.test)
        .map(|r| r.text.as_str())
        .collect();
    let vocab = Vocabulary::build(&all, 10_000, Tokenizer::Plain)?;
    let x_train = vocab.encode(&datasets::texts(&imdb.train));
    let x_test = vocab.encode(&datasets::texts(&imdb.test));
    println!(
        "IMDB: {} train, {} test reviews; read {read:.2} s, vocabulary + multi-hot of all 50,000 in {:.2} s total; density {:.2}%",
        imdb.train.len(),
        imdb.test.len(),
        t.elapsed().as_secs_f64(),
        100.0 * x_train.density()
    );
    println!("  most frequent words: {:?}", &vocab.words()[..10]);
    println!(
        "  first test review decoded: {}",
        vocab.decode_review(x_test.indices(0))
    );

    let t = Instant::now();
    let boston = datasets::boston(&dir("boston"))?;
    println!(
        "Boston: {} features x {} districts, loaded in {:.3} s",
        boston.samples.x.rows(),
        boston.samples.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
