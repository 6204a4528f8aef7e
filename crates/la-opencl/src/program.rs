//! A compiled OpenCL C program and its kernels, each created once: what the engine uses
//! for its own kernels and what crates above la-core (tensor-opencl) use to run theirs
//! on an OpenCL factory's buffers.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Mutex;

use la_core::engine::{Region, Storage};
use la_core::{Factory, Result};

use crate::cl::{Context, Kernel, KernelArg, Mem, Program, Queue};
use crate::engine::{bump, cl_err, ClEngine, ClScalar};

/// One kernel argument, in the kernel's parameter order.
#[derive(Debug)]
pub enum ClArg<'a, T> {
    /// An `int`.
    I32(i32),
    /// An `ulong`.
    U64(u64),
    /// A `REAL` (`float` or `double`, the factory's element type).
    Val(T),
    /// A `__global REAL*`: a buffer from [`ClEngine::mem`].
    Buf(&'a Mem),
    /// `__local REAL*` memory of this many elements (the same on every call).
    Local(usize),
}

/// An OpenCL C program built for one factory's device with the factory's element type
/// (`-D REAL=float` or `-D REAL=double -D USE_DOUBLE`), and its kernels: each made on
/// its first launch and re-armed with new arguments afterwards, since creating an
/// OpenCL kernel costs far more than launching it.
///
/// ```
/// use la_core::prelude::*;
/// use la_opencl::{ClArg, ClEngine, ClProgram};
///
/// let Some(f) = la_opencl::test_factory::<f32>() else { return Ok(()) }; // no OpenCL
/// let src = "__kernel void twice(__global REAL* x, ulong off) {
///                x[off + get_global_id(0)] *= 2; }";
/// let p = ClProgram::build(&f, src)?;
/// let mut x = f.vctr_from(&[1.0, 2.0, 3.0])?;
/// let e = ClEngine::of(&f).unwrap();
/// {
///     let v = x.view_mut();
///     let (mem, offset) = (e.mem(v.storage(), v.region())?, v.region().offset);
///     p.launch(e, "twice", &[3], None, &[ClArg::Buf(mem), ClArg::U64(offset as u64)])?;
/// }
/// assert_eq!(x.to_vec()?, vec![2.0, 4.0, 6.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug)]
pub struct ClProgram {
    program: Program,
    kernels: Mutex<HashMap<&'static str, Kernel>>,
}

impl ClProgram {
    /// Compiles `source` for the device of `f`, an OpenCL factory. A compiler error
    /// comes back with the build log; another factory is an error naming it.
    pub fn build<T: ClScalar>(f: &Factory<T>, source: &str) -> Result<ClProgram> {
        let e = ClEngine::of(f).ok_or_else(|| {
            cl_err(
                "building a program",
                format!("{} is not an OpenCL factory", f.name()),
            )
        })?;
        ClProgram::compile::<T>(e.context(), e.queue(), source)
    }

    /// Compiles `source` for `queue`'s device with `T`'s defines.
    pub(crate) fn compile<T: ClScalar>(
        context: &Context,
        queue: &Queue,
        source: &str,
    ) -> Result<ClProgram> {
        let program = Program::build(context, queue.device(), source, T::DEFINES)
            .map_err(|err| cl_err("building the OpenCL kernels", err))?;
        Ok(ClProgram {
            program,
            kernels: Mutex::new(HashMap::new()),
        })
    }

    /// Queues kernel `name` on `e`'s queue over the work sizes `gws` (one or two
    /// dimensions), in groups of `lws` along the first when given, with `args`. The
    /// launch counts in [`crate::counts`]; the kernel's creation, on its first launch,
    /// counts as a build.
    pub fn launch<T: ClScalar>(
        &self,
        e: &ClEngine<T>,
        name: &'static str,
        gws: &[usize],
        lws: Option<usize>,
        args: &[ClArg<'_, T>],
    ) -> Result<()> {
        let what = || format!("{name} kernel");
        // A poisoned lock only means another thread panicked while launching; the
        // cached kernels are still valid.
        let mut cache = self.kernels.lock().unwrap_or_else(|p| p.into_inner());
        let k = match cache.entry(name) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let k = Kernel::new(&self.program, name).map_err(|err| cl_err(&what(), err))?;
                bump(&e.counts().builds);
                v.insert(k)
            }
        };
        for (i, a) in args.iter().enumerate() {
            let arg = match a {
                ClArg::I32(v) => KernelArg::I32(*v),
                ClArg::U64(v) => KernelArg::U64(*v),
                ClArg::Val(v) => v.kernel_arg(),
                ClArg::Buf(b) => KernelArg::Mem(b),
                ClArg::Local(n) => KernelArg::Local(n * std::mem::size_of::<T>()),
            };
            k.set(i as u32, &arg).map_err(|err| cl_err(&what(), err))?;
        }
        bump(&e.counts().launches);
        k.enqueue(e.queue(), gws, lws)
            .map_err(|err| cl_err(&what(), err))
    }
}

impl<T: ClScalar> ClEngine<T> {
    /// The OpenCL engine of `f`; `None` for another backend's factory.
    pub fn of(f: &Factory<T>) -> Option<&ClEngine<T>> {
        f.engine().as_any()?.downcast_ref::<ClEngine<T>>()
    }

    /// The OpenCL buffer holding `s`, once the region `r` is checked to lie inside it
    /// (for kernels of crates above la-core: their offsets and strides are trusted on
    /// the device). An error for a host buffer or another backend's.
    pub fn mem<'s>(&self, s: &'s Storage<T>, r: Region) -> Result<&'s Mem> {
        crate::engine::buf(s, r)
    }
}
