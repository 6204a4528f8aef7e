//! The pictures of training and the saved models that predict, on the small generated
//! datasets: every e2e run writes a report folder with each of its charts and an
//! `index.html` that shows them; the saved networks rebuild from their files alone
//! and predict what the trained ones did; the `predict` binary runs them.

mod common;

use std::path::Path;
use std::process::Command;

use chapters::cnn::{image_cnn, CnnConfig};
use chapters::e2e::{boston, imdb, mnist, BostonConfig, ImdbConfig, ImdbData, MnistConfig};
use chapters::predict::{best, classify_cnn, classify_dense, read_png, sentiment};
use chapters::report::CHARTS;
use common::{write_boston, write_digits, write_reviews};
use datasets::Verify;
use la_core::prelude::*;
use tensor_core::AsTensor;

/// The report folder holds exactly `charts` (SVG documents with `words` in them) and
/// an index.html showing each; returns index.html.
fn check_report(dir: &Path, charts: &[&str], words: &[&str]) -> String {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    assert!(dir.parent().unwrap().is_dir(), "{}", dir.display());
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for chart in CHARTS {
        let path = dir.join(chart);
        if charts.contains(&chart) {
            let svg =
                std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}/{chart}: {e}"));
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{name}/{chart}"
            );
            assert!(
                index.contains(&format!("<img src=\"{chart}\"")),
                "{name}: index.html lacks {chart}"
            );
        } else {
            assert!(!path.exists(), "{name}: unexpected {chart}");
            assert!(!index.contains(chart), "{name}: index.html names {chart}");
        }
    }
    let all: String = charts
        .iter()
        .map(|c| std::fs::read_to_string(dir.join(c)).unwrap())
        .collect();
    for w in words {
        assert!(all.contains(w), "{name}: no {w:?} in the charts");
    }
    index
}

#[test]
fn mnist_report_and_saved_model() {
    let data_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write_digits(data_dir.path(), "train", 1000, 1);
    write_digits(data_dir.path(), "t10k", 300, 2);
    let mut cfg = MnistConfig::standard();
    cfg.run.hidden = vec![32];
    cfg.run.epochs = 4;
    cfg.run.batch = 50;
    cfg.run.progress = false;
    cfg.run.reports = Some(out.path().join("reports"));
    let model = out.path().join("models/mnist.safetensors");
    cfg.run.save_to = Some(model.clone());
    cfg.verify = Verify::Skip;
    let r = mnist(data_dir.path(), &cfg).unwrap();
    let dir = r.report.clone().unwrap();
    assert!(dir.starts_with(out.path().join("reports")));
    assert!(
        dir.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("mnist-20"),
        "{}",
        dir.display()
    );
    let index = check_report(
        &dir,
        &CHARTS,
        &["epoch", "training", "test", "predicted", "actual", "→"],
    );
    // four epochs in the table, the final metrics, the settings
    assert_eq!(index.matches("<tr><td>").count(), 4, "{index}");
    assert!(index.contains(&format!("{:.4}", r.value)), "{index}");
    assert!(index.contains("mini-batch") && index.contains("softmax cross-entropy"));
    // the saved file rebuilds the network, which predicts what the trained one did:
    // the test accuracy through the file equals the run's
    let test = datasets::mnist_with(data_dir.path(), Verify::Skip)
        .unwrap()
        .test;
    let mut right = 0;
    for j in 0..test.len() {
        let p = classify_dense(&model, test.images.col(j)).unwrap();
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        right += usize::from(best(&p).0 == usize::from(test.labels[j]));
    }
    assert_eq!(right as f64 / test.len() as f64, r.value);
}

#[test]
fn imdb_report_and_sentiment_from_saved_files() {
    let dir = tempfile::tempdir().unwrap();
    write_reviews(&dir.path().join("imdb_labelled_50k.csv"), 600, 3);
    let mut cfg = ImdbConfig::book();
    cfg.words = 40;
    cfg.run.batch = 32;
    cfg.run.learning_rate = 0.01;
    cfg.run.progress = false;
    cfg.run.reports = Some(dir.path().join("reports"));
    cfg.label = "IMDB (Adam, quadratic cost)".into();
    let model = dir.path().join("imdb.safetensors");
    cfg.run.save_to = Some(model.clone());
    cfg.verify = Verify::Skip;
    let data = ImdbData::load(dir.path(), &cfg).unwrap();
    let r = imdb(&data, &cfg).unwrap();
    assert_eq!(r.dataset, "IMDB (Adam, quadratic cost)");
    let report = r.report.unwrap();
    assert!(report
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("imdb-adam-quadratic-cost-"));
    check_report(
        &report,
        &["cost.svg", "metric.svg", "confusion.svg"],
        &["negative", "positive", "accuracy"],
    );
    let vocab = chapters::e2e::vocabulary_path(&model);
    assert!(vocab.ends_with("imdb.vocab.txt"));
    let (good, known) = sentiment(&model, &vocab, "A great, wonderful film: I loved it!").unwrap();
    let (bad, _) = sentiment(&model, &vocab, "Awful. Boring and dull, the worst.").unwrap();
    assert!(good > 0.8 && bad < 0.2, "positive {good}, negative {bad}");
    assert_eq!(known, 6); // a great wonderful film i loved it → a, great, wonderful, film, loved, it
                          // a vocabulary of another size does not fit the network
    let other = dir.path().join("other.vocab.txt");
    datasets::Vocabulary::build(&["a b c"], 3, datasets::Tokenizer::Clean)
        .unwrap()
        .save(&other)
        .unwrap();
    let e = sentiment(&model, &other, "great").unwrap_err().to_string();
    assert!(
        e.contains("but the vocabulary") && e.contains("has 3 words"),
        "{e}"
    );
}

#[test]
fn boston_report_has_curves_and_no_classes() {
    let dir = tempfile::tempdir().unwrap();
    write_boston(&dir.path().join("boston_house_prices.csv"));
    let mut cfg = BostonConfig::standard();
    cfg.run.epochs = 30;
    cfg.run.reports = Some(dir.path().join("reports"));
    cfg.verify = Verify::Skip;
    let r = boston(dir.path(), &cfg).unwrap();
    let index = check_report(
        &r.report.unwrap(),
        &["cost.svg", "metric.svg"],
        &["MAE", "test"],
    );
    assert!(index.contains("test MAE ($1000s)"));
    assert_eq!(index.matches("<tr><td>").count(), 30);
}

#[test]
fn cnn_report_has_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    write_digits(dir.path(), "train", 400, 3);
    write_digits(dir.path(), "t10k", 100, 4);
    let cfg = CnnConfig {
        channels: [4, 4],
        dense: 16,
        epochs: 2,
        batch: 32,
        learning_rate: 0.005,
        validation: 80,
        verbose: false,
        reports: Some(dir.path().join("reports")),
        save_to: Some(dir.path().join("cnn.safetensors")),
        ..CnnConfig::deep_diamond()
    };
    let data = datasets::mnist_with(dir.path(), Verify::Skip).unwrap();
    let r = image_cnn("digits", &data, &cfg, None).unwrap();
    // the saved file alone rebuilds this off-default CNN (4 and 4 channels, dense 16)
    let model = dir.path().join("cnn.safetensors");
    let pixels = data.test.images.col(0);
    let side = (pixels.len() as f64).sqrt() as usize; // the generated digits' side
    let probs = classify_cnn(&model, pixels, side).unwrap();
    assert_eq!(probs.len(), 10);
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{probs:?}");
    let mut net = nn_dnn::load_network(native_float(), &model).unwrap();
    assert_eq!(net.layers()[0].output_desc().shape()[1], 4);
    let x = tensor_core::tensor_from(
        &native_float(),
        tensor_core::desc(
            [1, 1, side, side],
            tensor_core::DataType::Float,
            tensor_core::TensorLayout::Nchw,
        )
        .unwrap(),
        pixels,
    )
    .unwrap();
    assert_eq!(net.forward(&x).unwrap().to_vec().unwrap(), probs);
    let report = r.report.unwrap();
    assert!(report
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("digits-cnn-"));
    // two epochs may leave no test image wrong: then there is no grid to draw
    let mut charts = vec!["cost.svg", "metric.svg", "confusion.svg"];
    if r.value < 1.0 {
        charts.push("misclassified.svg");
    }
    check_report(&report, &charts, &["validation", "accuracy"]);
}

/// A PNG of a dark "1" on white, `w x h`, 8-bit grey.
fn write_png(path: &Path, w: u32, h: u32, colour: png::ColorType) {
    let channels = colour.samples();
    let mut data = vec![255u8; (w * h) as usize * channels];
    for y in h / 4..3 * h / 4 {
        for x in w / 2 - w / 14..w / 2 + w / 14 {
            for c in 0..channels.min(3) {
                data[(y * w + x) as usize * channels + c] = 0;
            }
        }
    }
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(colour);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&data).unwrap();
}

#[test]
fn pngs_become_mnist_images() {
    let dir = tempfile::tempdir().unwrap();
    for (colour, name) in [
        (png::ColorType::Grayscale, "grey.png"),
        (png::ColorType::Rgb, "rgb.png"),
        (png::ColorType::Rgba, "rgba.png"),
    ] {
        let p = dir.path().join(name);
        write_png(&p, 56, 56, colour);
        let px = read_png(&p, 28).unwrap();
        assert_eq!(px.len(), 784);
        // inverted to light strokes on black: the stroke (columns 12..16, rows 7..21)
        assert_eq!(px[0], 0.0, "{name}");
        assert_eq!(px[14 * 28 + 14], 1.0, "{name}");
        assert_eq!(px[14 * 28 + 20], 0.0, "{name}");
        let lit = px.iter().filter(|&&v| v > 0.5).count();
        assert_eq!(lit, 4 * 14, "{name}");
    }
    // not a PNG, and a missing file: errors naming the file
    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"GIF89a not a png").unwrap();
    let e = read_png(&junk, 28).unwrap_err().to_string();
    assert!(
        e.contains("junk.png") && e.contains("not a readable PNG"),
        "{e}"
    );
    let e = read_png(&dir.path().join("none.png"), 28)
        .unwrap_err()
        .to_string();
    assert!(e.contains("none.png"), "{e}");
}

#[test]
fn the_predict_binary_runs_saved_models() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("mnist");
    std::fs::create_dir_all(&data).unwrap();
    write_digits(&data, "train", 600, 5);
    write_digits(&data, "t10k", 50, 6);
    let mut cfg = MnistConfig::standard();
    cfg.run.hidden = vec![16];
    cfg.run.epochs = 3;
    cfg.run.batch = 50;
    cfg.run.progress = false;
    let model = root.path().join("m.safetensors");
    cfg.run.save_to = Some(model.clone());
    cfg.verify = Verify::Skip;
    mnist(&data, &cfg).unwrap();
    let labels = datasets::mnist_with(&data, Verify::Skip)
        .unwrap()
        .test
        .labels;
    let predict = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_predict"))
            .args(args)
            .env("DLFP_DATASETS", root.path())
            .env("DLFP_DATASETS_VERIFY", "0")
            .output()
            .unwrap()
    };
    let m = model.to_str().unwrap();
    let out = predict(&["mnist", "7", "--model", m]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(", actually {}", labels[7])),
        "{stdout}"
    );
    assert!(
        stdout.contains("predicted ") && stdout.contains("█"),
        "{stdout}"
    );
    // errors: an index past the test set, an unknown kind, a missing model
    for (args, want) in [
        (
            vec!["mnist", "50", "--model", m],
            "the test set has 50 images",
        ),
        (vec!["cifar", "1"], "unknown model kind `cifar`"),
        (
            vec!["imdb", "great", "--model", "/nonexistent/x.safetensors"],
            "/nonexistent/x.safetensors",
        ),
        (vec!["mnist"], "usage: predict"),
    ] {
        let out = predict(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}
