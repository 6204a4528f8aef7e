//! Loading MKL's and OpenBLAS's C interfaces at run time, and calling them. The only
//! module with `unsafe`.
//!
//! Both libraries export the same `cblas_*` symbols, so linking both into one binary
//! would let one silently shadow the other; loading each with `dlopen` (local symbol
//! scope) keeps them apart, builds with cargo alone, and turns a missing library into
//! one clear run-time error instead of a link error.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int};
use std::path::PathBuf;

use libloading::Library;

/// CBLAS layout and transpose codes.
pub(crate) const ROW_MAJOR: c_int = 101;
pub(crate) const COL_MAJOR: c_int = 102;
pub(crate) const NO_TRANS: c_int = 111;
pub(crate) const TRANS: c_int = 112;

type Gemm<T> = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    c_int,
    T,
    *const T,
    c_int,
    *const T,
    c_int,
    T,
    *mut T,
    c_int,
);
type Gemv<T> = unsafe extern "C" fn(
    c_int,
    c_int,
    c_int,
    c_int,
    T,
    *const T,
    c_int,
    *const T,
    c_int,
    T,
    *mut T,
    c_int,
);
type Ger<T> =
    unsafe extern "C" fn(c_int, c_int, c_int, T, *const T, c_int, *const T, c_int, *mut T, c_int);
type Vml<T> = unsafe extern "C" fn(c_int, *const T, *mut T);

/// The routines one element type needs from a library.
#[derive(Clone, Copy)]
#[doc(hidden)]
pub struct Routines<T> {
    gemm: Gemm<T>,
    gemv: Gemv<T>,
    ger: Ger<T>,
    /// MKL's vector math (exp, ln, tanh); `None` for OpenBLAS.
    pub(crate) vml: Option<[Vml<T>; 3]>,
}

/// A loaded BLAS library with its f32 and f64 routines.
#[doc(hidden)]
pub struct Blas {
    _lib: Library,
    pub(crate) path: String,
    pub(crate) version: String,
    pub(crate) s: Routines<f32>,
    pub(crate) d: Routines<f64>,
}

fn candidates(env: &str, dir_env: &str, names: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os(env) {
        out.push(PathBuf::from(p));
    }
    if let Some(d) = std::env::var_os(dir_env) {
        for n in names {
            out.push(PathBuf::from(&d).join(n));
            out.push(PathBuf::from(&d).join("lib").join(n));
        }
    }
    out.extend(names.iter().map(PathBuf::from));
    out
}

fn open(paths: &[PathBuf]) -> Result<(Library, String), String> {
    let mut tried = Vec::new();
    for p in paths {
        // SAFETY: loading a BLAS library runs its initialisers, which set up its own
        // state only; we resolve and call nothing until the symbols are checked below.
        match unsafe { Library::new(p) } {
            Ok(lib) => return Ok((lib, p.display().to_string())),
            Err(e) => tried.push(format!("{}: {e}", p.display())),
        }
    }
    Err(tried.join("; "))
}

macro_rules! sym {
    ($lib:expr, $name:literal) => {
        // SAFETY: the symbol is a CBLAS/MKL C function whose signature is the type we
        // bind it to (LP64 interface: 32-bit integers), as the C headers declare it.
        *unsafe { $lib.get(concat!($name, "\0").as_bytes()) }
            .map_err(|e| format!("symbol {} missing: {e}", $name))?
    };
}

fn string_from(buf: &[u8]) -> String {
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).trim().to_string()
}

/// Loads MKL's single dynamic library, `libmkl_rt`, from `DLFP_MKL_LIB`, from
/// `DLFP_MKL_DIR` (where `cargo xtask setup mkl` puts it) or `MKLROOT`, or from the
/// loader's path; selects the GNU OpenMP threading layer when libgomp is present.
pub(crate) fn load_mkl() -> Result<Blas, String> {
    let names = ["libmkl_rt.so.3", "libmkl_rt.so.2", "libmkl_rt.so"];
    let mut paths = candidates("DLFP_MKL_LIB", "DLFP_MKL_DIR", &names);
    if let Some(root) = std::env::var_os("MKLROOT") {
        for n in names {
            paths.push(PathBuf::from(&root).join("lib").join(n));
            paths.push(PathBuf::from(&root).join("lib/intel64").join(n));
        }
    }
    let (lib, path) = open(&paths)?;
    // SAFETY: probing for libgomp only loads it (its initialisers set up OpenMP state).
    let gnu = unsafe { Library::new("libgomp.so.1") }.is_ok();
    let set_layer: unsafe extern "C" fn(c_int) -> c_int = sym!(lib, "MKL_Set_Threading_Layer");
    // SAFETY: must precede any other MKL call, which it does; 3 = GNU OpenMP, 1 = sequential.
    unsafe { set_layer(if gnu { 3 } else { 1 }) };
    let get_version: unsafe extern "C" fn(*mut c_char, c_int) = sym!(lib, "MKL_Get_Version_String");
    let mut buf = [0u8; 256];
    // SAFETY: MKL writes at most `len` bytes, NUL-terminated, into the buffer.
    unsafe { get_version(buf.as_mut_ptr().cast(), buf.len() as c_int) };
    let s = Routines {
        gemm: sym!(lib, "cblas_sgemm"),
        gemv: sym!(lib, "cblas_sgemv"),
        ger: sym!(lib, "cblas_sger"),
        vml: Some([sym!(lib, "vsExp"), sym!(lib, "vsLn"), sym!(lib, "vsTanh")]),
    };
    let d = Routines {
        gemm: sym!(lib, "cblas_dgemm"),
        gemv: sym!(lib, "cblas_dgemv"),
        ger: sym!(lib, "cblas_dger"),
        vml: Some([sym!(lib, "vdExp"), sym!(lib, "vdLn"), sym!(lib, "vdTanh")]),
    };
    let version = format!(
        "{} ({} threading)",
        string_from(&buf),
        if gnu { "GNU OpenMP" } else { "sequential" }
    );
    Ok(Blas {
        _lib: lib,
        path,
        version,
        s,
        d,
    })
}

/// Loads OpenBLAS from `DLFP_OPENBLAS_LIB` or the loader's path (Debian: libopenblas0).
pub(crate) fn load_openblas() -> Result<Blas, String> {
    let paths = candidates(
        "DLFP_OPENBLAS_LIB",
        "DLFP_OPENBLAS_DIR",
        &["libopenblas.so.0", "libopenblas.so"],
    );
    let (lib, path) = open(&paths)?;
    let config: unsafe extern "C" fn() -> *const c_char = sym!(lib, "openblas_get_config");
    let core: unsafe extern "C" fn() -> *const c_char = sym!(lib, "openblas_get_corename");
    // SAFETY: both return pointers to static NUL-terminated strings owned by OpenBLAS.
    let (config, core) = unsafe {
        (
            std::ffi::CStr::from_ptr(config()),
            std::ffi::CStr::from_ptr(core()),
        )
    };
    let version = format!(
        "{} (core {})",
        config.to_string_lossy(),
        core.to_string_lossy()
    );
    let s = Routines {
        gemm: sym!(lib, "cblas_sgemm"),
        gemv: sym!(lib, "cblas_sgemv"),
        ger: sym!(lib, "cblas_sger"),
        vml: None,
    };
    let d = Routines {
        gemm: sym!(lib, "cblas_dgemm"),
        gemv: sym!(lib, "cblas_dgemv"),
        ger: sym!(lib, "cblas_dger"),
        vml: None,
    };
    Ok(Blas {
        _lib: lib,
        path,
        version,
        s,
        d,
    })
}

/// A matrix argument: a slice starting at the first element, and its leading dimension.
pub(crate) struct Arg<'a, T> {
    pub data: &'a [T],
    pub ld: usize,
}

fn int(v: usize, what: &str) -> Result<c_int, String> {
    c_int::try_from(v).map_err(|_| format!("{what} = {v} exceeds the 32-bit BLAS interface"))
}

impl<T: Copy> Routines<T> {
    /// `c := alpha op(a) op(b) + beta c` (CBLAS gemm). Slices start at the first element
    /// and were checked by the caller to hold the whole matrix.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gemm(
        &self,
        layout: c_int,
        ta: c_int,
        tb: c_int,
        m: usize,
        n: usize,
        k: usize,
        alpha: T,
        a: Arg<T>,
        b: Arg<T>,
        beta: T,
        c: (&mut [T], usize),
    ) -> Result<(), String> {
        let (mi, ni, ki) = (int(m, "m")?, int(n, "n")?, int(k, "k")?);
        let (la, lb, lc) = (int(a.ld, "lda")?, int(b.ld, "ldb")?, int(c.1, "ldc")?);
        // SAFETY: the caller checked that each slice covers its matrix given the dims and
        // leading dimensions; c is exclusively borrowed, a and b shared (no aliasing).
        unsafe {
            (self.gemm)(
                layout,
                ta,
                tb,
                mi,
                ni,
                ki,
                alpha,
                a.data.as_ptr(),
                la,
                b.data.as_ptr(),
                lb,
                beta,
                c.0.as_mut_ptr(),
                lc,
            )
        };
        Ok(())
    }

    /// `y := alpha a x + beta y` (CBLAS gemv, no transpose).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn gemv(
        &self,
        layout: c_int,
        m: usize,
        n: usize,
        alpha: T,
        a: Arg<T>,
        x: Arg<T>,
        beta: T,
        y: (&mut [T], usize),
    ) -> Result<(), String> {
        let (mi, ni) = (int(m, "m")?, int(n, "n")?);
        let (la, ix, iy) = (int(a.ld, "lda")?, int(x.ld, "incx")?, int(y.1, "incy")?);
        // SAFETY: as in `gemm`; x and y slices cover their strided vectors.
        unsafe {
            (self.gemv)(
                layout,
                NO_TRANS,
                mi,
                ni,
                alpha,
                a.data.as_ptr(),
                la,
                x.data.as_ptr(),
                ix,
                beta,
                y.0.as_mut_ptr(),
                iy,
            )
        };
        Ok(())
    }

    /// `a := alpha x yᵀ + a` (CBLAS ger).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ger(
        &self,
        layout: c_int,
        m: usize,
        n: usize,
        alpha: T,
        x: Arg<T>,
        y: Arg<T>,
        a: (&mut [T], usize),
    ) -> Result<(), String> {
        let (mi, ni) = (int(m, "m")?, int(n, "n")?);
        let (ix, iy, la) = (int(x.ld, "incx")?, int(y.ld, "incy")?, int(a.1, "lda")?);
        // SAFETY: as in `gemm`.
        unsafe {
            (self.ger)(
                layout,
                mi,
                ni,
                alpha,
                x.data.as_ptr(),
                ix,
                y.data.as_ptr(),
                iy,
                a.0.as_mut_ptr(),
                la,
            )
        };
        Ok(())
    }

    /// MKL VML on contiguous slices of equal length: `which` 0 exp, 1 ln, 2 tanh.
    pub(crate) fn vml(&self, which: usize, x: &[T], y: &mut [T]) -> Option<Result<(), String>> {
        let f = self.vml?[which];
        Some(int(x.len().min(y.len()), "n").map(|n| {
            // SAFETY: both slices hold at least n elements.
            unsafe { f(n, x.as_ptr(), y.as_mut_ptr()) }
        }))
    }

    /// MKL VML in place (VML allows the input and output to be the same array).
    pub(crate) fn vml_inplace(&self, which: usize, y: &mut [T]) -> Option<Result<(), String>> {
        let f = self.vml?[which];
        Some(int(y.len(), "n").map(|n| {
            let p = y.as_mut_ptr();
            // SAFETY: VML documents in-place operation (same pointer for a and r) as valid.
            unsafe { f(n, p, p) }
        }))
    }
}
