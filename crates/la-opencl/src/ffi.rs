//! Raw C bindings: the OpenCL platform probe and the CLBlast routines this crate uses,
//! with safe wrappers. The only module with `unsafe`.
#![allow(unsafe_code)]

use ocl::ffi::{cl_command_queue, cl_event, cl_int, cl_mem, cl_platform_id, cl_uint};

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

type Status = cl_int;

extern "C" {
    fn clGetPlatformIDs(
        num_entries: cl_uint,
        platforms: *mut cl_platform_id,
        num_platforms: *mut cl_uint,
    ) -> cl_int;

    fn CLBlastSgemm(
        layout: Layout,
        ta: Transpose,
        tb: Transpose,
        m: usize,
        n: usize,
        k: usize,
        alpha: f32,
        a: cl_mem,
        a_off: usize,
        a_ld: usize,
        b: cl_mem,
        b_off: usize,
        b_ld: usize,
        beta: f32,
        c: cl_mem,
        c_off: usize,
        c_ld: usize,
        queue: *mut cl_command_queue,
        event: *mut cl_event,
    ) -> Status;
    fn CLBlastDgemm(
        layout: Layout,
        ta: Transpose,
        tb: Transpose,
        m: usize,
        n: usize,
        k: usize,
        alpha: f64,
        a: cl_mem,
        a_off: usize,
        a_ld: usize,
        b: cl_mem,
        b_off: usize,
        b_ld: usize,
        beta: f64,
        c: cl_mem,
        c_off: usize,
        c_ld: usize,
        queue: *mut cl_command_queue,
        event: *mut cl_event,
    ) -> Status;
    fn CLBlastSgemv(
        layout: Layout,
        ta: Transpose,
        m: usize,
        n: usize,
        alpha: f32,
        a: cl_mem,
        a_off: usize,
        a_ld: usize,
        x: cl_mem,
        x_off: usize,
        x_inc: usize,
        beta: f32,
        y: cl_mem,
        y_off: usize,
        y_inc: usize,
        queue: *mut cl_command_queue,
        event: *mut cl_event,
    ) -> Status;
    fn CLBlastDgemv(
        layout: Layout,
        ta: Transpose,
        m: usize,
        n: usize,
        alpha: f64,
        a: cl_mem,
        a_off: usize,
        a_ld: usize,
        x: cl_mem,
        x_off: usize,
        x_inc: usize,
        beta: f64,
        y: cl_mem,
        y_off: usize,
        y_inc: usize,
        queue: *mut cl_command_queue,
        event: *mut cl_event,
    ) -> Status;
    fn CLBlastSger(
        layout: Layout,
        m: usize,
        n: usize,
        alpha: f32,
        x: cl_mem,
        x_off: usize,
        x_inc: usize,
        y: cl_mem,
        y_off: usize,
        y_inc: usize,
        a: cl_mem,
        a_off: usize,
        a_ld: usize,
        queue: *mut cl_command_queue,
        event: *mut cl_event,
    ) -> Status;
    fn CLBlastDger(
        layout: Layout,
        m: usize,
        n: usize,
        alpha: f64,
        x: cl_mem,
        x_off: usize,
        x_inc: usize,
        y: cl_mem,
        y_off: usize,
        y_inc: usize,
        a: cl_mem,
        a_off: usize,
        a_ld: usize,
        queue: *mut cl_command_queue,
        event: *mut cl_event,
    ) -> Status;
}

/// The number of OpenCL platforms, from a raw `clGetPlatformIDs` (no waiting, no panic).
pub(crate) fn platform_count() -> Result<u32, i32> {
    let mut n: cl_uint = 0;
    // SAFETY: asking only for the count: a null platform array with 0 entries is valid.
    let status = unsafe { clGetPlatformIDs(0, std::ptr::null_mut(), &mut n) };
    if status == 0 {
        Ok(n)
    } else {
        Err(status)
    }
}

/// A memory object and an element offset/leading dimension, as CLBlast takes them.
#[derive(Debug, Clone, Copy)]
pub struct Mat {
    pub mem: cl_mem,
    pub off: usize,
    pub ld: usize,
}

/// The raw handles of a command queue, borrowed for one CLBlast call.
pub(crate) fn queue_ptr(q: &ocl::Queue) -> cl_command_queue {
    q.as_core().as_ptr()
}

/// Element types CLBlast has routines for (sealed: f32 and f64).
#[doc(hidden)]
pub trait ClBlast: Copy {
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        q: &ocl::Queue,
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
    ) -> Status;
    #[allow(clippy::too_many_arguments)]
    fn gemv(
        q: &ocl::Queue,
        layout: Layout,
        ta: Transpose,
        m: usize,
        n: usize,
        alpha: Self,
        a: Mat,
        x: Mat,
        beta: Self,
        y: Mat,
    ) -> Status;
    #[allow(clippy::too_many_arguments)]
    fn ger(
        q: &ocl::Queue,
        layout: Layout,
        m: usize,
        n: usize,
        alpha: Self,
        x: Mat,
        y: Mat,
        a: Mat,
    ) -> Status;
}

macro_rules! clblast_impl {
    ($t:ty, $gemm:ident, $gemv:ident, $ger:ident) => {
        impl ClBlast for $t {
            fn gemm(
                q: &ocl::Queue,
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
            ) -> Status {
                let mut queue = queue_ptr(q);
                // SAFETY: the memory objects belong to buffers borrowed for this call and
                // the caller checked every region lies inside its buffer; the queue handle
                // is live (borrowed) and CLBlast only enqueues work on it; no event is requested.
                unsafe {
                    $gemm(
                        layout,
                        ta,
                        tb,
                        m,
                        n,
                        k,
                        alpha,
                        a.mem,
                        a.off,
                        a.ld,
                        b.mem,
                        b.off,
                        b.ld,
                        beta,
                        c.mem,
                        c.off,
                        c.ld,
                        &mut queue,
                        std::ptr::null_mut(),
                    )
                }
            }
            fn gemv(
                q: &ocl::Queue,
                layout: Layout,
                ta: Transpose,
                m: usize,
                n: usize,
                alpha: Self,
                a: Mat,
                x: Mat,
                beta: Self,
                y: Mat,
            ) -> Status {
                let mut queue = queue_ptr(q);
                // SAFETY: as in `gemm`.
                unsafe {
                    $gemv(
                        layout,
                        ta,
                        m,
                        n,
                        alpha,
                        a.mem,
                        a.off,
                        a.ld,
                        x.mem,
                        x.off,
                        x.ld,
                        beta,
                        y.mem,
                        y.off,
                        y.ld,
                        &mut queue,
                        std::ptr::null_mut(),
                    )
                }
            }
            fn ger(
                q: &ocl::Queue,
                layout: Layout,
                m: usize,
                n: usize,
                alpha: Self,
                x: Mat,
                y: Mat,
                a: Mat,
            ) -> Status {
                let mut queue = queue_ptr(q);
                // SAFETY: as in `gemm`.
                unsafe {
                    $ger(
                        layout,
                        m,
                        n,
                        alpha,
                        x.mem,
                        x.off,
                        x.ld,
                        y.mem,
                        y.off,
                        y.ld,
                        a.mem,
                        a.off,
                        a.ld,
                        &mut queue,
                        std::ptr::null_mut(),
                    )
                }
            }
        }
    };
}

clblast_impl!(f32, CLBlastSgemm, CLBlastSgemv, CLBlastSger);
clblast_impl!(f64, CLBlastDgemm, CLBlastDgemv, CLBlastDger);

/// Enqueues a built kernel over the global work size `gws` (and local size `lws`).
pub(crate) fn enqueue(
    k: &ocl::Kernel,
    gws: ocl::SpatialDims,
    lws: Option<usize>,
) -> ocl::Result<()> {
    let mut cmd = k.cmd().global_work_size(gws);
    if let Some(l) = lws {
        cmd = cmd.local_work_size(l);
    }
    // SAFETY: every buffer argument was (re)set for this call from a live `Buffer`
    // borrowed by the caller (ocl keeps its own reference to each), and the global work
    // size is the destination region's m x n, whose elements (and the inputs' elements
    // at the same (i, j)) lie inside their buffers: `buf` checks each region against
    // its buffer before any kernel sees it.
    unsafe { cmd.enq() }
}
