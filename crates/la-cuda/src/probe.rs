//! Whether the CUDA libraries and a device exist, probed once per process.
//!
//! cudarc opens each library on first use and panics when one is missing; every
//! public entry point of this crate asks here first, so a machine without CUDA gets
//! an [`Error`](la_core::Error) that names what is missing, never a panic.
#![allow(unsafe_code)]

use std::sync::OnceLock;

use la_core::Result;

/// A CUDA library this crate opens at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    /// The driver API, `libcuda.so` (comes with the NVIDIA driver).
    Driver,
    /// The run-time compiler, `libnvrtc.so`.
    Nvrtc,
    /// cuBLAS, `libcublas.so`.
    Cublas,
}

impl Library {
    /// What the library is and how to get it.
    pub fn install_hint(self) -> &'static str {
        match self {
            Library::Driver => {
                "libcuda.so (the NVIDIA driver) was not found: this machine has no NVIDIA \
                 driver (install it, e.g. Debian's nvidia-driver, or run on a GPU host)"
            }
            Library::Nvrtc => {
                "libnvrtc.so (CUDA's run-time compiler) was not found: install the CUDA \
                 toolkit, or `pip download --no-deps nvidia-cuda-nvrtc` and put the wheel's \
                 nvidia/cu13/lib on LD_LIBRARY_PATH"
            }
            Library::Cublas => {
                "libcublas.so was not found: install the CUDA toolkit's cuBLAS, or \
                 `pip install nvidia-cublas` and put its lib folder on LD_LIBRARY_PATH"
            }
        }
    }

    fn present(self) -> bool {
        static PRESENT: OnceLock<[bool; 3]> = OnceLock::new();
        let all = PRESENT.get_or_init(|| {
            // SAFETY: each call only tries to open the library with libloading (no
            // symbol is called); a library's initialisers are the only code that runs.
            unsafe {
                [
                    cudarc::driver::sys::is_culib_present(),
                    cudarc::nvrtc::sys::is_culib_present(),
                    cudarc::cublas::sys::is_culib_present(),
                ]
            }
        });
        all[self as usize]
    }
}

/// `Ok` when every library in `libs` can be opened; otherwise the error naming the
/// first one missing.
pub fn require(libs: &[Library]) -> Result<()> {
    match libs.iter().find(|l| !l.present()) {
        None => Ok(()),
        Some(l) => Err(crate::cuda_err(l.install_hint())),
    }
}

/// The number of CUDA devices, probed once: an error when the driver is missing, fails
/// to initialise (a driver older than the API cudarc binds panics inside cudarc; that
/// panic is caught and reported here), or sees no device.
///
/// ```
/// match la_cuda::device_count() {
///     Ok(n) => assert!(n > 0),
///     Err(e) => println!("SKIP: {e}"), // no GPU here
/// }
/// ```
pub fn device_count() -> Result<usize> {
    static COUNT: OnceLock<std::result::Result<usize, String>> = OnceLock::new();
    COUNT
        .get_or_init(|| {
            require(&[Library::Driver]).map_err(crate::cuda_message)?;
            let counted = std::panic::catch_unwind(|| {
                cudarc::driver::result::init()
                    .and_then(|()| cudarc::driver::result::device::get_count())
            });
            match counted {
                Ok(Ok(n)) if n > 0 => Ok(n as usize),
                Ok(Ok(_)) => Err("the NVIDIA driver sees no CUDA device".to_string()),
                Ok(Err(e)) => Err(format!("initialising the CUDA driver: {e:?}")),
                Err(_) => Err(
                    "the CUDA driver lacks a function cudarc needs (a driver older than \
                     CUDARC_CUDA_VERSION; set that variable to the driver's version and rebuild)"
                        .to_string(),
                ),
            }
        })
        .clone()
        .map_err(crate::cuda_err)
}
