//! A trained CNN saved and loaded predicts the same; files that do not match the
//! network are refused with a reason.

use la_core::prelude::*;
use nn_dnn::{convo, dense, dropout, load, network, pooling, save, Blueprint};
use nn_dnn::{Activation, Init};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};

fn path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("nn_dnn_{}_{name}", std::process::id()))
}

fn layers(act: Activation<f64>) -> Vec<Blueprint<f64>> {
    vec![
        convo(3, [3, 3], act).padding([1, 1]),
        pooling([2, 2], PoolAlgo::Max),
        dropout(),
        dense(4, Activation::Softmax),
    ]
}

#[test]
fn saved_networks_predict_the_same() {
    let f = native_double();
    let xd = desc([5, 2, 6, 6], DataType::Double, TensorLayout::Nchw).unwrap();
    let mut net = network(&f, xd, &layers(Activation::Elu(0.3))).unwrap();
    net.init(&mut seeded_rng(4), Init::Glorot).unwrap();
    let mut v = f.vctr(xd.size()).unwrap();
    rand_uniform(&mut seeded_rng(5), &mut v).unwrap();
    let x = tensor_from(&f, xd, &v.to_vec().unwrap()).unwrap();
    let want = net.forward(&x).unwrap().to_vec().unwrap();
    let p = path("cnn.safetensors");
    save(&net, &p).unwrap();

    let mut copy = network(&f, xd, &layers(Activation::Elu(0.3))).unwrap();
    load(&mut copy, &p).unwrap();
    assert_eq!(copy.forward(&x).unwrap().to_vec().unwrap(), want);

    // PyTorch's shapes: Conv2d [oc, c, kh, kw], Linear [out, in]
    let bytes = std::fs::read(&p).unwrap();
    let header = String::from_utf8_lossy(&bytes[8..]).to_string();
    assert!(
        header.contains("\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[3,2,3,3]"),
        "{header}"
    );
    assert!(
        header.contains("\"layers.3.weight\":{\"dtype\":\"F64\",\"shape\":[4,27]"),
        "{header}"
    );

    let e = load(&mut network(&f, xd, &layers(Activation::Relu)).unwrap(), &p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("saved as `convo elu(0.3)` but the network's is `convo relu`"),
        "{e}"
    );
    let other = vec![
        convo(4, [3, 3], Activation::Elu(0.3)),
        dense(4, Activation::Softmax),
    ];
    let e = load(&mut network(&f, xd, &other).unwrap(), &p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("shape [3, 2, 3, 3] but the network needs [4, 2, 3, 3]"),
        "{e}"
    );
    let t = path("truncated.safetensors");
    std::fs::write(&t, &bytes[..bytes.len() - 10]).unwrap();
    let e = load(&mut copy, &t).unwrap_err().to_string();
    assert!(
        e.contains("truncated") && e.contains(t.to_str().unwrap()),
        "{e}"
    );
    assert_eq!(
        copy.forward(&x).unwrap().to_vec().unwrap(),
        want,
        "a failed load changed the network"
    );
    std::fs::remove_file(p).ok();
    std::fs::remove_file(t).ok();
}
