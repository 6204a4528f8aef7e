//! Saved models that predict: the networks `cargo xtask e2e` saves under
//! `target/models/`, run on one input — an image file (PNG) or a test image by index
//! for MNIST and Fashion-MNIST, a sentence for IMDB. The `predict` binary
//! (`cargo xtask predict …`) is a thin command line over these functions.

use std::path::Path;

use datasets::Vocabulary;
use la_core::prelude::*;
use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};

use crate::cnn::CnnConfig;
use crate::e2e::Error;

/// MNIST's and Fashion-MNIST's image side.
pub const SIDE: usize = 28;

/// Reads a PNG (grey, grey + alpha, RGB, RGBA or palette; 8 or 16 bits) as
/// `side x side` grey values in `[0, 1]`, row by row, the way MNIST stores digits:
/// light strokes on a dark background. Colour becomes luminance, transparency is
/// composed over white, the image is resized by averaging (or repeating) pixels, and
/// a picture with a light background (dark ink on paper, the usual drawing) is
/// inverted.
pub fn read_png(path: &Path, side: usize) -> std::result::Result<Vec<f32>, Error> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let bad = |e: png::DecodingError| format!("{}: not a readable PNG ({e})", path.display());
    let mut reader = decoder.read_info().map_err(bad)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(bad)?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let bytes = &buf[..info.buffer_size()];
    let grey: Vec<f32> = bytes
        .chunks(channels)
        .map(|p| {
            let v = |i: usize| f32::from(p[i]) / 255.0;
            let (lum, alpha) = match channels {
                1 => (v(0), 1.0),
                2 => (v(0), v(1)),
                3 => (0.299 * v(0) + 0.587 * v(1) + 0.114 * v(2), 1.0),
                _ => (0.299 * v(0) + 0.587 * v(1) + 0.114 * v(2), v(3)),
            };
            lum * alpha + (1.0 - alpha)
        })
        .collect();
    if w == 0 || h == 0 || grey.len() != w * h {
        return Err(format!("{}: a {w}x{h} image with no pixels", path.display()).into());
    }
    let mut out = resize(&grey, w, h, side);
    // the border's mean tells the background: light → invert to MNIST's dark one
    let border: Vec<f32> = (0..side)
        .flat_map(|i| {
            [
                out[i],
                out[(side - 1) * side + i],
                out[i * side],
                out[i * side + side - 1],
            ]
        })
        .collect();
    if border.iter().sum::<f32>() / border.len() as f32 > 0.5 {
        out.iter_mut().for_each(|v| *v = 1.0 - *v);
    }
    Ok(out)
}

/// Resizes a `w x h` grey image (row-major) to `side x side`: each output pixel is
/// the mean of the input pixels it covers (at least one).
pub fn resize(grey: &[f32], w: usize, h: usize, side: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(side * side);
    for ty in 0..side {
        let (y0, y1) = (ty * h / side, ((ty + 1) * h / side).max(ty * h / side + 1));
        for tx in 0..side {
            let (x0, x1) = (tx * w / side, ((tx + 1) * w / side).max(tx * w / side + 1));
            let mut sum = 0.0;
            for y in y0..y1.min(h) {
                sum += grey[y * w + x0..x1.min(w) + y * w].iter().sum::<f32>();
            }
            out.push(sum / ((y1.min(h) - y0) * (x1.min(w) - x0)) as f32);
        }
    }
    out
}

/// The features one sample of `net` has, and its outputs.
fn widths(net: &nn_dnn::Network<f32>) -> (usize, usize) {
    let features = net.input_desc().shape()[1..].iter().product();
    (features, net.output_desc().shape()[1..].iter().product())
}

/// `net`'s output for one sample of `features` values.
fn infer_one(
    net: &mut nn_dnn::Network<f32>,
    features: &[f32],
) -> std::result::Result<Vec<f32>, Error> {
    let x = tensor_from(
        &native_float(),
        desc([1, features.len()], DataType::Float, TensorLayout::Nc)?,
        features,
    )?;
    Ok(net.infer(&x)?.to_vec()?)
}

/// The class probabilities the dense network saved in `model` (a file of the MNIST
/// run, or of `nn_train::save`: either records its architecture, which
/// [`nn_dnn::load_network`] rebuilds) gives one image's pixels.
pub fn classify_dense(model: &Path, pixels: &[f32]) -> std::result::Result<Vec<f32>, Error> {
    let mut net = nn_dnn::load_network(native_float(), model)?;
    let (inputs, _) = widths(&net);
    if inputs != pixels.len() {
        return Err(format!(
            "{}: the network takes {inputs} inputs but the image has {} pixels",
            model.display(),
            pixels.len()
        )
        .into());
    }
    infer_one(&mut net, pixels)
}

/// The class probabilities of one `side x side` image by the CNN saved in `model`:
/// the file alone rebuilds the network ([`nn_dnn::load_network`]). Files saved before
/// the architecture was recorded (they hold each layer's kind and activation, not its
/// kernel sizes) load into [`CnnConfig::deep_diamond`]'s layers, the CNN chapters'.
pub fn classify_cnn(
    model: &Path,
    pixels: &[f32],
    side: usize,
) -> std::result::Result<Vec<f32>, Error> {
    let fac = native_float();
    let x = tensor_from(
        &fac,
        desc([1, 1, side, side], DataType::Float, TensorLayout::Nchw)?,
        pixels,
    )?;
    let mut net = match nn_dnn::load_network(&fac, model) {
        Ok(net) => net,
        Err(first) => {
            let input = desc([1, 1, side, side], DataType::Float, TensorLayout::Nchw)?;
            let mut net = nn_dnn::network(&fac, input, &CnnConfig::deep_diamond().blueprints())?;
            // an older file loads here; any other file gets load_network's reason
            nn_dnn::load(&mut net, model).map_err(|_| first)?;
            net
        }
    };
    Ok(net.infer(&x)?.to_vec()?)
}

/// The probability that `text` is a positive review, by the IMDB network saved in
/// `model` with its vocabulary in `vocabulary` (both written by the IMDB chapter).
/// Also returns how many of the text's words the vocabulary knows.
pub fn sentiment(
    model: &Path,
    vocabulary: &Path,
    text: &str,
) -> std::result::Result<(f64, usize), Error> {
    let vocab = Vocabulary::load(vocabulary)?;
    let mut net = nn_dnn::load_network(native_float(), model)?;
    let (inputs, outputs) = widths(&net);
    if inputs != vocab.len() || outputs != 1 {
        return Err(format!(
            "{}: the network is {inputs}→…→{outputs} but the vocabulary {} has {} words (a sentiment model has one output per review)",
            model.display(),
            vocabulary.display(),
            vocab.len()
        )
        .into());
    }
    let idx = vocab.indices(text, &mut String::new());
    let mut x = vec![0.0f32; vocab.len()];
    for &i in &idx {
        x[i as usize] = 1.0;
    }
    let p = infer_one(&mut net, &x)?[0];
    Ok((f64::from(p), idx.len()))
}

/// The index and value of the largest probability.
pub fn best(probs: &[f32]) -> (usize, f32) {
    probs.iter().copied().enumerate().fold(
        (0, f32::NEG_INFINITY),
        |b, (i, p)| if p > b.1 { (i, p) } else { b },
    )
}

/// The image as text, two characters a pixel (` `, `░`, `▒`, `▓`, `█` by brightness).
pub fn ascii_art(pixels: &[f32], side: usize) -> String {
    let mut s = String::new();
    for row in pixels.chunks(side) {
        for &v in row {
            let c = match v {
                v if v < 0.1 => ' ',
                v if v < 0.35 => '░',
                v if v < 0.6 => '▒',
                v if v < 0.85 => '▓',
                _ => '█',
            };
            s.push(c);
            s.push(c);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resizing_averages_and_repeats() {
        // 4x4 → 2x2: means of the quadrants
        let g: Vec<f32> = (0..16).map(|v| v as f32).collect();
        assert_eq!(resize(&g, 4, 4, 2), [2.5, 4.5, 10.5, 12.5]);
        // 2x1 → 2x2: rows repeated
        assert_eq!(resize(&[0.0, 1.0], 2, 1, 2), [0.0, 1.0, 0.0, 1.0]);
        // same size: unchanged
        assert_eq!(resize(&g, 4, 4, 4), g);
    }

    #[test]
    fn the_best_class_is_the_first_largest() {
        assert_eq!(best(&[0.1, 0.7, 0.7, 0.2]), (1, 0.7));
    }
}
