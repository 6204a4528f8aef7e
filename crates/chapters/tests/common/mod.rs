//! Small generated files in the real formats (IDX gzip, the IMDB CSV, the Boston CSV),
//! learnable by construction, shared by the chapter tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use la_core::rand::Rng;
use la_core::seeded_rng;

pub fn gz_idx(path: &Path, dims: &[u32], data: &[u8]) {
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
pub fn write_digits(dir: &Path, prefix: &str, n: usize, seed: u64) {
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

/// Reviews mixing neutral words with sentiment words; `noise` of them carry the wrong
/// label's words, so accuracy is bounded by the data, not by chance.
pub fn write_reviews(path: &Path, per_split: usize, seed: u64) {
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

/// 300 houses with 13 features of different scales; the price is a fixed function of
/// three of them. Returns the prices.
pub fn write_boston(path: &Path) -> Vec<f64> {
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
    std::fs::write(path, csv).unwrap();
    prices
}
