//! Saved files say what they hold and `load` holds them to it: activations (ELU with
//! its α) are recorded and checked, and a damaged file is described in plain words.

use std::path::PathBuf;

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork, Init};
use nn_train::{load, save};

fn file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nn_train_save_load_{}_{name}", std::process::id()))
}

fn net(act: Activation<f32>) -> InferenceNetwork<f32> {
    let mut n = inference_network(native_float(), 3, &[fully_connected(2, act)]).unwrap();
    n.init(&mut seeded_rng(3), Init::Glorot).unwrap();
    n
}

#[test]
fn activations_are_recorded_and_checked() {
    let p = file("elu.safetensors");
    save(&net(Activation::Elu(0.5)), &p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let header = String::from_utf8_lossy(&bytes[8..200.min(bytes.len())]).to_string();
    assert!(header.contains("dense elu(0.5)"), "{header}");
    let mut same = net(Activation::Elu(0.5));
    load(&mut same, &p).unwrap();
    let e = load(&mut net(Activation::Elu(1.0)), &p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("saved as `dense elu(0.5)` but the network's is `dense elu(1)`"),
        "{e}"
    );
    let e = load(&mut net(Activation::Tanh), &p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("but the network's is `dense tanh`"), "{e}");

    let r = file("relu.safetensors");
    save(&net(Activation::Relu), &r).unwrap();
    let e = load(&mut net(Activation::Tanh), &r)
        .unwrap_err()
        .to_string();
    assert!(e.contains("relu") && e.contains(r.to_str().unwrap()), "{e}");
    std::fs::remove_file(p).ok();
    std::fs::remove_file(r).ok();
}

#[test]
fn damaged_files_are_described() {
    let p = file("good.safetensors");
    save(&net(Activation::Tanh), &p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let t = file("truncated.safetensors");
    std::fs::write(&t, &bytes[..bytes.len() / 2]).unwrap();
    let e = load(&mut net(Activation::Tanh), &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated"), "{e}");
    let n = file("text.safetensors");
    std::fs::write(
        &n,
        b"this is not a model, just some text that is long enough",
    )
    .unwrap();
    let e = load(&mut net(Activation::Tanh), &n)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not a safetensors file") || e.contains("truncated"),
        "{e}"
    );
    assert!(e.contains(n.to_str().unwrap()), "{e}");
    for f in [p, t, n] {
        std::fs::remove_file(f).ok();
    }
}

#[test]
fn a_file_without_activations_needs_the_network() {
    // what PyTorch's safetensors.torch.save_file writes: tensors, no metadata
    let w: Vec<u8> = [0.5f32; 6].iter().flat_map(|v| v.to_le_bytes()).collect();
    let b: Vec<u8> = [0.0f32; 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    let views = vec![
        (
            "layers.0.weight".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 3], &w).unwrap(),
        ),
        (
            "layers.0.bias".to_string(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2], &b).unwrap(),
        ),
    ];
    let p = file("torch.safetensors");
    std::fs::write(&p, safetensors::serialize(views, &None).unwrap()).unwrap();
    let e = nn_train::load_network(native_float(), &p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the file records no architecture"), "{e}");
    let mut n = net(Activation::Tanh);
    load(&mut n, &p).unwrap();
    assert_eq!(
        n.layers()[0].weights().unwrap().to_vec().unwrap(),
        vec![0.5; 6]
    );
    std::fs::remove_file(p).ok();
}

/// The book's `load_network` builds fully connected networks; a CNN's file is refused
/// with the loader that reads it.
#[test]
fn load_network_refuses_a_cnn_naming_nn_dnn() {
    use tensor_core::{desc, DataType, TensorLayout};
    let f = native_float();
    let input = desc([2, 1, 4, 4], DataType::Float, TensorLayout::Nchw).unwrap();
    let cnn = nn_dnn::network(
        &f,
        input,
        &[
            nn_dnn::convo(2, [3, 3], Activation::Relu),
            nn_dnn::dense(2, Activation::Softmax),
        ],
    )
    .unwrap();
    let p = file("cnn.safetensors");
    nn_dnn::save(&cnn, &p).unwrap();
    let e = nn_train::load_network(native_float(), &p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("convo, dense") && e.contains("nn_dnn::load_network"),
        "{e}"
    );
    let dense = nn_train::load_network(native_float(), file_of(&net(Activation::Tanh))).unwrap();
    assert_eq!((dense.input_dim(), dense.output_dim()), (3, 2));
    std::fs::remove_file(p).ok();
}

fn file_of(n: &InferenceNetwork<f32>) -> PathBuf {
    let p = file("dense.safetensors");
    save(n, &p).unwrap();
    p
}
