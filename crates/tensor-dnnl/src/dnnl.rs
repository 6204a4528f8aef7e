//! Safe RAII wrappers over [`crate::ffi`]: an engine with its stream, memory
//! descriptors, memory objects (over the caller's buffers or owned by oneDNN),
//! primitive descriptors and primitives. Every status becomes an [`Error`] naming the
//! call. With [`crate::ffi`], the only module with `unsafe`.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use la_core::Error;

use crate::ffi::{self, Api, ConvDesc, ExecArg, Handle, MemoryDesc, PoolDesc, SoftmaxDesc, Status};

pub(crate) type Result<T> = std::result::Result<T, Error>;

fn backend(message: String) -> Error {
    Error::Backend {
        backend: "dnnl".into(),
        message,
    }
}

/// `Ok` for `dnnl_success`, else an error naming the call and the status.
pub(crate) fn check(call: &str, status: Status) -> Result<()> {
    if status == ffi::SUCCESS {
        return Ok(());
    }
    let what = match status {
        1 => "out of memory",
        2 => "invalid arguments",
        3 => "unimplemented (no implementation for these descriptors)",
        4 => "iterator ends",
        5 => "runtime error",
        6 => "not required",
        _ => "unknown status",
    };
    Err(backend(format!("{call}: {what} (status {status})")))
}

/// The loaded library, or the error that says what to install.
pub(crate) fn api() -> Result<&'static Api> {
    ffi::api().map_err(backend)
}

/// oneDNN's version, e.g. `(2, 6, 3)`.
pub(crate) fn version() -> Result<(i32, i32, i32)> {
    let a = api()?;
    // SAFETY: dnnl_version returns a pointer to a static struct.
    let v = unsafe { &*(a.version)() };
    Ok((v.major, v.minor, v.patch))
}

/// A CPU engine and an in-order stream on it.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) engine: Handle,
    pub(crate) stream: Handle,
}

// SAFETY: oneDNN engines and streams may be used from any thread; this crate uses a
// context under a mutex, never from two threads at once.
unsafe impl Send for Context {}

impl Context {
    pub(crate) fn cpu() -> Result<Context> {
        let a = api()?;
        let mut engine = ptr::null_mut();
        // SAFETY: `engine` is a valid out-pointer; index 0 is the only CPU engine.
        check("dnnl_engine_create", unsafe {
            (a.engine_create)(&mut engine, ffi::ENGINE_CPU, 0)
        })?;
        let mut stream = ptr::null_mut();
        // SAFETY: `engine` was just created; `stream` is a valid out-pointer.
        let s = unsafe { (a.stream_create)(&mut stream, engine, ffi::STREAM_DEFAULT) };
        if let Err(e) = check("dnnl_stream_create", s) {
            // SAFETY: the engine was created above and is not used again.
            unsafe { (a.engine_destroy)(engine) };
            return Err(e);
        }
        Ok(Context { engine, stream })
    }

    /// Waits for the stream's work.
    pub(crate) fn wait(&self) -> Result<()> {
        // SAFETY: the stream is alive while `self` is.
        check("dnnl_stream_wait", unsafe {
            (api()?.stream_wait)(self.stream)
        })
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        if let Ok(a) = api() {
            // SAFETY: both were created by `cpu` and are destroyed once, stream first.
            unsafe {
                (a.stream_destroy)(self.stream);
                (a.engine_destroy)(self.engine);
            }
        }
    }
}

/// The right/bottom padding oneDNN wants for a window of `extent` (the dilated kernel)
/// sliding with `strides` from `pad_l` over `input` to give `output` positions (it may
/// be negative when the last stride does not fit).
pub(crate) fn right_padding(
    output: [usize; 2],
    strides: [usize; 2],
    extent: [usize; 2],
    pad_l: [usize; 2],
    input: [usize; 2],
) -> ffi::Dims {
    let mut pad_r = [0i64; 12];
    for i in 0..2 {
        pad_r[i] = (output[i] as i64 - 1) * strides[i] as i64 + extent[i] as i64
            - input[i] as i64
            - pad_l[i] as i64;
    }
    pad_r
}

/// Up to 12 sizes as oneDNN's dims (the rest 0).
pub(crate) fn dims(v: &[usize]) -> ffi::Dims {
    let mut d = [0i64; 12];
    for (o, &x) in d.iter_mut().zip(v) {
        *o = x as i64;
    }
    d
}

impl MemoryDesc {
    /// f32 with the given logical dims and element strides (a plain layout).
    pub(crate) fn strided(shape: &[usize], strides: &[usize]) -> Result<MemoryDesc> {
        let a = api()?;
        let mut md = MemoryDesc([0; 696]);
        let (d, s) = (dims(shape), dims(strides));
        // SAFETY: `md` is a writable descriptor; `d` and `s` hold 12 dims each.
        check("dnnl_memory_desc_init_by_strides", unsafe {
            (a.md_init_by_strides)(
                &mut md,
                shape.len() as c_int,
                d.as_ptr(),
                ffi::F32,
                s.as_ptr(),
            )
        })?;
        Ok(md)
    }

    /// Dense f32 in logical order (`nchw`, `oihw`, `x`).
    pub(crate) fn dense(shape: &[usize]) -> Result<MemoryDesc> {
        let mut strides = vec![1; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * shape[i + 1];
        }
        MemoryDesc::strided(shape, &strides)
    }

    /// f32 in a format oneDNN picks (`format_tag_any`).
    pub(crate) fn any(shape: &[usize]) -> Result<MemoryDesc> {
        let a = api()?;
        let mut md = MemoryDesc([0; 696]);
        let d = dims(shape);
        // SAFETY: `md` is a writable descriptor; `d` holds 12 dims.
        check("dnnl_memory_desc_init_by_tag", unsafe {
            (a.md_init_by_tag)(
                &mut md,
                shape.len() as c_int,
                d.as_ptr(),
                ffi::F32,
                ffi::FORMAT_ANY,
            )
        })?;
        Ok(md)
    }

    /// Bytes a buffer of this descriptor takes.
    pub(crate) fn size(&self) -> usize {
        // SAFETY: `self` is an initialised descriptor.
        api().map_or(0, |a| unsafe { (a.md_get_size)(self) })
    }

    /// Whether two descriptors describe the same layout.
    pub(crate) fn same(&self, other: &MemoryDesc) -> bool {
        // SAFETY: both are initialised descriptors.
        api().is_ok_and(|a| unsafe { (a.md_equal)(self, other) } != 0)
    }
}

/// A memory object: over a caller's buffer (set before each execution) or owning a
/// buffer oneDNN allocated.
pub(crate) struct Memory {
    pub(crate) handle: Handle,
    /// The bytes its descriptor spans (what a lent buffer must hold).
    pub(crate) bytes: usize,
}

// SAFETY: a memory object is used under the cache's mutex only.
unsafe impl Send for Memory {}

impl Memory {
    fn create(ctx: &Context, desc: &MemoryDesc, buffer: Handle) -> Result<Memory> {
        let a = api()?;
        let mut handle = ptr::null_mut();
        // SAFETY: `desc` is initialised, the engine alive; `buffer` is
        // DNNL_MEMORY_ALLOCATE or null (no buffer yet).
        check("dnnl_memory_create", unsafe {
            (a.memory_create)(&mut handle, desc, ctx.engine, buffer)
        })?;
        Ok(Memory {
            handle,
            bytes: desc.size(),
        })
    }

    /// Memory whose buffer oneDNN allocates (an internal, reordered copy).
    pub(crate) fn owned(ctx: &Context, desc: &MemoryDesc) -> Result<Memory> {
        Memory::create(ctx, desc, ffi::MEMORY_ALLOCATE)
    }

    /// Memory for a caller's buffer, given per execution with [`Memory::point_at`].
    pub(crate) fn user(ctx: &Context, desc: &MemoryDesc) -> Result<Memory> {
        Memory::create(ctx, desc, ptr::null_mut())
    }

    /// Points the memory at `bytes` bytes at `ptr`, which must hold at least the
    /// descriptor's bytes (checked).
    fn point(&mut self, ptr: *mut c_void, bytes: usize) -> Result<()> {
        let need = self.bytes;
        if bytes < need {
            return Err(backend(format!(
                "a buffer of {bytes} bytes for a descriptor of {need}"
            )));
        }
        // SAFETY: the memory object is alive and the buffer large enough (checked);
        // the callers below lend it only for executions that end before they return.
        check("dnnl_memory_set_data_handle", unsafe {
            (api()?.memory_set_data_handle)(self.handle, ptr)
        })
    }

    /// Points the memory at an input buffer, which the primitives only read. Every
    /// execution in this crate runs synchronously inside the call that lends it.
    pub(crate) fn point_at(&mut self, buf: &[f32]) -> Result<()> {
        self.point(buf.as_ptr() as *mut c_void, std::mem::size_of_val(buf))
    }

    /// Points the memory at an output buffer.
    pub(crate) fn point_at_mut(&mut self, buf: &mut [f32]) -> Result<()> {
        self.point(buf.as_mut_ptr() as *mut c_void, std::mem::size_of_val(buf))
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        if let Ok(a) = api() {
            // SAFETY: created by `create`, destroyed once.
            unsafe { (a.memory_destroy)(self.handle) };
        }
    }
}

/// A primitive with its descriptor.
pub(crate) struct Primitive {
    pub(crate) pd: Handle,
    handle: Handle,
}

// SAFETY: a primitive is executed under the cache's mutex only.
unsafe impl Send for Primitive {}

/// An attribute asking for a user-provided scratchpad (so this crate owns it).
struct Attr(Handle);

impl Attr {
    fn user_scratchpad() -> Result<Attr> {
        let a = api()?;
        let mut h = ptr::null_mut();
        // SAFETY: `h` is a valid out-pointer.
        check("dnnl_primitive_attr_create", unsafe {
            (a.attr_create)(&mut h)
        })?;
        let attr = Attr(h);
        // SAFETY: the attribute was just created.
        check("dnnl_primitive_attr_set_scratchpad_mode", unsafe {
            (a.attr_set_scratchpad_mode)(attr.0, ffi::SCRATCHPAD_USER)
        })?;
        Ok(attr)
    }
}

impl Drop for Attr {
    fn drop(&mut self) {
        if let Ok(a) = api() {
            // SAFETY: created by `user_scratchpad`, destroyed once.
            unsafe { (a.attr_destroy)(self.0) };
        }
    }
}

impl Primitive {
    /// The primitive of an op descriptor (`hint`: the forward primitive a backward
    /// one pairs with), with a user scratchpad.
    pub(crate) fn new(
        ctx: &Context,
        call: &str,
        op_desc: &dyn OpDesc,
        hint: Option<&Primitive>,
    ) -> Result<Primitive> {
        let a = api()?;
        let attr = Attr::user_scratchpad()?;
        let mut pd = ptr::null_mut();
        let hint = hint.map_or(ptr::null_mut(), |h| h.pd);
        // SAFETY: `op_desc` was initialised by one of the *_desc functions below (the
        // only way to make one), the attribute and engine are alive, `hint` is null or
        // a live primitive descriptor.
        check(call, unsafe {
            (a.pd_create)(&mut pd, op_desc.as_ptr(), attr.0, ctx.engine, hint)
        })?;
        Primitive::from_pd(call, pd)
    }

    /// A reorder from `src` to `dst` layouts (its scratchpad, if any, oneDNN's).
    pub(crate) fn reorder(ctx: &Context, src: &MemoryDesc, dst: &MemoryDesc) -> Result<Primitive> {
        let a = api()?;
        let mut pd = ptr::null_mut();
        // SAFETY: both descriptors are initialised, the engine alive; no attribute.
        check("dnnl_reorder_primitive_desc_create", unsafe {
            (a.reorder_pd_create)(&mut pd, src, ctx.engine, dst, ctx.engine, ptr::null_mut())
        })?;
        Primitive::from_pd("reorder", pd)
    }

    fn from_pd(call: &str, pd: Handle) -> Result<Primitive> {
        let a = api()?;
        let mut handle = ptr::null_mut();
        // SAFETY: `pd` is a live primitive descriptor.
        let s = unsafe { (a.primitive_create)(&mut handle, pd) };
        if let Err(e) = check(call, s) {
            // SAFETY: `pd` was created by the caller and is not used again.
            unsafe { (a.pd_destroy)(pd) };
            return Err(e);
        }
        Ok(Primitive { pd, handle })
    }

    /// The memory descriptor the primitive chose for `query` (`dnnl_query_*_md`).
    pub(crate) fn md(&self, query: c_int) -> Result<MemoryDesc> {
        let a = api()?;
        // SAFETY: `pd` is alive; the result is null or points into it.
        let p = unsafe { (a.pd_query_md)(self.pd, query, 0) };
        if p.is_null() {
            return Err(backend(format!(
                "the primitive has no memory descriptor for query {query}"
            )));
        }
        // SAFETY: non-null, so a descriptor owned by `pd`, copied out.
        Ok(unsafe { *p })
    }

    /// The implementation oneDNN picked (e.g. `jit:avx512_core`).
    pub(crate) fn implementation(&self) -> String {
        let Ok(a) = api() else {
            return String::new();
        };
        let mut s: *const c_char = ptr::null();
        // SAFETY: the query writes a pointer to a string owned by `pd`.
        let ok = unsafe {
            (a.pd_query)(
                self.pd,
                ffi::QUERY_IMPL_INFO_STR,
                0,
                &mut s as *mut _ as *mut c_void,
            )
        };
        if ok != ffi::SUCCESS || s.is_null() {
            return String::new();
        }
        // SAFETY: a NUL-terminated string owned by `pd`, copied out.
        unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
    }

    /// Runs the primitive on `args` (at most 7) and the scratchpad, if given, and
    /// waits for it. Allocates nothing.
    pub(crate) fn execute(
        &self,
        ctx: &Context,
        args: &[(c_int, &Memory)],
        scratchpad: Option<&Memory>,
    ) -> Result<()> {
        let a = api()?;
        let mut buf = [ExecArg {
            arg: 0,
            memory: ptr::null_mut(),
        }; 8];
        if args.len() >= buf.len() {
            return Err(backend(format!("{} arguments, more than 7", args.len())));
        }
        for (slot, (arg, m)) in buf.iter_mut().zip(args) {
            *slot = ExecArg {
                arg: *arg,
                memory: m.handle,
            };
        }
        let mut n = args.len();
        if let Some(s) = scratchpad {
            buf[n] = ExecArg {
                arg: ffi::ARG_SCRATCHPAD,
                memory: s.handle,
            };
            n += 1;
        }
        // SAFETY: the primitive, stream and every memory object are alive, and every
        // memory points at a buffer large enough for its descriptor (`point_at`).
        check("dnnl_primitive_execute", unsafe {
            (a.primitive_execute)(self.handle, ctx.stream, n as c_int, buf.as_ptr())
        })?;
        ctx.wait()
    }
}

impl Drop for Primitive {
    fn drop(&mut self) {
        if let Ok(a) = api() {
            // SAFETY: both created by `from_pd`, destroyed once.
            unsafe {
                (a.primitive_destroy)(self.handle);
                (a.pd_destroy)(self.pd);
            }
        }
    }
}

/// An op descriptor made by one of the functions below (the only way to make one).
pub(crate) trait OpDesc {
    fn as_ptr(&self) -> *const c_void;
}

impl OpDesc for ConvDesc {
    fn as_ptr(&self) -> *const c_void {
        self as *const ConvDesc as *const c_void
    }
}

impl OpDesc for PoolDesc {
    fn as_ptr(&self) -> *const c_void {
        self as *const PoolDesc as *const c_void
    }
}

impl OpDesc for SoftmaxDesc {
    fn as_ptr(&self) -> *const c_void {
        self as *const SoftmaxDesc as *const c_void
    }
}

/// A primitive with its scratchpad (owned here, so executions allocate nothing).
pub(crate) struct Op {
    pub(crate) prim: Primitive,
    scratch: Option<Memory>,
}

impl Op {
    pub(crate) fn new(
        ctx: &Context,
        call: &str,
        desc: &dyn OpDesc,
        hint: Option<&Op>,
    ) -> Result<Op> {
        let prim = Primitive::new(ctx, call, desc, hint.map(|h| &h.prim))?;
        let smd = prim.md(ffi::QUERY_SCRATCHPAD_MD)?;
        let scratch = if smd.size() > 0 {
            Some(Memory::owned(ctx, &smd)?)
        } else {
            None
        };
        Ok(Op { prim, scratch })
    }

    /// Runs the primitive on `args` with its scratchpad.
    pub(crate) fn run(&self, ctx: &Context, args: &[(c_int, &Memory)]) -> Result<()> {
        self.prim.execute(ctx, args, self.scratch.as_ref())
    }
}

/// A pooling's algorithm, strides, kernel, dilation (0) and padding as oneDNN's dims.
pub(crate) struct PoolGeometry {
    pub(crate) algo: c_int,
    pub(crate) strides: ffi::Dims,
    pub(crate) kernel: ffi::Dims,
    pub(crate) pad_l: ffi::Dims,
    pub(crate) pad_r: ffi::Dims,
}

/// The forward pooling descriptor (`training`: keeps a workspace for max pooling).
pub(crate) fn pool_forward_desc(
    src: &MemoryDesc,
    dst: &MemoryDesc,
    g: &PoolGeometry,
    training: bool,
) -> Result<Box<PoolDesc>> {
    let a = api()?;
    let mut d = Box::new(PoolDesc([0; 3288]));
    let prop = if training {
        ffi::FORWARD_TRAINING
    } else {
        ffi::FORWARD_INFERENCE
    };
    let dilation = [0i64; 12];
    // SAFETY: `d` is a writable descriptor of the 2.x size, both memory descriptors
    // are initialised and the dims arrays hold 12 entries.
    check("dnnl_pooling_v2_forward_desc_init", unsafe {
        (a.pool_fwd_init)(
            &mut *d,
            prop,
            g.algo,
            src,
            dst,
            g.strides.as_ptr(),
            g.kernel.as_ptr(),
            dilation.as_ptr(),
            g.pad_l.as_ptr(),
            g.pad_r.as_ptr(),
        )
    })?;
    Ok(d)
}

/// The backward pooling descriptor.
pub(crate) fn pool_backward_desc(
    diff_src: &MemoryDesc,
    diff_dst: &MemoryDesc,
    g: &PoolGeometry,
) -> Result<Box<PoolDesc>> {
    let a = api()?;
    let mut d = Box::new(PoolDesc([0; 3288]));
    let dilation = [0i64; 12];
    // SAFETY: as in `pool_forward_desc`.
    check("dnnl_pooling_v2_backward_desc_init", unsafe {
        (a.pool_bwd_init)(
            &mut *d,
            g.algo,
            diff_src,
            diff_dst,
            g.strides.as_ptr(),
            g.kernel.as_ptr(),
            dilation.as_ptr(),
            g.pad_l.as_ptr(),
            g.pad_r.as_ptr(),
        )
    })?;
    Ok(d)
}

/// The softmax (inference) descriptor over dimension `axis` of `data`.
pub(crate) fn softmax_desc(data: &MemoryDesc, axis: usize) -> Result<Box<SoftmaxDesc>> {
    let a = api()?;
    let mut d = Box::new(SoftmaxDesc([0; 1408]));
    // SAFETY: `d` is a writable descriptor of the 2.x size, `data` is initialised.
    check("dnnl_softmax_forward_desc_init", unsafe {
        (a.softmax_fwd_init)(&mut *d, ffi::FORWARD_INFERENCE, data, axis as c_int)
    })?;
    Ok(d)
}

/// A convolution's strides, dilations (oneDNN's: 0 for a dense kernel) and padding on
/// the left/top and right/bottom, as oneDNN's dims.
pub(crate) struct ConvGeometry {
    pub(crate) strides: ffi::Dims,
    pub(crate) dilates: ffi::Dims,
    pub(crate) pad_l: ffi::Dims,
    pub(crate) pad_r: ffi::Dims,
}

fn conv_desc() -> Box<ConvDesc> {
    Box::new(ConvDesc([0; 5976]))
}

/// The forward (training) convolution descriptor.
pub(crate) fn conv_forward_desc(
    src: &MemoryDesc,
    weights: &MemoryDesc,
    bias: &MemoryDesc,
    dst: &MemoryDesc,
    g: &ConvGeometry,
) -> Result<Box<ConvDesc>> {
    let a = api()?;
    let mut d = conv_desc();
    // SAFETY: `d` is a writable descriptor of the 2.x size, every memory descriptor
    // is initialised and the dims arrays hold 12 entries.
    check("dnnl_dilated_convolution_forward_desc_init", unsafe {
        (a.conv_fwd_init)(
            &mut *d,
            ffi::FORWARD_TRAINING,
            ffi::CONVOLUTION_DIRECT,
            src,
            weights,
            bias,
            dst,
            g.strides.as_ptr(),
            g.dilates.as_ptr(),
            g.pad_l.as_ptr(),
            g.pad_r.as_ptr(),
        )
    })?;
    Ok(d)
}

/// The backward-data convolution descriptor.
pub(crate) fn conv_backward_data_desc(
    diff_src: &MemoryDesc,
    weights: &MemoryDesc,
    diff_dst: &MemoryDesc,
    g: &ConvGeometry,
) -> Result<Box<ConvDesc>> {
    let a = api()?;
    let mut d = conv_desc();
    // SAFETY: as in `conv_forward_desc`.
    check("dnnl_dilated_convolution_backward_data_desc_init", unsafe {
        (a.conv_bwd_data_init)(
            &mut *d,
            ffi::CONVOLUTION_DIRECT,
            diff_src,
            weights,
            diff_dst,
            g.strides.as_ptr(),
            g.dilates.as_ptr(),
            g.pad_l.as_ptr(),
            g.pad_r.as_ptr(),
        )
    })?;
    Ok(d)
}

/// The backward-weights convolution descriptor (with the bias gradient).
pub(crate) fn conv_backward_weights_desc(
    src: &MemoryDesc,
    diff_weights: &MemoryDesc,
    diff_bias: &MemoryDesc,
    diff_dst: &MemoryDesc,
    g: &ConvGeometry,
) -> Result<Box<ConvDesc>> {
    let a = api()?;
    let mut d = conv_desc();
    check(
        "dnnl_dilated_convolution_backward_weights_desc_init",
        // SAFETY: as in `conv_forward_desc`.
        unsafe {
            (a.conv_bwd_weights_init)(
                &mut *d,
                ffi::CONVOLUTION_DIRECT,
                src,
                diff_weights,
                diff_bias,
                diff_dst,
                g.strides.as_ptr(),
                g.dilates.as_ptr(),
                g.pad_l.as_ptr(),
                g.pad_r.as_ptr(),
            )
        },
    )?;
    Ok(d)
}
