//! CUDA C to device code with NVRTC, opened at run time (the one FFI module of the
//! compiler): PTX for any architecture, or CUBIN for one `sm_XY`.
//!
//! Kernels are compiled to CUBIN for the device's own architecture, so a driver older
//! than NVRTC never has to accept newer PTX. Images are cached per process, keyed by
//! the source, its element type and the architecture: a second factory on the same
//! device loads the cached image instead of compiling again.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::sync::{Arc, Mutex, OnceLock};

use cudarc::nvrtc::sys;

use crate::probe::Library;

/// What to compile to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// PTX (text) for a virtual architecture, `compute_XY`: loadable by any driver at
    /// least as new as NVRTC, on any device of that generation or newer.
    Ptx {
        /// The compute capability `(X, Y)`.
        arch: (u32, u32),
    },
    /// CUBIN (machine code) for one real architecture, `sm_XY`: loadable by any driver
    /// that knows the device, however old.
    Cubin {
        /// The compute capability `(X, Y)`.
        arch: (u32, u32),
    },
}

impl Target {
    /// The NVRTC option that selects the target (`--gpu-architecture=sm_90`, ...).
    pub fn option(&self) -> String {
        match self {
            Target::Ptx { arch: (x, y) } => format!("--gpu-architecture=compute_{x}{y}"),
            Target::Cubin { arch: (x, y) } => format!("--gpu-architecture=sm_{x}{y}"),
        }
    }
}

/// NVRTC's version `(major, minor)`, or the error that says how to get it.
///
/// ```
/// match la_cuda::nvrtc_version() {
///     Ok((major, _)) => assert!(major >= 11),
///     Err(e) => assert!(e.to_string().contains("nvrtc")),
/// }
/// ```
pub fn nvrtc_version() -> la_core::Result<(i32, i32)> {
    crate::probe::require(&[Library::Nvrtc])?;
    let (mut major, mut minor) = (0, 0);
    // SAFETY: NVRTC is loaded (checked just above); both pointers are to live locals.
    let r = unsafe { sys::nvrtcVersion(&mut major, &mut minor) };
    check(r, "nvrtcVersion")?;
    Ok((major, minor))
}

/// The architectures this NVRTC compiles for, as compute capabilities (`(9, 0)` is
/// `sm_90`), oldest first.
pub fn supported_archs() -> la_core::Result<Vec<(u32, u32)>> {
    crate::probe::require(&[Library::Nvrtc])?;
    let mut n = 0;
    // SAFETY: NVRTC is loaded; `n` is a live local.
    let r = unsafe { sys::nvrtcGetNumSupportedArchs(&mut n) };
    check(r, "nvrtcGetNumSupportedArchs")?;
    let mut archs = vec![0i32; n.max(0) as usize];
    // SAFETY: `archs` holds the number of entries NVRTC just reported.
    let r = unsafe { sys::nvrtcGetSupportedArchs(archs.as_mut_ptr()) };
    check(r, "nvrtcGetSupportedArchs")?;
    Ok(archs
        .into_iter()
        .map(|a| ((a / 10) as u32, (a % 10) as u32))
        .collect())
}

fn check(r: sys::nvrtcResult, call: &str) -> la_core::Result<()> {
    if r == sys::nvrtcResult::NVRTC_SUCCESS {
        Ok(())
    } else {
        Err(crate::cuda_err(format!("{call}: {r:?}")))
    }
}

/// NVRTC's `nvrtcGetPTXSize` / `nvrtcGetCUBINSize`.
type SizeOf = unsafe fn(sys::nvrtcProgram, *mut usize) -> sys::nvrtcResult;
/// NVRTC's `nvrtcGetPTX` / `nvrtcGetCUBIN`.
type GetImage = unsafe fn(sys::nvrtcProgram, *mut c_char) -> sys::nvrtcResult;

/// An NVRTC program, destroyed when dropped.
struct Program(sys::nvrtcProgram);

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: the handle came from nvrtcCreateProgram and is destroyed once.
        unsafe {
            sys::nvrtcDestroyProgram(&mut self.0);
        }
    }
}

/// Compiles the CUDA C `source` (named `name` in messages) for `target`, returning
/// the PTX text (NUL-terminated) or the CUBIN image. A compile error carries NVRTC's
/// log; a missing NVRTC names the package that brings it.
///
/// ```
/// use la_cuda::{compile, Target};
/// let src = "extern \"C\" __global__ void twice(float* x) { x[threadIdx.x] *= 2.0f; }";
/// match compile("twice.cu", src, Target::Ptx { arch: (7, 5) }) {
///     Ok(ptx) => assert!(String::from_utf8_lossy(&ptx).contains(".entry twice")),
///     Err(e) => println!("SKIP: {e}"), // no NVRTC on this machine
/// }
/// ```
pub fn compile(name: &str, source: &str, target: Target) -> la_core::Result<Vec<u8>> {
    crate::probe::require(&[Library::Nvrtc])?;
    let src = CString::new(source)
        .map_err(|_| crate::cuda_err(format!("compiling {name}: the source holds a NUL byte")))?;
    let cname = CString::new(name).unwrap_or_default();
    let mut prog = Program(std::ptr::null_mut());
    // SAFETY: `src` and `cname` are NUL-terminated and outlive the call; no headers.
    let r = unsafe {
        sys::nvrtcCreateProgram(
            &mut prog.0,
            src.as_ptr(),
            cname.as_ptr(),
            0,
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    check(r, &format!("nvrtcCreateProgram({name})"))?;
    let options: Vec<CString> = [target.option(), "--std=c++14".into()]
        .into_iter()
        .map(|o| CString::new(o).expect("options hold no NUL"))
        .collect();
    let ptrs: Vec<*const c_char> = options.iter().map(|o| o.as_ptr()).collect();
    // SAFETY: `prog` is a live program; `ptrs` points at `options`, alive for the call.
    let r = unsafe { sys::nvrtcCompileProgram(prog.0, ptrs.len() as i32, ptrs.as_ptr()) };
    if r != sys::nvrtcResult::NVRTC_SUCCESS {
        return Err(crate::cuda_err(format!(
            "compiling {name} ({}): {r:?}: {}",
            target.option(),
            log(&prog)
        )));
    }
    let (size_of, get): (SizeOf, GetImage) = match target {
        Target::Ptx { .. } => (sys::nvrtcGetPTXSize, sys::nvrtcGetPTX),
        Target::Cubin { .. } => (sys::nvrtcGetCUBINSize, sys::nvrtcGetCUBIN),
    };
    let mut size = 0usize;
    // SAFETY: `prog` compiled successfully; `size` is a live local.
    let r = unsafe { size_of(prog.0, &mut size) };
    check(r, "getting the image size")?;
    let mut image = vec![0u8; size];
    // SAFETY: `image` holds exactly the size NVRTC reported.
    let r = unsafe { get(prog.0, image.as_mut_ptr().cast()) };
    check(r, "getting the image")?;
    Ok(image)
}

/// NVRTC's log of a program (warnings and errors), one line.
fn log(prog: &Program) -> String {
    let mut size = 0usize;
    // SAFETY: `prog` is a live program; `size` is a live local.
    if unsafe { sys::nvrtcGetProgramLogSize(prog.0, &mut size) } != sys::nvrtcResult::NVRTC_SUCCESS
    {
        return "(no log)".into();
    }
    let mut buf = vec![0u8; size];
    // SAFETY: `buf` holds exactly the size NVRTC reported.
    unsafe { sys::nvrtcGetProgramLog(prog.0, buf.as_mut_ptr().cast()) };
    let text = String::from_utf8_lossy(&buf);
    text.trim_end_matches('\0')
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A kernel source: its name in messages and its text, with `REAL` left to define.
#[derive(Debug, Clone, Copy)]
pub struct KernelSource {
    /// The name NVRTC reports errors under (`kernels.cu`).
    pub name: &'static str,
    /// The CUDA C text; `REAL` is the element type.
    pub text: &'static str,
}

impl KernelSource {
    /// The text with `REAL` defined as `real` (`float` or `double`).
    pub fn with_real(&self, real: &str) -> String {
        format!("#define REAL {real}\n{}", self.text)
    }
}

type Cache = Mutex<HashMap<(&'static str, &'static str, Target), Arc<Vec<u8>>>>;

/// [`compile`] of `source` with `REAL` set to `real`, once per process for each
/// target: later calls return the cached image.
pub fn compile_cached(
    source: KernelSource,
    real: &'static str,
    target: Target,
) -> la_core::Result<Arc<Vec<u8>>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    let key = (source.name, real, target);
    if let Some(image) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(Arc::clone(image));
    }
    let image = Arc::new(compile(source.name, &source.with_real(real), target)?);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Arc::clone(&image));
    Ok(image)
}
