//! The part of oneDNN's 2.x C API this crate calls, opened at run time from
//! `libdnnl.so.2` (Debian's `libdnnl2`, oneDNN 2.6/2.7), as la-mkl opens MKL: the
//! crate builds with cargo alone, and a machine without oneDNN gets an error naming
//! the package. Descriptors are opaque, 8-byte aligned byte blocks of the sizes the
//! 2.6 headers give (`dnnl_memory_desc_t` 696 bytes, `dnnl_convolution_desc_t` 5976);
//! the library fills and reads them, this crate never looks inside.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

use libloading::Library;

pub(crate) type Status = c_int;
pub(crate) type Handle = *mut c_void;
pub(crate) type Dims = [i64; 12];

pub(crate) const SUCCESS: Status = 0;
pub(crate) const F32: c_int = 3;
pub(crate) const FORMAT_ANY: c_int = 1;
pub(crate) const ENGINE_CPU: c_int = 1;
pub(crate) const STREAM_DEFAULT: u32 = 1;
pub(crate) const FORWARD_TRAINING: c_int = 64;
pub(crate) const FORWARD_INFERENCE: c_int = 96;
pub(crate) const POOLING_MAX: c_int = 0x1ff;
pub(crate) const POOLING_AVG_INCLUDE_PADDING: c_int = 0x2ff;
pub(crate) const POOLING_AVG_EXCLUDE_PADDING: c_int = 0x3ff;
pub(crate) const ARG_WORKSPACE: c_int = 64;
pub(crate) const QUERY_WORKSPACE_MD: c_int = 135;
pub(crate) const CONVOLUTION_DIRECT: c_int = 1;
pub(crate) const ARG_SRC: c_int = 1;
pub(crate) const ARG_DST: c_int = 17;
pub(crate) const ARG_WEIGHTS: c_int = 33;
pub(crate) const ARG_BIAS: c_int = 41;
pub(crate) const ARG_DIFF_SRC: c_int = 129;
pub(crate) const ARG_DIFF_DST: c_int = 145;
pub(crate) const ARG_DIFF_WEIGHTS: c_int = 161;
pub(crate) const ARG_DIFF_BIAS: c_int = 169;
pub(crate) const ARG_SCRATCHPAD: c_int = 80;
pub(crate) const QUERY_IMPL_INFO_STR: c_int = 8;
pub(crate) const QUERY_SRC_MD: c_int = 129;
pub(crate) const QUERY_DIFF_SRC_MD: c_int = 130;
pub(crate) const QUERY_WEIGHTS_MD: c_int = 131;
pub(crate) const QUERY_DIFF_WEIGHTS_MD: c_int = 132;
pub(crate) const QUERY_DST_MD: c_int = 133;
pub(crate) const QUERY_DIFF_DST_MD: c_int = 134;
pub(crate) const QUERY_SCRATCHPAD_MD: c_int = 136;
pub(crate) const SCRATCHPAD_USER: c_int = 1;
/// `DNNL_MEMORY_ALLOCATE`: the library allocates and owns the buffer.
pub(crate) const MEMORY_ALLOCATE: Handle = usize::MAX as Handle;

/// `dnnl_memory_desc_t` (696 bytes, 8-byte aligned).
#[repr(C, align(8))]
#[derive(Clone, Copy)]
pub(crate) struct MemoryDesc(pub(crate) [u8; 696]);

/// `dnnl_convolution_desc_t` (5976 bytes, 8-byte aligned).
#[repr(C, align(8))]
pub(crate) struct ConvDesc(pub(crate) [u8; 5976]);

/// `dnnl_pooling_v2_desc_t` (3288 bytes, 8-byte aligned).
#[repr(C, align(8))]
pub(crate) struct PoolDesc(pub(crate) [u8; 3288]);

/// `dnnl_softmax_desc_t` (1408 bytes, 8-byte aligned).
#[repr(C, align(8))]
pub(crate) struct SoftmaxDesc(pub(crate) [u8; 1408]);

/// `dnnl_exec_arg_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct ExecArg {
    pub(crate) arg: c_int,
    pub(crate) memory: Handle,
}

/// `dnnl_version_t`.
#[repr(C)]
pub(crate) struct Version {
    pub(crate) major: c_int,
    pub(crate) minor: c_int,
    pub(crate) patch: c_int,
    pub(crate) hash: *const c_char,
    pub(crate) cpu_runtime: u32,
    pub(crate) gpu_runtime: u32,
}

type ConvFwdInit = unsafe extern "C" fn(
    *mut ConvDesc,
    c_int,
    c_int,
    *const MemoryDesc,
    *const MemoryDesc,
    *const MemoryDesc,
    *const MemoryDesc,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
) -> Status;
type ConvBwdDataInit = unsafe extern "C" fn(
    *mut ConvDesc,
    c_int,
    *const MemoryDesc,
    *const MemoryDesc,
    *const MemoryDesc,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
) -> Status;
type ConvBwdWeightsInit = unsafe extern "C" fn(
    *mut ConvDesc,
    c_int,
    *const MemoryDesc,
    *const MemoryDesc,
    *const MemoryDesc,
    *const MemoryDesc,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
) -> Status;

type PoolFwdInit = unsafe extern "C" fn(
    *mut PoolDesc,
    c_int,
    c_int,
    *const MemoryDesc,
    *const MemoryDesc,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
) -> Status;
type PoolBwdInit = unsafe extern "C" fn(
    *mut PoolDesc,
    c_int,
    *const MemoryDesc,
    *const MemoryDesc,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
    *const i64,
) -> Status;

/// The entry points, resolved once.
pub(crate) struct Api {
    _lib: Library,
    pub(crate) version: unsafe extern "C" fn() -> *const Version,
    pub(crate) engine_create: unsafe extern "C" fn(*mut Handle, c_int, usize) -> Status,
    pub(crate) engine_destroy: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) stream_create: unsafe extern "C" fn(*mut Handle, Handle, u32) -> Status,
    pub(crate) stream_wait: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) stream_destroy: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) md_init_by_strides:
        unsafe extern "C" fn(*mut MemoryDesc, c_int, *const i64, c_int, *const i64) -> Status,
    pub(crate) md_init_by_tag:
        unsafe extern "C" fn(*mut MemoryDesc, c_int, *const i64, c_int, c_int) -> Status,
    pub(crate) md_get_size: unsafe extern "C" fn(*const MemoryDesc) -> usize,
    pub(crate) md_equal: unsafe extern "C" fn(*const MemoryDesc, *const MemoryDesc) -> c_int,
    pub(crate) memory_create:
        unsafe extern "C" fn(*mut Handle, *const MemoryDesc, Handle, Handle) -> Status,
    pub(crate) memory_set_data_handle: unsafe extern "C" fn(Handle, Handle) -> Status,
    pub(crate) memory_destroy: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) conv_fwd_init: ConvFwdInit,
    pub(crate) conv_bwd_data_init: ConvBwdDataInit,
    pub(crate) conv_bwd_weights_init: ConvBwdWeightsInit,
    pub(crate) pool_fwd_init: PoolFwdInit,
    pub(crate) pool_bwd_init: PoolBwdInit,
    pub(crate) softmax_fwd_init:
        unsafe extern "C" fn(*mut SoftmaxDesc, c_int, *const MemoryDesc, c_int) -> Status,
    pub(crate) pd_create:
        unsafe extern "C" fn(*mut Handle, *const c_void, Handle, Handle, Handle) -> Status,
    pub(crate) pd_query_md: unsafe extern "C" fn(Handle, c_int, c_int) -> *const MemoryDesc,
    pub(crate) pd_query: unsafe extern "C" fn(Handle, c_int, c_int, *mut c_void) -> Status,
    pub(crate) pd_destroy: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) primitive_create: unsafe extern "C" fn(*mut Handle, Handle) -> Status,
    pub(crate) primitive_execute:
        unsafe extern "C" fn(Handle, Handle, c_int, *const ExecArg) -> Status,
    pub(crate) primitive_destroy: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) reorder_pd_create: unsafe extern "C" fn(
        *mut Handle,
        *const MemoryDesc,
        Handle,
        *const MemoryDesc,
        Handle,
        Handle,
    ) -> Status,
    pub(crate) attr_create: unsafe extern "C" fn(*mut Handle) -> Status,
    pub(crate) attr_destroy: unsafe extern "C" fn(Handle) -> Status,
    pub(crate) attr_set_scratchpad_mode: unsafe extern "C" fn(Handle, c_int) -> Status,
}

// SAFETY: the function pointers are plain C entry points; oneDNN's C API is
// thread-safe for distinct objects, and this crate serialises use of shared objects.
unsafe impl Send for Api {}
// SAFETY: as above; the struct is read-only after loading.
unsafe impl Sync for Api {}

/// The file names tried, in order (`DLFP_DNNL_LIB` first when set).
fn candidates() -> Vec<String> {
    let mut v = vec![];
    if let Ok(p) = std::env::var("DLFP_DNNL_LIB") {
        v.push(p);
        return v;
    }
    v.extend(["libdnnl.so.2".to_string(), "libdnnl.so".to_string()]);
    v
}

fn load() -> Result<Api, String> {
    // oneDNN runs on GNU OpenMP, whose threads by default spin for a while after each
    // primitive; the native kernels that run between convolutions (pooling, dense
    // layers, on rayon's threads) then compete with them for the cores: pooling took
    // 1.48 ms instead of 0.59 on 2 cores. Passive waiting gives the cores back. libgomp
    // reads this when it loads, so it must be set before oneDNN (which loads it) is
    // opened; a value the user set is kept.
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        std::env::set_var("OMP_WAIT_POLICY", "PASSIVE");
    }
    let names = candidates();
    let mut last = String::new();
    for name in &names {
        // SAFETY: loading oneDNN runs its initialisers, which have no preconditions.
        let lib = match unsafe { Library::new(name) } {
            Ok(l) => l,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: the symbol is oneDNN 2.x's C function of this name; the
                // field's type is its prototype from dnnl.h (2.6.3).
                *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                    .map_err(|e| format!("{name}: {}: {e}", $name))?
            };
        }
        let api = Api {
            version: sym!("dnnl_version"),
            engine_create: sym!("dnnl_engine_create"),
            engine_destroy: sym!("dnnl_engine_destroy"),
            stream_create: sym!("dnnl_stream_create"),
            stream_wait: sym!("dnnl_stream_wait"),
            stream_destroy: sym!("dnnl_stream_destroy"),
            md_init_by_strides: sym!("dnnl_memory_desc_init_by_strides"),
            md_init_by_tag: sym!("dnnl_memory_desc_init_by_tag"),
            md_get_size: sym!("dnnl_memory_desc_get_size"),
            md_equal: sym!("dnnl_memory_desc_equal"),
            memory_create: sym!("dnnl_memory_create"),
            memory_set_data_handle: sym!("dnnl_memory_set_data_handle"),
            memory_destroy: sym!("dnnl_memory_destroy"),
            conv_fwd_init: sym!("dnnl_dilated_convolution_forward_desc_init"),
            conv_bwd_data_init: sym!("dnnl_dilated_convolution_backward_data_desc_init"),
            conv_bwd_weights_init: sym!("dnnl_dilated_convolution_backward_weights_desc_init"),
            pool_fwd_init: sym!("dnnl_pooling_v2_forward_desc_init"),
            pool_bwd_init: sym!("dnnl_pooling_v2_backward_desc_init"),
            softmax_fwd_init: sym!("dnnl_softmax_forward_desc_init"),
            pd_create: sym!("dnnl_primitive_desc_create"),
            pd_query_md: sym!("dnnl_primitive_desc_query_md"),
            pd_query: sym!("dnnl_primitive_desc_query"),
            pd_destroy: sym!("dnnl_primitive_desc_destroy"),
            primitive_create: sym!("dnnl_primitive_create"),
            primitive_execute: sym!("dnnl_primitive_execute"),
            primitive_destroy: sym!("dnnl_primitive_destroy"),
            reorder_pd_create: sym!("dnnl_reorder_primitive_desc_create"),
            attr_create: sym!("dnnl_primitive_attr_create"),
            attr_destroy: sym!("dnnl_primitive_attr_destroy"),
            attr_set_scratchpad_mode: sym!("dnnl_primitive_attr_set_scratchpad_mode"),
            _lib: lib,
        };
        // SAFETY: dnnl_version has no preconditions and returns a static struct.
        let v = unsafe { &*(api.version)() };
        if v.major != 2 {
            return Err(format!(
                "{name} is oneDNN {}.{}.{}; this crate speaks the 2.x C API (Debian's libdnnl2)",
                v.major, v.minor, v.patch
            ));
        }
        return Ok(api);
    }
    Err(format!(
        "oneDNN not found ({}: {last}); install it with `apt-get install libdnnl2` \
         (or libdnnl-dev), or point DLFP_DNNL_LIB at libdnnl.so.2",
        names.join(", ")
    ))
}

/// The loaded API, or why it is not there (probed once per process).
pub(crate) fn api() -> Result<&'static Api, String> {
    static API: OnceLock<Result<Api, String>> = OnceLock::new();
    API.get_or_init(load).as_ref().map_err(Clone::clone)
}
