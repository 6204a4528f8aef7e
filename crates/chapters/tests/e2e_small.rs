//! The end-to-end runs of `cargo xtask e2e`, on small generated files in the real
//! formats (IDX gzip, the IMDB CSV, the Boston CSV), so CI exercises the whole path —
//! files, loaders, encoding, training, metrics — in seconds. The data is learnable
//! by construction; each test asserts the metric a working pipeline reaches and a
//! broken one (wrong labels, unshuffled features, no training) does not.

use std::io::Write;
use std::path::Path;

use chapters::cnn::{image_cnn, CnnConfig};
use chapters::e2e::{boston, imdb, mnist, BostonConfig, ImdbConfig, ImdbData, MnistConfig};
use datasets::Verify;
use la_core::rand::Rng;
use la_core::seeded_rng;

fn gz_idx(path: &Path, dims: &[u32], data: &[u8]) {
    let mut bytes = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(data);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&bytes).unwrap();
    std::fs::write(path, e.finish().unwrap()).unwrap();
}

/// 10x10 "digits": class c lights row c, with pixel noise.
fn write_digits(dir: &Path, prefix: &str, n: usize, seed: u64) {
    let mut rng = seeded_rng(seed);
    let (mut px, mut labels) = (vec![], vec![]);
    for _ in 0..n {
        let c: u8 = rng.random_range(0..10);
        for r in 0..10 {
            for _ in 0..10 {
                let base = if r == c as usize { 200 } else { 20 };
                px.push(base + rng.random_range(0..50u8));
            }
        }
        labels.push(c);
    }
    gz_idx(
        &dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
        &[n as u32, 10, 10],
        &px,
    );
    gz_idx(
        &dir.join(format!("{prefix}-labels-idx1-ubyte.gz")),
        &[n as u32],
        &labels,
    );
}

#[test]
fn cnn_pipeline_on_generated_digits() {
    // the Part VII network, smaller, on the same generated 10x10 IDX digits
    let dir = tempfile::tempdir().unwrap();
    write_digits(dir.path(), "train", 600, 3);
    write_digits(dir.path(), "t10k", 200, 4);
    let cfg = CnnConfig {
        channels: [6, 8],
        dense: 32,
        epochs: 10,
        batch: 32,
        learning_rate: 0.005,
        validation: 100,
        verbose: false,
        save_to: Some(dir.path().join("digits-cnn.safetensors")),
        ..CnnConfig::deep_diamond()
    };
    // generated files under MNIST's names: not the published contents
    let data = datasets::mnist_with(dir.path(), Verify::Skip).unwrap();
    let r = image_cnn("digits", &data, &cfg, None).unwrap();
    println!("{}", r.line());
    assert_eq!(r.network, "cnn 1x10x10-c6-c8-p2-d32-10");
    assert!(r.value >= 0.95, "test accuracy {}", r.value);
    assert!(r.extra[0].1 >= 0.95, "validation accuracy {}", r.extra[0].1);
    assert!(dir.path().join("digits-cnn.safetensors").exists());
}

#[test]
fn mnist_pipeline_on_generated_digits() {
    let dir = tempfile::tempdir().unwrap();
    write_digits(dir.path(), "train", 1000, 1);
    write_digits(dir.path(), "t10k", 300, 2);
    let mut cfg = MnistConfig::standard();
    cfg.run.hidden = vec![32];
    cfg.run.epochs = 5;
    cfg.run.batch = 50;
    cfg.run.progress = false;
    cfg.verify = Verify::Skip;
    let r = mnist(dir.path(), &cfg).unwrap();
    assert_eq!(r.network, "100-32-10");
    assert!(r.value >= 0.97, "test accuracy {}", r.value);
    assert!(r.extra[0].1 >= 0.95, "macro F1 {}", r.extra[0].1);
}

/// Reviews mixing neutral words with sentiment words; `noise` of them carry the wrong
/// label's words, so accuracy is bounded by the data, not by chance.
fn write_reviews(path: &Path, per_split: usize, seed: u64) {
    let good = ["great", "Wonderful!", "loved", "superb", "brilliant"];
    let bad = ["awful", "boring", "WORST", "dull", "terrible."];
    let neutral = [
        "the", "film", "a", "plot", "actor", "scene", "and", "it", "was",
    ];
    let mut rng = seeded_rng(seed);
    let mut csv = String::from("type,review,label,file\n");
    for split in ["train", "test"] {
        for id in 0..per_split {
            let positive = id % 2 == 0;
            let words = if positive { &good } else { &bad };
            let mut text = vec![];
            for _ in 0..12 {
                text.push(neutral[rng.random_range(0..neutral.len())]);
            }
            for _ in 0..2 {
                text.push(words[rng.random_range(0..words.len())]);
            }
            let label = if positive { "pos" } else { "neg" };
            let rating = if positive { 9 } else { 2 };
            csv += &format!(
                "{split},\"{}<br /><br />\",{label},{id}_{rating}.txt\n",
                text.join(" ")
            );
        }
    }
    std::fs::write(path, csv).unwrap();
}

#[test]
fn imdb_pipeline_on_generated_reviews_sparse_and_dense() {
    let dir = tempfile::tempdir().unwrap();
    write_reviews(&dir.path().join("imdb_labelled_50k.csv"), 600, 3);
    let mut cfg = ImdbConfig::book();
    cfg.words = 40;
    cfg.run.batch = 32;
    cfg.run.learning_rate = 0.01;
    cfg.run.progress = false;
    cfg.verify = Verify::Skip;
    let data = ImdbData::load(dir.path(), &cfg).unwrap();
    assert_eq!(
        (data.x_fit.rows(), data.x_fit.cols(), data.x_eval.cols()),
        (19, 600, 600)
    );
    let sparse = imdb(&data, &cfg).unwrap();
    cfg.sparse = false;
    let dense = imdb(&data, &cfg).unwrap();
    assert_eq!(sparse.network, "19-16-16-1"); // 19 distinct words after cleaning
    assert!(
        sparse.value >= 0.98,
        "sparse test accuracy {}",
        sparse.value
    );
    assert!(
        (sparse.value - dense.value).abs() < 0.01,
        "{} vs {}",
        sparse.value,
        dense.value
    );
    // Validation holds reviews out of the training split.
    cfg.validation = Some(0.25);
    let v = ImdbData::load(dir.path(), &cfg).unwrap();
    assert_eq!(
        (v.x_fit.cols(), v.x_eval.cols(), v.metric),
        (450, 150, "validation accuracy")
    );
}

#[test]
fn boston_pipeline_on_generated_prices() {
    // 13 features of different scales; the price is a fixed function of three of them.
    let mut rng = seeded_rng(4);
    let mut csv = String::from("300,13,,,,,,,,,,,,\n");
    let names = [
        "CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B",
        "LSTAT", "MEDV",
    ];
    csv += &names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(",");
    csv += "\n";
    let mut prices = vec![];
    for _ in 0..300 {
        let f: Vec<f64> = (0..13)
            .map(|k| rng.random_range(0.0..1.0) * 10f64.powi(k % 3))
            .collect();
        let medv = 10.0 + 4.0 * f[5] - 0.2 * f[12] + 0.05 * f[1];
        prices.push(medv);
        let row: Vec<String> = f
            .iter()
            .chain([medv].iter())
            .map(|v| format!("{v:.5}"))
            .collect();
        csv += &(row.join(",") + "\n");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("boston_house_prices.csv"), csv).unwrap();
    let mut cfg = BostonConfig::standard();
    cfg.run.epochs = 100;
    cfg.verify = Verify::Skip;
    let r = boston(dir.path(), &cfg).unwrap();
    let mean = prices.iter().sum::<f64>() / 300.0;
    let spread = prices.iter().map(|p| (p - mean).abs()).sum::<f64>() / 300.0;
    // Predicting the mean scores `spread` (about 1.3); the network must do far better.
    assert!(
        r.value < 0.25 * spread,
        "test MAE {} vs mean-predictor {spread}",
        r.value
    );
    assert!(
        r.extra[0].1 >= r.value,
        "RMSE {} below MAE {}",
        r.extra[0].1,
        r.value
    );
}
