//! The OpenCL C API, loaded at run time, with safe RAII wrappers. The only module
//! besides [`crate::ffi`] with `unsafe`.
//!
//! `libOpenCL.so.1` (the ICD loader) is opened with `dlopen` on first use instead of
//! being linked: the crate then builds with cargo alone, and a machine without OpenCL
//! gets one [`Error`](la_core::Error) naming what to install, at the call that needed
//! it, instead of a link failure that stops the whole workspace from building.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_void, CString};
use std::ptr;
use std::sync::OnceLock;

use libloading::Library;

pub(crate) type ClInt = i32;
type ClUint = u32;
type Handle = *mut c_void;

const CL_SUCCESS: ClInt = 0;
const CL_DEVICE_NOT_FOUND: ClInt = -1;
const CL_PLATFORM_NAME: ClUint = 0x0902;
const CL_DEVICE_TYPE_ALL: u64 = 0xFFFF_FFFF;
pub(crate) const CL_DEVICE_TYPE_GPU: u64 = 1 << 2;
const CL_DEVICE_TYPE: ClUint = 0x1000;
const CL_DEVICE_MAX_COMPUTE_UNITS: ClUint = 0x1002;
const CL_DEVICE_NAME: ClUint = 0x102B;
const CL_DEVICE_EXTENSIONS: ClUint = 0x1030;
const CL_MEM_READ_WRITE: u64 = 1;
const CL_PROGRAM_BUILD_LOG: ClUint = 0x1183;
const CL_TRUE: ClUint = 1;
const CL_FALSE: ClUint = 0;
const CL_EVENT_COMMAND_EXECUTION_STATUS: ClUint = 0x11D3;

type InfoFn = unsafe extern "C" fn(Handle, ClUint, usize, *mut c_void, *mut usize) -> ClInt;
type RefFn = unsafe extern "C" fn(Handle) -> ClInt;

/// The entry points this crate calls, resolved once from the ICD loader.
struct Api {
    _lib: Library,
    get_platform_ids: unsafe extern "C" fn(ClUint, *mut Handle, *mut ClUint) -> ClInt,
    get_platform_info: InfoFn,
    get_device_ids: unsafe extern "C" fn(Handle, u64, ClUint, *mut Handle, *mut ClUint) -> ClInt,
    get_device_info: InfoFn,
    create_context: unsafe extern "C" fn(
        *const isize,
        ClUint,
        *const Handle,
        *const c_void,
        *mut c_void,
        *mut ClInt,
    ) -> Handle,
    retain_context: RefFn,
    release_context: RefFn,
    create_command_queue: unsafe extern "C" fn(Handle, Handle, u64, *mut ClInt) -> Handle,
    retain_command_queue: RefFn,
    release_command_queue: RefFn,
    finish: RefFn,
    flush: RefFn,
    get_event_info: InfoFn,
    wait_for_events: unsafe extern "C" fn(ClUint, *const Handle) -> ClInt,
    release_event: RefFn,
    create_buffer: unsafe extern "C" fn(Handle, u64, usize, *mut c_void, *mut ClInt) -> Handle,
    release_mem_object: RefFn,
    enqueue_read_buffer: unsafe extern "C" fn(
        Handle,
        Handle,
        ClUint,
        usize,
        usize,
        *mut c_void,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
    enqueue_write_buffer: unsafe extern "C" fn(
        Handle,
        Handle,
        ClUint,
        usize,
        usize,
        *const c_void,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
    enqueue_fill_buffer: unsafe extern "C" fn(
        Handle,
        Handle,
        *const c_void,
        usize,
        usize,
        usize,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
    create_program_with_source: unsafe extern "C" fn(
        Handle,
        ClUint,
        *const *const c_char,
        *const usize,
        *mut ClInt,
    ) -> Handle,
    build_program: unsafe extern "C" fn(
        Handle,
        ClUint,
        *const Handle,
        *const c_char,
        *const c_void,
        *mut c_void,
    ) -> ClInt,
    get_program_build_info:
        unsafe extern "C" fn(Handle, Handle, ClUint, usize, *mut c_void, *mut usize) -> ClInt,
    release_program: RefFn,
    create_kernel: unsafe extern "C" fn(Handle, *const c_char, *mut ClInt) -> Handle,
    set_kernel_arg: unsafe extern "C" fn(Handle, ClUint, usize, *const c_void) -> ClInt,
    release_kernel: RefFn,
    enqueue_nd_range_kernel: unsafe extern "C" fn(
        Handle,
        Handle,
        ClUint,
        *const usize,
        *const usize,
        *const usize,
        ClUint,
        *const Handle,
        *mut Handle,
    ) -> ClInt,
}

/// What to install when the loader or a platform is missing.
pub(crate) const INSTALL: &str =
    "install an OpenCL platform and its loader (Debian: apt-get install ocl-icd-libopencl1 pocl-opencl-icd)";

macro_rules! sym {
    ($lib:expr, $name:literal) => {
        // SAFETY: the symbol is an OpenCL 1.2 C API function whose signature is the
        // field's type, as CL/cl.h declares it (handles are opaque pointers).
        *unsafe { $lib.get(concat!($name, "\0").as_bytes()) }
            .map_err(|e| format!("libOpenCL lacks {}: {e}", $name))?
    };
}

fn load() -> Result<Api, String> {
    let mut tried = Vec::new();
    let mut found = None;
    for name in crate::library_names("DLFP_OPENCL_LIB", &["libOpenCL.so.1", "libOpenCL.so"]) {
        // SAFETY: the ICD loader's initialisers only set up its own state; nothing is
        // called until the symbols are resolved below.
        match unsafe { Library::new(&name) } {
            Ok(lib) => {
                found = Some(lib);
                break;
            }
            Err(e) => tried.push(format!("{name}: {e}")),
        }
    }
    let lib = found.ok_or_else(|| {
        format!(
            "the OpenCL loader was not found ({}); {INSTALL}",
            tried.join("; ")
        )
    })?;
    Ok(Api {
        get_platform_ids: sym!(lib, "clGetPlatformIDs"),
        get_platform_info: sym!(lib, "clGetPlatformInfo"),
        get_device_ids: sym!(lib, "clGetDeviceIDs"),
        get_device_info: sym!(lib, "clGetDeviceInfo"),
        create_context: sym!(lib, "clCreateContext"),
        retain_context: sym!(lib, "clRetainContext"),
        release_context: sym!(lib, "clReleaseContext"),
        create_command_queue: sym!(lib, "clCreateCommandQueue"),
        retain_command_queue: sym!(lib, "clRetainCommandQueue"),
        release_command_queue: sym!(lib, "clReleaseCommandQueue"),
        finish: sym!(lib, "clFinish"),
        flush: sym!(lib, "clFlush"),
        get_event_info: sym!(lib, "clGetEventInfo"),
        wait_for_events: sym!(lib, "clWaitForEvents"),
        release_event: sym!(lib, "clReleaseEvent"),
        create_buffer: sym!(lib, "clCreateBuffer"),
        release_mem_object: sym!(lib, "clReleaseMemObject"),
        enqueue_read_buffer: sym!(lib, "clEnqueueReadBuffer"),
        enqueue_write_buffer: sym!(lib, "clEnqueueWriteBuffer"),
        enqueue_fill_buffer: sym!(lib, "clEnqueueFillBuffer"),
        create_program_with_source: sym!(lib, "clCreateProgramWithSource"),
        build_program: sym!(lib, "clBuildProgram"),
        get_program_build_info: sym!(lib, "clGetProgramBuildInfo"),
        release_program: sym!(lib, "clReleaseProgram"),
        create_kernel: sym!(lib, "clCreateKernel"),
        set_kernel_arg: sym!(lib, "clSetKernelArg"),
        release_kernel: sym!(lib, "clReleaseKernel"),
        enqueue_nd_range_kernel: sym!(lib, "clEnqueueNDRangeKernel"),
        _lib: lib,
    })
}

/// The loaded API, or why it could not be loaded (the same answer for the whole process).
fn api() -> Result<&'static Api, String> {
    static API: OnceLock<Result<Api, String>> = OnceLock::new();
    API.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// The API of a live object: an object exists only after `api()` succeeded.
fn live() -> &'static Api {
    api().expect("an OpenCL object exists, so the API was loaded")
}

/// An OpenCL status code with the call that returned it.
fn check(call: &str, code: ClInt) -> Result<(), String> {
    if code == CL_SUCCESS {
        Ok(())
    } else {
        Err(format!("{call} failed with status {code} ({})", name(code)))
    }
}

/// The symbolic name of the common status codes.
fn name(code: ClInt) -> &'static str {
    match code {
        -1 => "CL_DEVICE_NOT_FOUND",
        -2 => "CL_DEVICE_NOT_AVAILABLE",
        -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5 => "CL_OUT_OF_RESOURCES",
        -6 => "CL_OUT_OF_HOST_MEMORY",
        -11 => "CL_BUILD_PROGRAM_FAILURE",
        -30 => "CL_INVALID_VALUE",
        -33 => "CL_INVALID_DEVICE",
        -38 => "CL_INVALID_MEM_OBJECT",
        -46 => "CL_INVALID_KERNEL_NAME",
        -48 => "CL_INVALID_KERNEL",
        -51 => "CL_INVALID_ARG_SIZE",
        -54 => "CL_INVALID_WORK_GROUP_SIZE",
        -61 => "CL_INVALID_BUFFER_SIZE",
        -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => "see CL/cl.h",
    }
}

fn info_bytes(f: InfoFn, h: Handle, param: ClUint) -> Result<Vec<u8>, String> {
    let mut size = 0usize;
    // SAFETY: a size query (no output buffer) on a handle the caller got from OpenCL.
    check("clGet*Info", unsafe {
        f(h, param, 0, ptr::null_mut(), &mut size)
    })?;
    let mut out = vec![0u8; size];
    // SAFETY: `out` holds the `size` bytes OpenCL said the value needs.
    check("clGet*Info", unsafe {
        f(h, param, size, out.as_mut_ptr().cast(), ptr::null_mut())
    })?;
    Ok(out)
}

fn info_string(f: InfoFn, h: Handle, param: ClUint) -> String {
    info_bytes(f, h, param)
        .map(|b| {
            let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
            String::from_utf8_lossy(&b[..end]).trim().to_string()
        })
        .unwrap_or_else(|_| "?".into())
}

/// A platform handle (owned by the ICD loader for the process' lifetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlatformId(Handle);

/// A device handle (root devices live as long as their platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeviceId(Handle);

// SAFETY: platform and device ids are process-wide identifiers the OpenCL API lets any
// thread use; they are never freed (root devices need no release).
unsafe impl Send for PlatformId {}
// SAFETY: as for `Send`: ids are immutable handles usable from any thread.
unsafe impl Sync for PlatformId {}
// SAFETY: as for `PlatformId`.
unsafe impl Send for DeviceId {}
// SAFETY: as for `PlatformId`.
unsafe impl Sync for DeviceId {}

/// Every platform the ICD loader reports (empty when none is installed).
pub(crate) fn platforms() -> Result<Vec<PlatformId>, String> {
    let api = api()?;
    let mut n: ClUint = 0;
    // SAFETY: a count query with no output array.
    let code = unsafe { (api.get_platform_ids)(0, ptr::null_mut(), &mut n) };
    if code == -1001 || n == 0 {
        return Ok(Vec::new());
    }
    check("clGetPlatformIDs", code)?;
    let mut ids = vec![ptr::null_mut(); n as usize];
    // SAFETY: `ids` has room for the `n` platforms just counted.
    check("clGetPlatformIDs", unsafe {
        (api.get_platform_ids)(n, ids.as_mut_ptr(), ptr::null_mut())
    })?;
    Ok(ids.into_iter().map(PlatformId).collect())
}

impl PlatformId {
    pub(crate) fn name(self) -> String {
        info_string(live().get_platform_info, self.0, CL_PLATFORM_NAME)
    }

    /// Every device of the platform (empty when it has none).
    pub(crate) fn devices(self) -> Result<Vec<DeviceId>, String> {
        let api = live();
        let mut n: ClUint = 0;
        // SAFETY: a count query with no output array, on a platform OpenCL returned.
        let code =
            unsafe { (api.get_device_ids)(self.0, CL_DEVICE_TYPE_ALL, 0, ptr::null_mut(), &mut n) };
        if code == CL_DEVICE_NOT_FOUND || n == 0 {
            return Ok(Vec::new());
        }
        check("clGetDeviceIDs", code)?;
        let mut ids = vec![ptr::null_mut(); n as usize];
        // SAFETY: `ids` has room for the `n` devices just counted.
        check("clGetDeviceIDs", unsafe {
            (api.get_device_ids)(
                self.0,
                CL_DEVICE_TYPE_ALL,
                n,
                ids.as_mut_ptr(),
                ptr::null_mut(),
            )
        })?;
        Ok(ids.into_iter().map(DeviceId).collect())
    }
}

impl DeviceId {
    pub(crate) fn name(self) -> String {
        info_string(live().get_device_info, self.0, CL_DEVICE_NAME)
    }

    pub(crate) fn extensions(self) -> String {
        info_string(live().get_device_info, self.0, CL_DEVICE_EXTENSIONS)
    }

    fn info_u64(self, param: ClUint) -> u64 {
        let b = info_bytes(live().get_device_info, self.0, param).unwrap_or_default();
        let mut v = [0u8; 8];
        let n = b.len().min(8);
        v[..n].copy_from_slice(&b[..n]);
        u64::from_ne_bytes(v)
    }

    pub(crate) fn device_type(self) -> u64 {
        self.info_u64(CL_DEVICE_TYPE)
    }

    pub(crate) fn compute_units(self) -> u32 {
        self.info_u64(CL_DEVICE_MAX_COMPUTE_UNITS) as u32
    }
}

/// Declares an RAII wrapper over a reference-counted OpenCL handle: `Clone` retains,
/// `Drop` releases.
macro_rules! counted {
    ($(#[$doc:meta])* $name:ident, $retain:ident, $release:ident) => {
        $(#[$doc])*
        pub struct $name(Handle);

        impl Clone for $name {
            fn clone(&self) -> Self {
                // SAFETY: the handle is live (we hold a reference); retaining adds one.
                unsafe { (live().$retain)(self.0) };
                Self(self.0)
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: we own one reference to the live handle and give it back once.
                unsafe { (live().$release)(self.0) };
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:p})", stringify!($name), self.0)
            }
        }

        // SAFETY: OpenCL contexts and command queues are thread-safe objects (the
        // OpenCL 1.2 specification, appendix A.2); the handle is only an identifier.
        unsafe impl Send for $name {}
        // SAFETY: as for `Send`.
        unsafe impl Sync for $name {}
    };
}

counted!(
    /// An OpenCL context on one device (the book's `context`).
    Context,
    retain_context,
    release_context
);
counted!(
    /// The handle of a command queue.
    QueueHandle,
    retain_command_queue,
    release_command_queue
);

/// An in-order command queue on one device (the book's `command-queue`).
#[derive(Debug, Clone)]
pub struct Queue {
    h: QueueHandle,
    device: DeviceId,
}

impl Context {
    /// A context on `device`.
    pub(crate) fn new(device: DeviceId) -> Result<Context, String> {
        let api = api()?;
        let mut err = 0;
        // SAFETY: one valid device id, no properties, no callback.
        let h = unsafe {
            (api.create_context)(
                ptr::null(),
                1,
                &device.0,
                ptr::null(),
                ptr::null_mut(),
                &mut err,
            )
        };
        check("clCreateContext", err)?;
        Ok(Context(h))
    }
}

impl Queue {
    /// An in-order queue on `device` in `context`.
    pub(crate) fn new(context: &Context, device: DeviceId) -> Result<Queue, String> {
        let mut err = 0;
        // SAFETY: a live context and one of its devices; no properties (in-order).
        let h = unsafe { (live().create_command_queue)(context.0, device.0, 0, &mut err) };
        check("clCreateCommandQueue", err)?;
        Ok(Queue {
            h: QueueHandle(h),
            device,
        })
    }

    /// The raw handle, for CLBlast.
    pub(crate) fn raw(&self) -> Handle {
        self.h.0
    }

    /// The device the queue runs on.
    pub(crate) fn device(&self) -> DeviceId {
        self.device
    }

    pub(crate) fn finish_raw(&self) -> Result<(), String> {
        // SAFETY: a live queue.
        check("clFinish", unsafe { (live().finish)(self.h.0) })
    }

    /// Waits until everything queued on this queue has run (the book's `finish!`);
    /// benchmarks call it before reading the clock.
    ///
    /// ```
    /// if let Ok(cl) = la_opencl::default_setup() {
    ///     cl.queue.finish()?;
    /// }
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn finish(&self) -> la_core::Result<()> {
        self.finish_raw().map_err(|m| la_core::Error::Backend {
            backend: "opencl".into(),
            message: m,
        })
    }
}

/// An OpenCL buffer (`cl_mem`) of `bytes` bytes, released when dropped. Crates that
/// run their own kernels get one from [`ClEngine::mem`](crate::ClEngine::mem) and pass
/// it as [`ClArg::Buf`](crate::ClArg::Buf).
pub struct Mem {
    h: Handle,
    bytes: usize,
}

// SAFETY: memory objects are thread-safe OpenCL objects; `Mem` only holds the handle.
unsafe impl Send for Mem {}
// SAFETY: as for `Send`.
unsafe impl Sync for Mem {}

impl std::fmt::Debug for Mem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mem({:p}, {} bytes)", self.h, self.bytes)
    }
}

impl Drop for Mem {
    fn drop(&mut self) {
        // SAFETY: we own the only reference to this memory object.
        unsafe { (live().release_mem_object)(self.h) };
    }
}

/// Plain element types that may be copied to and from device memory byte for byte,
/// and passed to a kernel by value (sealed: f32 and f64, and u64 for index buffers).
#[doc(hidden)]
pub trait Pod: Copy + Send + Sync + 'static {
    /// The value as a kernel argument.
    fn kernel_arg<'a>(self) -> KernelArg<'a>;
}
impl Pod for u64 {
    fn kernel_arg<'a>(self) -> KernelArg<'a> {
        KernelArg::U64(self)
    }
}
impl Pod for f32 {
    fn kernel_arg<'a>(self) -> KernelArg<'a> {
        KernelArg::F32(self)
    }
}
impl Pod for f64 {
    fn kernel_arg<'a>(self) -> KernelArg<'a> {
        KernelArg::F64(self)
    }
}

/// Waits for `event` (then releases it) by polling its status: the read that ends a
/// training step is short, and on a CPU device (PoCL) a blocking wait costs a sleep and
/// a wake-up, about 30 µs, against a few µs of polling. Polls yield the core to the
/// device's threads; after about a millisecond the wait blocks instead.
fn wait_spinning(api: &Api, queue: &Queue, event: Handle) -> Result<(), String> {
    // SAFETY: a live queue; clFlush only submits what is queued.
    unsafe { (api.flush)(queue.raw()) };
    let start = std::time::Instant::now();
    let result;
    loop {
        let mut status: ClInt = 1;
        // SAFETY: a live event and a 4-byte status out-parameter.
        let code = unsafe {
            (api.get_event_info)(
                event,
                CL_EVENT_COMMAND_EXECUTION_STATUS,
                std::mem::size_of::<ClInt>(),
                (&mut status as *mut ClInt).cast(),
                ptr::null_mut(),
            )
        };
        if code != CL_SUCCESS || status <= 0 || start.elapsed().as_micros() > 1000 {
            // Complete, failed, or slow: block until the event is done either way, so
            // that the host buffer is never written after this returns.
            // SAFETY: one live event.
            let waited = unsafe { (api.wait_for_events)(1, &event) };
            result = check("clWaitForEvents", waited).and_then(|()| match status {
                s if s < 0 => check("the read", s),
                _ => Ok(()),
            });
            break;
        }
        std::thread::yield_now();
    }
    // SAFETY: the event is complete and released once.
    unsafe { (api.release_event)(event) };
    result
}

impl Mem {
    /// A read-write buffer of `len` (> 0) elements of `T`, its contents undefined.
    pub(crate) fn new<T: Pod>(context: &Context, len: usize) -> Result<Mem, String> {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .ok_or_else(|| format!("{len} elements overflow the address space"))?;
        let mut err = 0;
        // SAFETY: a live context; no host pointer, so OpenCL allocates the memory.
        let h = unsafe {
            (live().create_buffer)(
                context.0,
                CL_MEM_READ_WRITE,
                bytes,
                ptr::null_mut(),
                &mut err,
            )
        };
        check("clCreateBuffer", err)?;
        Ok(Mem { h, bytes })
    }

    /// Sets every element to `value` (blocking).
    pub(crate) fn fill<T: Pod>(&self, queue: &Queue, value: T) -> Result<(), String> {
        let size = std::mem::size_of::<T>();
        // SAFETY: `value` outlives the call (we wait below), the pattern size divides the
        // range, and the range lies inside the buffer.
        check("clEnqueueFillBuffer", unsafe {
            (live().enqueue_fill_buffer)(
                queue.raw(),
                self.h,
                (&value as *const T).cast(),
                size,
                0,
                self.bytes - self.bytes % size,
                0,
                ptr::null(),
                ptr::null_mut(),
            )
        })?;
        queue.finish_raw()
    }

    /// The raw handle, for CLBlast and kernel arguments.
    pub(crate) fn raw(&self) -> Handle {
        self.h
    }

    fn span<T>(&self, offset: usize, len: usize) -> Result<(usize, usize), String> {
        let size = std::mem::size_of::<T>();
        let start = offset.checked_mul(size);
        let bytes = len.checked_mul(size);
        match (start, bytes) {
            (Some(s), Some(b)) if s.checked_add(b).is_some_and(|e| e <= self.bytes) => Ok((s, b)),
            _ => Err(format!(
                "elements {offset}..{offset}+{len} lie outside a buffer of {} bytes",
                self.bytes
            )),
        }
    }

    /// Copies `out.len()` elements from element `offset` into `out` (blocking).
    pub(crate) fn read<T: Pod>(
        &self,
        queue: &Queue,
        offset: usize,
        out: &mut [T],
    ) -> Result<(), String> {
        let (start, bytes) = self.span::<T>(offset, out.len())?;
        let api = live();
        let mut event: Handle = ptr::null_mut();
        // SAFETY: a non-blocking read of a range checked to lie inside the buffer into
        // a host slice of exactly `bytes` bytes, which stays borrowed until the read's
        // event completes below (on every path, errors included).
        check("clEnqueueReadBuffer", unsafe {
            (api.enqueue_read_buffer)(
                queue.raw(),
                self.h,
                CL_FALSE,
                start,
                bytes,
                out.as_mut_ptr().cast(),
                0,
                ptr::null(),
                &mut event,
            )
        })?;
        wait_spinning(api, queue, event)
    }

    /// Copies `data` to element `offset` onwards (blocking).
    pub(crate) fn write<T: Pod>(
        &self,
        queue: &Queue,
        offset: usize,
        data: &[T],
    ) -> Result<(), String> {
        let (start, bytes) = self.span::<T>(offset, data.len())?;
        // SAFETY: blocking write of a host slice of `bytes` bytes into a range checked to
        // lie inside the buffer.
        check("clEnqueueWriteBuffer", unsafe {
            (live().enqueue_write_buffer)(
                queue.raw(),
                self.h,
                CL_TRUE,
                start,
                bytes,
                data.as_ptr().cast(),
                0,
                ptr::null(),
                ptr::null_mut(),
            )
        })
    }
}

/// A built program (its kernels' source compiled for one device).
pub(crate) struct Program(Handle);

// SAFETY: program objects are thread-safe OpenCL objects.
unsafe impl Send for Program {}
// SAFETY: as for `Send`.
unsafe impl Sync for Program {}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Program({:p})", self.0)
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        // SAFETY: we own the only reference.
        unsafe { (live().release_program)(self.0) };
    }
}

impl Program {
    /// Compiles `source` with `options` for `device`; a failure carries the build log.
    pub(crate) fn build(
        context: &Context,
        device: DeviceId,
        source: &str,
        options: &str,
    ) -> Result<Program, String> {
        let api = live();
        let src = source.as_ptr().cast::<c_char>();
        let len = source.len();
        let mut err = 0;
        // SAFETY: one source string given with its length (no NUL needed), live context.
        let h = unsafe { (api.create_program_with_source)(context.0, 1, &src, &len, &mut err) };
        check("clCreateProgramWithSource", err)?;
        let program = Program(h);
        let opts = CString::new(options).map_err(|e| e.to_string())?;
        // SAFETY: a live program, one device of its context, NUL-terminated options,
        // no callback (the build is synchronous).
        let code = unsafe {
            (api.build_program)(h, 1, &device.0, opts.as_ptr(), ptr::null(), ptr::null_mut())
        };
        if code != CL_SUCCESS {
            let mut size = 0usize;
            // SAFETY: a size query for the build log.
            unsafe {
                (api.get_program_build_info)(
                    h,
                    device.0,
                    CL_PROGRAM_BUILD_LOG,
                    0,
                    ptr::null_mut(),
                    &mut size,
                )
            };
            let mut log = vec![0u8; size];
            // SAFETY: `log` holds the `size` bytes the query asked for.
            unsafe {
                (api.get_program_build_info)(
                    h,
                    device.0,
                    CL_PROGRAM_BUILD_LOG,
                    size,
                    log.as_mut_ptr().cast(),
                    ptr::null_mut(),
                )
            };
            let end = log.iter().position(|c| *c == 0).unwrap_or(log.len());
            let log = String::from_utf8_lossy(&log[..end]);
            return Err(format!(
                "clBuildProgram failed with status {code} ({}); build log: {}",
                name(code),
                log.trim()
            ));
        }
        Ok(program)
    }
}

/// One kernel of a program, with its arguments set per launch.
pub(crate) struct Kernel(Handle);

// SAFETY: a kernel may be moved between threads; setting its arguments and launching
// it is not thread-safe, which the engine guarantees by keeping kernels behind a mutex.
unsafe impl Send for Kernel {}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kernel({:p})", self.0)
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        // SAFETY: we own the only reference.
        unsafe { (live().release_kernel)(self.0) };
    }
}

/// One kernel argument: a value, a buffer, or local memory of a size.
#[doc(hidden)]
#[derive(Debug)]
pub enum KernelArg<'a> {
    I32(i32),
    U64(u64),
    F32(f32),
    F64(f64),
    Mem(&'a Mem),
    /// Local memory of this many bytes.
    Local(usize),
}

impl Kernel {
    pub(crate) fn new(program: &Program, name: &str) -> Result<Kernel, String> {
        let cname = CString::new(name).map_err(|e| e.to_string())?;
        let mut err = 0;
        // SAFETY: a built program and a NUL-terminated kernel name.
        let h = unsafe { (live().create_kernel)(program.0, cname.as_ptr(), &mut err) };
        check(&format!("clCreateKernel({name})"), err)?;
        Ok(Kernel(h))
    }

    /// Sets argument `index`.
    pub(crate) fn set(&mut self, index: u32, arg: &KernelArg<'_>) -> Result<(), String> {
        let api = live();
        let mem;
        let (size, ptr): (usize, *const c_void) = match arg {
            KernelArg::I32(v) => (4, (v as *const i32).cast()),
            KernelArg::U64(v) => (8, (v as *const u64).cast()),
            KernelArg::F32(v) => (4, (v as *const f32).cast()),
            KernelArg::F64(v) => (8, (v as *const f64).cast()),
            KernelArg::Mem(m) => {
                mem = m.h;
                (
                    std::mem::size_of::<Handle>(),
                    (&mem as *const Handle).cast(),
                )
            }
            KernelArg::Local(bytes) => (*bytes, ptr::null()),
        };
        // SAFETY: `ptr` points at `size` bytes of the argument's value (live for the
        // call; OpenCL copies it), or is NULL for a local-memory size; `&mut self`
        // keeps other threads off this kernel.
        check(&format!("clSetKernelArg({index})"), unsafe {
            (api.set_kernel_arg)(self.0, index, size, ptr)
        })
    }

    /// Launches the kernel over `global` work items (1 or 2 dimensions), in groups of
    /// `local` along the first dimension when given.
    pub(crate) fn enqueue(
        &mut self,
        queue: &Queue,
        global: &[usize],
        local: Option<usize>,
    ) -> Result<(), String> {
        let local_dims = [local.unwrap_or(1), 1];
        // SAFETY: every argument was set by the caller from live buffers checked
        // against the regions the kernel addresses; `global` has 1 or 2 entries and
        // the local size (when given) has as many.
        check("clEnqueueNDRangeKernel", unsafe {
            (live().enqueue_nd_range_kernel)(
                queue.raw(),
                self.0,
                global.len() as ClUint,
                ptr::null(),
                global.as_ptr(),
                if local.is_some() {
                    local_dims.as_ptr()
                } else {
                    ptr::null()
                },
                0,
                ptr::null(),
                ptr::null_mut(),
            )
        })
    }
}
