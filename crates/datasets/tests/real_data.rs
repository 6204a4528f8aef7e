//! The real files (after `cargo xtask fetch-datasets`) against the counts published with
//! them. Without the files these tests print `SKIP` — unless `DLFP_REQUIRE_DATASETS=1`
//! (set by `.ci/run`, which fetches them from the mirror first), where they fail.

use std::path::PathBuf;

fn data(name: &str, probe: &str) -> Option<PathBuf> {
    let dir = datasets::dir(name);
    if dir.join(probe).exists() {
        return Some(dir);
    }
    if std::env::var("DLFP_REQUIRE_DATASETS").as_deref() == Ok("1") {
        panic!(
            "{} is missing and DLFP_REQUIRE_DATASETS=1; run `cargo xtask fetch-datasets {name}`",
            dir.join(probe).display()
        );
    }
    println!(
        "SKIP: {} not found (cargo xtask fetch-datasets {name})",
        dir.display()
    );
    None
}

fn class_counts(labels: &[u8]) -> Vec<usize> {
    let mut c = vec![0; 10];
    labels.iter().for_each(|&l| c[l as usize] += 1);
    c
}

#[test]
fn mnist_matches_published_counts() {
    let Some(dir) = data("mnist", "train-images-idx3-ubyte.gz") else {
        return;
    };
    let m = datasets::mnist(&dir).unwrap();
    assert_eq!(
        (m.train.images.rows(), m.train.len(), m.test.len()),
        (784, 60000, 10000)
    );
    assert_eq!(
        class_counts(&m.train.labels),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        class_counts(&m.test.labels),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    let px = m.train.images.data();
    assert!(px.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert!(px.contains(&1.0) && px.contains(&0.0));
}

#[test]
fn fashion_mnist_matches_published_counts() {
    let Some(dir) = data("fashion-mnist", "train-images-idx3-ubyte.gz") else {
        return;
    };
    let m = datasets::fashion_mnist(&dir).unwrap();
    assert_eq!(class_counts(&m.train.labels), [6000; 10]);
    assert_eq!(class_counts(&m.test.labels), [1000; 10]);
}

#[test]
fn imdb_matches_published_counts() {
    let Some(dir) = data("imdb", "imdb_labelled_50k.csv.gz") else {
        return;
    };
    let imdb = datasets::imdb(&dir).unwrap();
    for split in [&imdb.train, &imdb.test] {
        let pos = split.iter().filter(|r| r.positive).count();
        assert_eq!((split.len(), pos), (25000, 12500));
        // Ratings agree with labels: 7-10 positive, 1-4 negative.
        for r in split {
            let rating: u32 = r
                .file
                .trim_end_matches(".txt")
                .split('_')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(r.positive, rating >= 7, "{}", r.file);
        }
    }
    assert!(imdb.train[0]
        .text
        .starts_with("Bromwell High is a cartoon comedy."));
    assert_eq!(imdb.train[0].file, "0_9.txt");
}

#[test]
fn boston_matches_published_statistics() {
    let Some(dir) = data("boston", "boston_house_prices.csv") else {
        return;
    };
    let b = datasets::boston(&dir).unwrap();
    assert_eq!((b.samples.x.rows(), b.samples.len()), (13, 506));
    assert_eq!(b.features[0], "CRIM");
    assert_eq!(b.features[12], "LSTAT");
    let y = b.samples.y.data();
    let mean = y.iter().map(|&v| v as f64).sum::<f64>() / 506.0;
    assert!((mean - 22.5328).abs() < 1e-4, "{mean}");
    assert_eq!(y.iter().cloned().fold(f32::MAX, f32::min), 5.0);
    assert_eq!(y.iter().cloned().fold(f32::MIN, f32::max), 50.0);
    assert_eq!(b.samples.x.col(0)[0], 0.00632);
}

fn gunzip(path: &std::path::Path) -> Vec<u8> {
    datasets::read_maybe_gz(path, "test").unwrap()
}

fn assert_checksum_error(r: datasets::Result<impl std::fmt::Debug>, dataset: &str) {
    match r {
        Err(e @ datasets::Error::Checksum { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("cargo xtask fetch-datasets {dataset}")),
                "{msg}"
            );
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
}

/// The corruptions the parsers cannot see (a changed label in a raw IDX file, a changed
/// letter in the IMDB CSV, an extra Boston row) fail the default check, and load with
/// `Verify::Skip`.
#[test]
fn silent_corruptions_fail_the_checksum() {
    use datasets::Verify;
    let (Some(mnist), Some(imdb), Some(boston)) = (
        data("mnist", "train-images-idx3-ubyte.gz"),
        data("imdb", "imdb_labelled_50k.csv.gz"),
        data("boston", "boston_house_prices.csv"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();

    // MNIST, unpacked (raw IDX), one label changed: the untouched raw copy verifies.
    for f in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        std::fs::write(d.join(f), gunzip(&mnist.join(format!("{f}.gz")))).unwrap();
    }
    assert_eq!(
        datasets::mnist_with(d, Verify::Checksums)
            .unwrap()
            .train
            .len(),
        60000
    );
    let labels = d.join("t10k-labels-idx1-ubyte");
    let mut b = std::fs::read(&labels).unwrap();
    b[8 + 17] = (b[8 + 17] + 1) % 10;
    std::fs::write(&labels, b).unwrap();
    assert_checksum_error(datasets::mnist_with(d, Verify::Checksums), "mnist");
    assert!(datasets::mnist_with(d, Verify::Skip).is_ok());

    // IMDB CSV, one letter changed.
    let mut csv = gunzip(&imdb.join("imdb_labelled_50k.csv.gz"));
    let at = csv.windows(8).position(|w| w == b"Bromwell").unwrap();
    csv[at] = b'C';
    std::fs::write(d.join("imdb_labelled_50k.csv"), &csv).unwrap();
    assert_checksum_error(datasets::imdb_with(d, Verify::Checksums), "imdb");
    let loaded = datasets::imdb_with(d, Verify::Skip).unwrap();
    assert!(loaded.train[0].text.starts_with("Cromwell"));

    // Boston with an extra row.
    let mut rows = std::fs::read_to_string(boston.join("boston_house_prices.csv")).unwrap();
    let last = rows.trim_end().lines().last().unwrap().to_string();
    rows = format!("{}\n{last}\n", rows.trim_end());
    std::fs::write(d.join("boston_house_prices.csv"), rows).unwrap();
    assert_checksum_error(datasets::boston_with(d, Verify::Checksums), "boston");
}
