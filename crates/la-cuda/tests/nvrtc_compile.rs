//! Every CUDA kernel of la-cuda compiles with NVRTC — to PTX and to CUBIN for several
//! GPU generations, in both element types — on any machine with NVRTC, GPU or not.
//! Without NVRTC the tests print `SKIP`; `DLFP_REQUIRE_NVRTC=1` (CI, through
//! `cargo xtask test`, which unpacks NVRTC from its PyPI wheel) makes that a failure.

use la_cuda::{compile, compile_cached, nvrtc_version, supported_archs, Target, KERNELS};

fn nvrtc() -> bool {
    match nvrtc_version() {
        Ok(_) => true,
        Err(e) => {
            if std::env::var("DLFP_REQUIRE_NVRTC").as_deref() == Ok("1") {
                panic!("DLFP_REQUIRE_NVRTC=1 but NVRTC is unavailable: {e}");
            }
            println!("SKIP: {e}");
            false
        }
    }
}

/// Turing, Ampere (A100, consumer), Ada, Hopper (H100/H200): those this NVRTC knows.
fn archs() -> Vec<(u32, u32)> {
    let known = supported_archs().unwrap();
    let wanted = [(7, 5), (8, 0), (8, 6), (8, 9), (9, 0)];
    let archs: Vec<_> = wanted.into_iter().filter(|a| known.contains(a)).collect();
    assert!(
        archs.len() >= 3,
        "NVRTC supports only {known:?} of the wanted {wanted:?}"
    );
    archs
}

const ENTRIES: [&str; 7] = [
    "unary",
    "binary",
    "axpby",
    "swap",
    "reduce",
    "random",
    "gather_cols",
];

#[test]
fn kernels_compile_to_ptx_with_every_entry_point() {
    if !nvrtc() {
        return;
    }
    for real in ["float", "double"] {
        let ptx = compile(
            KERNELS.name,
            &KERNELS.with_real(real),
            Target::Ptx { arch: (7, 5) },
        )
        .unwrap_or_else(|e| panic!("REAL={real}: {e}"));
        let text = String::from_utf8_lossy(&ptx);
        assert!(text.contains(".target sm_75"), "{real}");
        for entry in ENTRIES {
            assert!(
                text.contains(&format!(".entry {entry}(")),
                "REAL={real}: no entry point {entry}"
            );
        }
        // The element type reached the kernels: f64 loads in double, none in float.
        assert_eq!(text.contains(".f64"), real == "double", "REAL={real}");
    }
}

#[test]
fn kernels_compile_to_cubin_for_each_generation() {
    if !nvrtc() {
        return;
    }
    for arch in archs() {
        for real in ["float", "double"] {
            let cubin = compile(
                KERNELS.name,
                &KERNELS.with_real(real),
                Target::Cubin { arch },
            )
            .unwrap_or_else(|e| panic!("sm_{}{} REAL={real}: {e}", arch.0, arch.1));
            assert_eq!(
                &cubin[..4],
                b"\x7fELF",
                "sm_{}{}: not an ELF image",
                arch.0,
                arch.1
            );
            for entry in ENTRIES {
                assert!(
                    cubin.windows(entry.len()).any(|w| w == entry.as_bytes()),
                    "sm_{}{}: {entry} missing",
                    arch.0,
                    arch.1
                );
            }
        }
    }
}

#[test]
fn a_compile_error_carries_the_log_and_the_target() {
    if !nvrtc() {
        return;
    }
    let e = compile(
        "broken.cu",
        "extern \"C\" __global__ void k(float* x) { x[0] = undefined_name; }",
        Target::Cubin { arch: (8, 0) },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("compiling broken.cu (--gpu-architecture=sm_80)"),
        "{e}"
    );
    assert!(e.contains("undefined_name"), "{e}");
    assert!(!e.contains('\n'), "one line: {e:?}");
}

#[test]
fn images_are_compiled_once_per_process() {
    if !nvrtc() {
        return;
    }
    let target = Target::Cubin { arch: (8, 0) };
    let a = compile_cached(KERNELS, "float", target).unwrap();
    let b = compile_cached(KERNELS, "float", target).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    let d = compile_cached(KERNELS, "double", target).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&a, &d));
}
