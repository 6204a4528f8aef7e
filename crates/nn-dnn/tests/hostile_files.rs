//! Model and checkpoint files from strangers: each hostile file is refused with an
//! error that names the file and what is wrong, and reading it never allocates more
//! than the file can justify (a counting allocator records the largest allocation).
//! One test, so no other thread allocates while it measures.

use std::path::{Path, PathBuf};

use la_core::alloc_count::CountingAllocator;
use la_core::prelude::*;
use nn_dnn::{dense, load, load_network, network, save, train, Activation, Checkpoints, Cost};
use nn_dnn::{Init, Network, TrainOptions};
use tensor_core::{desc, tensor, AsTensor, DataType, TensorLayout};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new();

/// No read of a file of a few KiB may allocate more than this.
const BOUND: usize = 1 << 20;

fn net() -> Network<f32> {
    let input = desc([4, 6], DataType::Float, TensorLayout::Nc).unwrap();
    let mut n = network(
        native_float(),
        input,
        &[dense(5, Activation::Relu), dense(2, Activation::Softmax)],
    )
    .unwrap();
    n.init(&mut seeded_rng(1), Init::He).unwrap();
    n
}

/// A safetensors file: an 8-byte header length, the JSON header, the data.
fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend(header.as_bytes());
    b.extend(data);
    b
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    /// What the error must say.
    says: &'static str,
}

fn cases(valid: &[u8]) -> Vec<Case> {
    let meta = r#""__metadata__":{"input":"6","batch":"4","layers.0.spec":"dense 5 relu","layers.1.spec":"dense 2 softmax"}"#;
    let mut huge_header = valid.to_vec();
    huge_header[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let mut nan = net();
    nan.layers_mut()[1]
        .params(&mut |p| {
            if p.name == "bias" {
                p.value.set_from(&[0.5, f32::NAN])?;
            }
            Ok(())
        })
        .unwrap();
    let nan_path = std::env::temp_dir().join(format!("dlfp-hostile-nan-{}", std::process::id()));
    save(&nan, &nan_path).unwrap();
    let nan_bytes = std::fs::read(&nan_path).unwrap();
    std::fs::remove_file(&nan_path).unwrap();
    let inf = {
        let mut b = nan_bytes.clone();
        let (at, _) = b
            .windows(4)
            .enumerate()
            .rev()
            .find(|(_, w)| *w == f32::NAN.to_le_bytes())
            .unwrap();
        b[at..at + 4].copy_from_slice(&f32::INFINITY.to_le_bytes());
        b
    };
    let f64_file = {
        let input = desc([4, 6], DataType::Double, TensorLayout::Nc).unwrap();
        let layers = [dense(5, Activation::Relu), dense(2, Activation::Softmax)];
        let wide = network(native_double(), input, &layers).unwrap();
        let p = std::env::temp_dir().join(format!("dlfp-hostile-f64-{}", std::process::id()));
        save(&wide, &p).unwrap();
        let b = std::fs::read(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        b
    };
    vec![
        Case {
            name: "a header length of 2^40 over a small file",
            bytes: huge_header,
            says: "",
        },
        Case {
            name: "a shape of 2^40 elements over 8 bytes of data",
            bytes: file(
                &format!(
                    r#"{{{meta},"layers.0.weight":{{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,8]}}}}"#
                ),
                &[0; 8],
            ),
            says: "",
        },
        Case {
            name: "offsets beyond the file",
            bytes: file(
                &format!(
                    r#"{{{meta},"layers.0.weight":{{"dtype":"F32","shape":[5,6],"data_offsets":[0,1073741824]}}}}"#
                ),
                &[0; 120],
            ),
            says: "",
        },
        Case {
            name: "overlapping offsets",
            bytes: file(
                &format!(
                    r#"{{{meta},"layers.0.weight":{{"dtype":"F32","shape":[5,6],"data_offsets":[0,120]}},"layers.0.bias":{{"dtype":"F32","shape":[5],"data_offsets":[100,120]}}}}"#
                ),
                &[0; 120],
            ),
            says: "",
        },
        Case {
            name: "a dtype that disagrees with the network",
            bytes: f64_file,
            says: "F64",
        },
        Case {
            name: "an architecture of 2^40 outputs",
            bytes: file(
                r#"{"__metadata__":{"input":"6","batch":"4","layers.0.spec":"dense 1099511627776 relu"},"layers.0.weight":{"dtype":"F32","shape":[1,6],"data_offsets":[0,24]}}"#,
                &[0; 24],
            ),
            says: "",
        },
        Case {
            name: "a NaN parameter",
            bytes: nan_bytes,
            says: "layers.1.bias holds NaN at element 1",
        },
        Case {
            name: "an infinite parameter",
            bytes: inf,
            says: "layers.1.bias holds inf at element 1",
        },
        Case {
            name: "a file cut in half",
            bytes: valid[..valid.len() / 2].to_vec(),
            says: "truncated or not a safetensors file",
        },
    ]
}

/// Runs `read` on `path` and checks the error (it names the file and says `says`)
/// and the largest allocation.
fn refused<R>(
    case: &Case,
    says: &str,
    path: &Path,
    how: &str,
    read: impl FnOnce(&Path) -> nn_dnn::Result<R>,
) {
    GLOBAL.reset_largest();
    let got = read(path);
    let largest = GLOBAL.largest();
    let e = match got {
        Ok(_) => panic!("{how}: {} was accepted", case.name),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains(path.to_str().unwrap()) && e.contains(says),
        "{how}: {}: the error `{e}` must name the file and say `{says}`",
        case.name,
    );
    assert!(
        largest <= BOUND,
        "{how}: {} allocated {largest} bytes at once",
        case.name
    );
}

#[test]
fn hostile_files_are_refused_without_large_allocations() {
    let dir: PathBuf = std::env::temp_dir().join(format!("dlfp-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let valid_path = dir.join("valid.safetensors");
    save(&net(), &valid_path).unwrap();
    let valid = std::fs::read(&valid_path).unwrap();
    assert!(valid.len() < 4096);

    let x = tensor(
        &native_float(),
        desc([8, 6], DataType::Float, TensorLayout::Nc).unwrap(),
    )
    .unwrap();
    let y = tensor(
        &native_float(),
        desc([8, 2], DataType::Float, TensorLayout::Nc).unwrap(),
    )
    .unwrap();
    for case in cases(&valid) {
        let path = dir.join("hostile.safetensors");
        std::fs::write(&path, &case.bytes).unwrap();
        let mut target = net();
        let before = target.infer(&x).unwrap().to_vec().unwrap();
        refused(&case, case.says, &path, "load", |p| load(&mut target, p));
        assert_eq!(
            target.infer(&x).unwrap().to_vec().unwrap(),
            before,
            "load changed the network"
        );
        refused(&case, case.says, &path, "load_network", |p| {
            load_network::<f32>(native_float(), p)
        });
        let opts = TrainOptions {
            resume: Some(path.clone()),
            ..TrainOptions::new(2, 0.1)
        };
        // a model file, valid or not, is no checkpoint: refused before its tensors
        refused(&case, "", &path, "train (resume)", |p| {
            assert_eq!(opts.resume.as_deref(), Some(p));
            train(
                &mut net(),
                &x,
                &y,
                Cost::SoftmaxCrossEntropy,
                &opts,
                |_, _| Ok(()),
            )
        });
    }

    // a checkpoint whose optimizer state is damaged: its tensors' lengths disagree
    let policy = Checkpoints::new(dir.join("ckpt"));
    let opts = TrainOptions {
        checkpoints: Some(policy.clone()),
        ..TrainOptions::new(1, 0.1)
    };
    let mut trained = net();
    trained.set_optimizer(nn_dnn::Adam::default()).unwrap();
    train(
        &mut trained,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |_, _| Ok(()),
    )
    .unwrap();
    let ckpt = std::fs::read(policy.path(1)).unwrap();
    let text = String::from_utf8_lossy(&ckpt);
    assert!(text.contains("optimizer.0.0"));
    let damaged = ckpt
        .windows(b"\"shape\":[30]".len())
        .position(|w| w == b"\"shape\":[30]")
        .map(|at| {
            let mut b = ckpt.clone();
            b[at..at + 12].copy_from_slice(b"\"shape\":[15]");
            b
        })
        .unwrap();
    let path = dir.join("damaged.safetensors");
    std::fs::write(&path, &damaged).unwrap();
    let resume = TrainOptions {
        resume: Some(path.clone()),
        checkpoints: None,
        ..opts
    };
    let mut fresh = net();
    fresh.set_optimizer(nn_dnn::Adam::default()).unwrap();
    let e = train(
        &mut fresh,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &resume,
        |_, _| Ok(()),
    )
    .unwrap_err();
    assert!(e.to_string().contains("damaged.safetensors"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
