//! Parameter files fuzzed by mutation (proptest, 768 seeds): a valid safetensors file
//! damaged by [`la_core::sweep::mutate`] (bytes changed, inserted, cut, the header
//! length rewritten). `load` and `load_network` must return — Ok, or an error that
//! names the file — and never panic.

use la_core::prelude::*;
use la_core::sweep::mutate;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork};
use nn_train::{load, load_network, save};
use proptest::prelude::*;

fn network() -> InferenceNetwork<f32> {
    inference_network(
        native_float(),
        3,
        &[
            fully_connected(4, Activation::Elu(0.5)),
            fully_connected(2, Activation::Softmax),
        ],
    )
    .unwrap()
}

/// A folder for this process's mutated files.
fn dir() -> &'static std::path::Path {
    use std::sync::OnceLock;
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("dlfp-fuzz-nn-train-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

fn valid_file() -> &'static [u8] {
    use std::sync::OnceLock;
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let p = dir().join("valid.safetensors");
        save(&network(), &p).unwrap();
        std::fs::read(&p).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn mutated_files_never_panic(seed in any::<u64>()) {
        let p = dir().join(format!("mutated-{seed:016x}.safetensors"));
        std::fs::write(&p, mutate(valid_file(), seed)).unwrap();
        let mut net = network();
        if let Err(e) = load(&mut net, &p) {
            prop_assert!(e.to_string().contains("mutated-"), "the error names the file: {}", e);
        }
        let _ = load_network(native_float(), &p);
        std::fs::remove_file(&p).ok();
    }
}
