//! tensor-cudnn's CUDA kernels compile with NVRTC (PTX and CUBIN, both element types)
//! on any machine with NVRTC, GPU or not; `DLFP_REQUIRE_NVRTC=1` (CI) makes a missing
//! NVRTC a failure.

use la_cuda::{compile, supported_archs, Target};
use tensor_cudnn::KERNELS;

const ENTRIES: [&str; 4] = [
    "bias_activation",
    "activation_grad",
    "pooling_forward",
    "pooling_backward",
];

#[test]
fn dnn_kernels_compile_for_every_generation_and_type() {
    let archs = match supported_archs() {
        Ok(a) => a,
        Err(e) => {
            if std::env::var("DLFP_REQUIRE_NVRTC").as_deref() == Ok("1") {
                panic!("DLFP_REQUIRE_NVRTC=1 but NVRTC is unavailable: {e}");
            }
            println!("SKIP: {e}");
            return;
        }
    };
    let wanted: Vec<_> = [(7, 5), (8, 0), (8, 6), (9, 0)]
        .into_iter()
        .filter(|a| archs.contains(a))
        .collect();
    assert!(wanted.len() >= 3, "NVRTC supports only {archs:?}");
    for real in ["float", "double"] {
        let src = KERNELS.with_real(real);
        let ptx = compile(KERNELS.name, &src, Target::Ptx { arch: wanted[0] })
            .unwrap_or_else(|e| panic!("REAL={real}: {e}"));
        let text = String::from_utf8_lossy(&ptx);
        for entry in ENTRIES {
            assert!(
                text.contains(&format!(".entry {entry}(")),
                "REAL={real}: {entry}"
            );
        }
        for &arch in &wanted {
            let cubin = compile(KERNELS.name, &src, Target::Cubin { arch })
                .unwrap_or_else(|e| panic!("sm_{}{} REAL={real}: {e}", arch.0, arch.1));
            assert_eq!(&cubin[..4], b"\x7fELF");
        }
    }
}
