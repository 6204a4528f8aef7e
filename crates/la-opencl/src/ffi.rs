//! CLBlast's C interface, loaded at run time (`libclblast.so.1`), and the routines
//! this crate calls through it. With [`crate::cl`], the only module with `unsafe`.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::sync::OnceLock;

use libloading::Library;

use crate::cl::{ClInt, Mem, Queue};

type Handle = *mut c_void;

/// `CLBlastLayout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub enum Layout {
    RowMajor = 101,
    ColMajor = 102,
}

/// `CLBlastTranspose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub enum Transpose {
    No = 111,
    Yes = 112,
}

type Status = ClInt;

type Gemm<T> = unsafe extern "C" fn(
    Layout,
    Transpose,
    Transpose,
    usize,
    usize,
    usize,
    T,
    Handle,
    usize,
    usize,
    Handle,
    usize,
    usize,
    T,
    Handle,
    usize,
    usize,
    *mut Handle,
    *mut Handle,
) -> Status;
type Gemv<T> = unsafe extern "C" fn(
    Layout,
    Transpose,
    usize,
    usize,
    T,
    Handle,
    usize,
    usize,
    Handle,
    usize,
    usize,
    T,
    Handle,
    usize,
    usize,
    *mut Handle,
    *mut Handle,
) -> Status;
type Ger<T> = unsafe extern "C" fn(
    Layout,
    usize,
    usize,
    T,
    Handle,
    usize,
    usize,
    Handle,
    usize,
    usize,
    Handle,
    usize,
    usize,
    *mut Handle,
    *mut Handle,
) -> Status;

struct Routines<T> {
    gemm: Gemm<T>,
    gemv: Gemv<T>,
    ger: Ger<T>,
}

struct ClBlastLib {
    _lib: Library,
    s: Routines<f32>,
    d: Routines<f64>,
}

macro_rules! sym {
    ($lib:expr, $name:literal) => {
        // SAFETY: the symbol is a CLBlast C routine whose signature is the field's type,
        // as clblast_c.h declares it (enums are C ints, sizes are size_t).
        *unsafe { $lib.get(concat!($name, "\0").as_bytes()) }
            .map_err(|e| format!("libclblast lacks {}: {e}", $name))?
    };
}

fn load() -> Result<ClBlastLib, String> {
    let mut tried = Vec::new();
    for name in crate::library_names("DLFP_CLBLAST_LIB", &["libclblast.so.1", "libclblast.so"]) {
        // SAFETY: CLBlast's initialisers set up its own state only; nothing is called
        // until the symbols are resolved.
        match unsafe { Library::new(&name) } {
            Ok(lib) => {
                return Ok(ClBlastLib {
                    s: Routines {
                        gemm: sym!(lib, "CLBlastSgemm"),
                        gemv: sym!(lib, "CLBlastSgemv"),
                        ger: sym!(lib, "CLBlastSger"),
                    },
                    d: Routines {
                        gemm: sym!(lib, "CLBlastDgemm"),
                        gemv: sym!(lib, "CLBlastDgemv"),
                        ger: sym!(lib, "CLBlastDger"),
                    },
                    _lib: lib,
                })
            }
            Err(e) => tried.push(format!("{name}: {e}")),
        }
    }
    Err(format!(
        "CLBlast was not found ({}); install it (Debian: apt-get install libclblast1)",
        tried.join("; ")
    ))
}

/// CLBlast, loaded once per process, or why it could not be.
pub(crate) fn clblast() -> Result<(), String> {
    lib().map(|_| ())
}

fn lib() -> Result<&'static ClBlastLib, String> {
    static LIB: OnceLock<Result<ClBlastLib, String>> = OnceLock::new();
    LIB.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// A memory object and an element offset/leading dimension (or increment), as CLBlast
/// takes them.
#[derive(Debug, Clone, Copy)]
pub struct Mat<'a> {
    pub mem: &'a Mem,
    pub off: usize,
    pub ld: usize,
}

/// Element types CLBlast has routines for (sealed: f32 and f64).
#[doc(hidden)]
pub trait ClBlast: Copy {
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        q: &Queue,
        layout: Layout,
        ta: Transpose,
        tb: Transpose,
        m: usize,
        n: usize,
        k: usize,
        alpha: Self,
        a: Mat,
        b: Mat,
        beta: Self,
        c: Mat,
    ) -> Result<(), String>;
    #[allow(clippy::too_many_arguments)]
    fn gemv(
        q: &Queue,
        layout: Layout,
        ta: Transpose,
        m: usize,
        n: usize,
        alpha: Self,
        a: Mat,
        x: Mat,
        beta: Self,
        y: Mat,
    ) -> Result<(), String>;
    #[allow(clippy::too_many_arguments)]
    fn ger(
        q: &Queue,
        layout: Layout,
        m: usize,
        n: usize,
        alpha: Self,
        x: Mat,
        y: Mat,
        a: Mat,
    ) -> Result<(), String>;
}

fn status(routine: &str, code: Status) -> Result<(), String> {
    if code == 0 {
        Ok(())
    } else {
        Err(format!("CLBlast {routine} returned status {code}"))
    }
}

macro_rules! clblast_impl {
    ($t:ty, $field:ident) => {
        impl ClBlast for $t {
            fn gemm(
                q: &Queue,
                layout: Layout,
                ta: Transpose,
                tb: Transpose,
                m: usize,
                n: usize,
                k: usize,
                alpha: Self,
                a: Mat,
                b: Mat,
                beta: Self,
                c: Mat,
            ) -> Result<(), String> {
                let f = lib()?.$field.gemm;
                let mut queue = q.raw();
                // SAFETY: the memory objects belong to buffers borrowed for this call and
                // the caller checked every region lies inside its buffer; the queue handle
                // is live (borrowed) and CLBlast only enqueues work on it; no event is requested.
                let code = unsafe {
                    f(
                        layout,
                        ta,
                        tb,
                        m,
                        n,
                        k,
                        alpha,
                        a.mem.raw(),
                        a.off,
                        a.ld,
                        b.mem.raw(),
                        b.off,
                        b.ld,
                        beta,
                        c.mem.raw(),
                        c.off,
                        c.ld,
                        &mut queue,
                        std::ptr::null_mut(),
                    )
                };
                status("gemm", code)
            }
            fn gemv(
                q: &Queue,
                layout: Layout,
                ta: Transpose,
                m: usize,
                n: usize,
                alpha: Self,
                a: Mat,
                x: Mat,
                beta: Self,
                y: Mat,
            ) -> Result<(), String> {
                let f = lib()?.$field.gemv;
                let mut queue = q.raw();
                // SAFETY: as in `gemm`.
                let code = unsafe {
                    f(
                        layout,
                        ta,
                        m,
                        n,
                        alpha,
                        a.mem.raw(),
                        a.off,
                        a.ld,
                        x.mem.raw(),
                        x.off,
                        x.ld,
                        beta,
                        y.mem.raw(),
                        y.off,
                        y.ld,
                        &mut queue,
                        std::ptr::null_mut(),
                    )
                };
                status("gemv", code)
            }
            fn ger(
                q: &Queue,
                layout: Layout,
                m: usize,
                n: usize,
                alpha: Self,
                x: Mat,
                y: Mat,
                a: Mat,
            ) -> Result<(), String> {
                let f = lib()?.$field.ger;
                let mut queue = q.raw();
                // SAFETY: as in `gemm`.
                let code = unsafe {
                    f(
                        layout,
                        m,
                        n,
                        alpha,
                        x.mem.raw(),
                        x.off,
                        x.ld,
                        y.mem.raw(),
                        y.off,
                        y.ld,
                        a.mem.raw(),
                        a.off,
                        a.ld,
                        &mut queue,
                        std::ptr::null_mut(),
                    )
                };
                status("ger", code)
            }
        }
    };
}

clblast_impl!(f32, s);
clblast_impl!(f64, d);
