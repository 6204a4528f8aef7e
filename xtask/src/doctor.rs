//! `cargo xtask doctor`: which native libraries this machine has, loaded the way the
//! backends load them (`dlopen`), with versions and install hints.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_uint, CStr};

use libloading::Library;

fn open(names: &[String]) -> Option<(Library, String)> {
    names.iter().find_map(|n| {
        // SAFETY: loading a shared library runs its initialisers only; nothing else
        // is called until a symbol of a known C signature is resolved below.
        unsafe { Library::new(n) }.ok().map(|l| (l, n.clone()))
    })
}

fn line(name: &str, found: Option<String>, hint: &str) {
    match found {
        Some(info) => println!("  [found]   {name}: {info}"),
        None => println!("  [missing] {name}: {hint}"),
    }
}

fn mkl_names() -> Vec<String> {
    let mut v = Vec::new();
    for dir in [
        std::env::var("DLFP_MKL_DIR").ok(),
        std::env::var("MKLROOT").ok(),
        Some(crate::mkl_prefix().display().to_string()),
    ]
    .into_iter()
    .flatten()
    {
        v.push(format!("{dir}/lib/libmkl_rt.so.3"));
        v.push(format!("{dir}/lib/libmkl_rt.so.2"));
    }
    v.extend(["libmkl_rt.so.3".into(), "libmkl_rt.so.2".into()]);
    v
}

fn mkl() -> Option<String> {
    let (lib, path) = open(&mkl_names())?;
    // SAFETY: MKL_Get_Version_String(char*, int) as declared in mkl_service.h.
    let f: libloading::Symbol<unsafe extern "C" fn(*mut c_char, c_int)> =
        unsafe { lib.get(b"MKL_Get_Version_String\0") }.ok()?;
    let mut buf = [0u8; 256];
    // SAFETY: MKL writes at most 256 bytes, NUL-terminated.
    unsafe { f(buf.as_mut_ptr().cast(), 256) };
    let v = CStr::from_bytes_until_nul(&buf)
        .ok()?
        .to_string_lossy()
        .trim()
        .to_string();
    Some(format!("{v} ({path})"))
}

fn openblas() -> Option<(String, String)> {
    let (lib, path) = open(&["libopenblas.so.0".into(), "libopenblas.so".into()])?;
    // SAFETY: both functions return static NUL-terminated strings (openblas_config.h).
    let (config, core) = unsafe {
        let c: libloading::Symbol<unsafe extern "C" fn() -> *const c_char> =
            lib.get(b"openblas_get_config\0").ok()?;
        let k: libloading::Symbol<unsafe extern "C" fn() -> *const c_char> =
            lib.get(b"openblas_get_corename\0").ok()?;
        (
            CStr::from_ptr(c()).to_string_lossy().into_owned(),
            CStr::from_ptr(k()).to_string_lossy().into_owned(),
        )
    };
    Some((format!("{config}, core {core} ({path})"), core))
}

fn opencl() -> Option<String> {
    let (lib, path) = open(&["libOpenCL.so.1".into(), "libOpenCL.so".into()])?;
    // SAFETY: clGetPlatformIDs(cl_uint, cl_platform_id*, cl_uint*) from the OpenCL headers;
    // asking only for the count is valid.
    let n = unsafe {
        let f: libloading::Symbol<
            unsafe extern "C" fn(c_uint, *mut *mut std::ffi::c_void, *mut c_uint) -> c_int,
        > = lib.get(b"clGetPlatformIDs\0").ok()?;
        let mut n: c_uint = 0;
        let status = f(0, std::ptr::null_mut(), &mut n);
        if status == 0 {
            n
        } else {
            0
        }
    };
    Some(format!(
        "{n} platform(s) ({path}){}",
        if n == 0 {
            " — no platform: apt-get install pocl-opencl-icd"
        } else {
            ""
        }
    ))
}

fn cuda() -> Option<String> {
    let (lib, path) = open(&["libcuda.so.1".into(), "libcuda.so".into()])?;
    // SAFETY: cuDriverGetVersion(int*) from cuda.h; it needs no initialisation.
    let v = unsafe {
        let f: libloading::Symbol<unsafe extern "C" fn(*mut c_int) -> c_int> =
            lib.get(b"cuDriverGetVersion\0").ok()?;
        let mut v: c_int = 0;
        if f(&mut v) != 0 {
            return Some(format!("driver present but not usable ({path})"));
        }
        v
    };
    Some(format!(
        "driver API {}.{} ({path})",
        v / 1000,
        (v % 1000) / 10
    ))
}

fn present(names: &[&str]) -> Option<String> {
    open(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).map(|(_, p)| p)
}

/// Prints the report.
pub(crate) fn run() {
    println!("dlfp doctor — native libraries the backends can use\n");
    line(
        "MKL (la-mkl: mkl_float)",
        mkl(),
        "cargo xtask setup mkl (or set MKLROOT / DLFP_MKL_DIR)",
    );
    let ob = openblas();
    let core = ob.as_ref().map(|(_, c)| c.clone());
    line(
        "OpenBLAS (la-mkl: openblas_float)",
        ob.map(|(i, _)| i),
        "apt-get install libopenblas0 (or libopenblas-dev)",
    );
    if let Some(core) = core {
        let avx512 = std::arch::is_x86_feature_detected!("avx512f");
        if avx512
            && !core.to_lowercase().contains("skylakex")
            && !core.to_lowercase().contains("sapphire")
            && !core.to_lowercase().contains("cooperlake")
        {
            println!("            OpenBLAS picked core {core} on an AVX-512 CPU: it may not recognise this CPU (e.g. Zen 5");
            println!("            with OpenBLAS 0.3.21) and run AVX2 kernels at half speed; start with OPENBLAS_CORETYPE=SkylakeX");
        }
        if let Ok(t) = std::env::var("OPENBLAS_CORETYPE") {
            println!("            OPENBLAS_CORETYPE={t} is set");
        }
    }
    line(
        "OpenCL (la-opencl)",
        opencl(),
        "apt-get install ocl-icd-libopencl1 pocl-opencl-icd",
    );
    line(
        "CLBlast (la-opencl BLAS)",
        present(&["libclblast.so.1", "libclblast.so"]),
        "apt-get install libclblast1",
    );
    line(
        "oneDNN 2.x (tensor-dnnl)",
        present(&["libdnnl.so.2"]),
        "apt-get install libdnnl2",
    );
    line(
        "CUDA driver (la-cuda)",
        cuda(),
        "an NVIDIA GPU with its driver (libcuda.so.1)",
    );
    let local_nvrtc = crate::nvrtc_lib().join("libnvrtc.so.13");
    line(
        "NVRTC (la-cuda kernels; compiles without a GPU)",
        present(&["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"]).or_else(|| {
            local_nvrtc
                .exists()
                .then(|| local_nvrtc.display().to_string())
        }),
        "cargo xtask setup nvrtc (PyPI wheel into target/nvrtc), or the CUDA toolkit",
    );
    line(
        "cuBLAS (la-cuda BLAS)",
        present(&["libcublas.so.13", "libcublas.so.12", "libcublas.so"]),
        "the CUDA toolkit's cuBLAS (or pip install nvidia-cublas; put its lib on LD_LIBRARY_PATH)",
    );
    line(
        "cuDNN (tensor-cudnn)",
        present(&["libcudnn.so.9", "libcudnn.so.8", "libcudnn.so"]),
        "NVIDIA cuDNN 9 (or pip install nvidia-cudnn-cu12; put its lib on LD_LIBRARY_PATH)",
    );
    line(
        "MPI (nn-dist, build and run)",
        present(&["libmpi.so.40", "libmpi.so"]).and_then(|lib| {
            let mpirun = std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join("mpirun"))
                    .find(|f| f.exists())
            })?;
            Some(format!("{lib}, {}", mpirun.display()))
        }),
        "apt-get install libopenmpi-dev openmpi-bin",
    );
    line(
        "libclang (nn-dist build: bindgen)",
        crate::libclang_path()
            .map(|p| p.display().to_string())
            .or_else(|| present(&["libclang.so", "libclang-14.so.1"])),
        "apt-get install libclang1-14 libclang-common-14-dev",
    );
    println!(
        "\nThe main job (`cargo xtask examples`) needs none of these: the native backend is built in,\n\
         and the OpenCL and oneDNN parts print what to install when they are missing. `cargo xtask test`\n\
         needs all but CUDA, cuBLAS and cuDNN (it unpacks NVRTC itself)."
    );
}
