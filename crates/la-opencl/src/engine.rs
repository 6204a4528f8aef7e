//! The OpenCL engine: device buffers, CLBlast for BLAS 2/3, own kernels for the rest.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::cl::{Context, Mem, Pod, Queue};
use crate::ffi::{self, ClBlast, Mat, Transpose};
use crate::program::{ClArg as Arg, ClProgram};
use la_core::engine::{
    blas_prologue, finish_reduction, gather_span, iamax_host, Binary, DeviceBuffer, Distribution,
    Engine, Reduction, Region, Storage, Unary, KERNEL_COPY, KERNEL_DOT,
};
use la_core::{Error, Factory, Result, Scalar};

/// Element types the OpenCL factories support: `f32` and `f64`.
pub trait ClScalar: Scalar + Pod + ClBlast {
    /// Compiler options that set the kernels' element type.
    const DEFINES: &'static str;
}

impl ClScalar for f32 {
    const DEFINES: &'static str = "-D REAL=float";
}

impl ClScalar for f64 {
    const DEFINES: &'static str = "-D REAL=double -D USE_DOUBLE";
}

/// A device buffer of this crate; freed when dropped.
#[derive(Debug)]
pub struct ClBuffer<T> {
    mem: Mem,
    len: usize,
    _t: PhantomData<T>,
}

impl<T: std::fmt::Debug + Send + Sync + 'static> DeviceBuffer for ClBuffer<T> {
    fn len(&self) -> usize {
        self.len
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The OpenCL engine for element type `T`, bound to one queue.
#[derive(Debug)]
pub struct ClEngine<T> {
    context: Context,
    queue: Queue,
    /// la-opencl's own kernels (`kernels.cl`), each built on its first call.
    program: ClProgram,
    /// The reductions' per-group partial results, made once (`MAX_GROUPS` elements),
    /// locked from a reduction's launch until its results are read back, so threads
    /// sharing the factory never read each other's sums.
    partial: Mutex<Mem>,
    /// The column indices of the last [`Engine::gather_columns`], on the device and on
    /// the host: a mini-batch gathers `x` and `y` with the same indices, so the second
    /// gather uploads nothing.
    index: Mutex<IndexBuffer>,
    counts: Counters,
    _t: PhantomData<T>,
}

/// A device buffer of column indices and the host copy of what it holds.
#[derive(Debug, Default)]
struct IndexBuffer {
    mem: Option<Mem>,
    capacity: usize,
    host: Vec<u64>,
}

/// What an engine has queued, for [`counts`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) launches: AtomicUsize,
    pub(crate) builds: AtomicUsize,
    pub(crate) reads: AtomicUsize,
    pub(crate) writes: AtomicUsize,
}

/// The work an OpenCL factory has queued since it was made: a test (or a curious user)
/// reads it before and after a training step to see launches and host transfers per
/// step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClCounts {
    /// Kernel launches, CLBlast calls included.
    pub launches: usize,
    /// Kernels built (each kernel once per factory).
    pub builds: usize,
    /// Reads from device to host.
    pub reads: usize,
    /// Writes from host to device.
    pub writes: usize,
}

/// The [`ClCounts`] of an OpenCL factory; `None` for another backend's factory.
///
/// ```
/// use la_core::prelude::*;
/// assert_eq!(la_opencl::counts(&native_float()), None);
/// if let Some(f) = la_opencl::test_factory::<f32>() {
///     let before = la_opencl::counts(&f).unwrap();
///     let x = f.vctr_from(&[1.0, 2.0])?;
///     asum(&x)?;
///     let after = la_opencl::counts(&f).unwrap();
///     assert_eq!((after.writes - before.writes, after.reads - before.reads), (1, 1));
/// }
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn counts<T: ClScalar>(f: &Factory<T>) -> Option<ClCounts> {
    let e = ClEngine::of(f)?;
    let c = &e.counts;
    let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
    Some(ClCounts {
        launches: get(&c.launches),
        builds: get(&c.builds),
        reads: get(&c.reads),
        writes: get(&c.writes),
    })
}

pub(crate) fn bump(a: &AtomicUsize) {
    a.fetch_add(1, Ordering::Relaxed);
}

const SOURCE: &str = include_str!("kernels.cl");

pub(crate) fn cl_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Backend {
        backend: "opencl".into(),
        message: format!("{what}: {e}"),
    }
}

fn factory<T: ClScalar>(context: &Context, queue: &Queue) -> Result<Factory<T>> {
    let device = queue.device();
    if T::NAME == "double" && !crate::device::has_fp64(device) {
        return Err(Error::Unsupported {
            backend: format!("opencl ({})", device.name()),
            op: "double precision (cl_khr_fp64)",
        });
    }
    // BLAS goes through CLBlast: a factory without it would fail at its first `mm`.
    ffi::clblast().map_err(|e| cl_err("loading CLBlast", e))?;
    let partial = Mem::new::<T>(context, MAX_GROUPS)
        .map_err(|e| cl_err("allocating the reduction buffer", e))?;
    // Kernel build errors come back with the compiler log in the message.
    let program = ClProgram::compile::<T>(context, queue, SOURCE)?;
    Ok(Factory::new(ClEngine::<T> {
        context: context.clone(),
        queue: queue.clone(),
        program,
        partial: Mutex::new(partial),
        index: Mutex::new(IndexBuffer::default()),
        counts: Counters::default(),
        _t: PhantomData,
    }))
}

/// An `f32` factory on an OpenCL queue (the book's `(opencl-float ctx queue)`).
pub fn opencl_float(context: &Context, queue: &Queue) -> Result<Factory<f32>> {
    factory(context, queue)
}

/// An `f64` factory on an OpenCL queue; the device must support `cl_khr_fp64`.
pub fn opencl_double(context: &Context, queue: &Queue) -> Result<Factory<f64>> {
    factory(context, queue)
}

/// The OpenCL buffer of `s`, once `r` is checked to lie inside it: the kernels and
/// CLBlast trust their offsets and strides, so this is the one place where a region
/// built by hand (the engine interface is public) is stopped before it reaches the
/// device.
pub(crate) fn buf<T: ClScalar>(s: &Storage<T>, r: Region) -> Result<&Mem> {
    let b = match s {
        Storage::Device(d) => d.as_any().downcast_ref::<ClBuffer<T>>(),
        Storage::Host(_) => None,
    }
    .ok_or_else(|| {
        cl_err(
            "argument",
            "not an OpenCL buffer of this type; transfer it first",
        )
    })?;
    let end = r.checked_end();
    if end.is_none_or(|e| e > b.len) {
        return Err(cl_err(
            "argument",
            format!(
                "the region {r:?} reaches past the buffer's {} elements",
                b.len
            ),
        ));
    }
    Ok(&b.mem)
}

/// Region arguments as the kernels take them: offset, row stride, column stride.
fn rargs(r: Region) -> [u64; 3] {
    [r.offset as u64, r.rs as u64, r.cs as u64]
}

/// (column-major?, leading dimension) of a matrix region for CLBlast.
fn major(r: Region) -> Result<(bool, usize)> {
    r.blas_layout().ok_or_else(|| {
        cl_err(
            "BLAS",
            format!("region {r:?} is neither column- nor row-major"),
        )
    })
}

fn status(op: &str, r: std::result::Result<(), String>) -> Result<()> {
    r.map_err(|e| cl_err(op, e))
}

/// Products of at most this many multiply-adds (`m·n·k`; `m·n` for `ger`) run
/// la-opencl's own kernels instead of CLBlast. At these sizes the work is negligible and
/// the call's overhead is everything: on PoCL a CLBlast call costs 25–45 µs of host-side
/// set-up against 4 µs for a launch of ours (`cargo run --release -p dlfp-benches --example
/// opencl_launch_cost`), and a small network's training step makes a dozen such calls.
const SMALL_PRODUCT: usize = 1 << 16;

const LOCAL: usize = 64;
/// The most work groups a reduction uses (its partial results' length).
const MAX_GROUPS: usize = 64;

impl<T: ClScalar> ClEngine<T> {
    /// Runs la-opencl's kernel `name` over the work sizes `gws` (and `lws`) with
    /// `args`: built on its first call, its arguments reset on later ones.
    fn run(
        &self,
        name: &'static str,
        gws: &[usize],
        lws: Option<usize>,
        args: &[Arg<'_, T>],
    ) -> Result<()> {
        self.program.launch(self, name, gws, lws, args)
    }

    pub(crate) fn context(&self) -> &Context {
        &self.context
    }

    pub(crate) fn queue(&self) -> &Queue {
        &self.queue
    }

    pub(crate) fn counts(&self) -> &Counters {
        &self.counts
    }

    /// `c := alpha a b + beta c` by la-opencl's `gemm_small` kernel (any strides;
    /// `c` is not read when `beta == 0`); `a` is `c.m x k`, `b` is `k x c.n`.
    fn gemm_small(
        &self,
        alpha: T,
        a: (&Mem, Region),
        b: (&Mem, Region),
        beta: T,
        c: (&Mem, Region),
        k: usize,
    ) -> Result<()> {
        let [ao, ars, acs] = rargs(a.1);
        let [bo, brs, bcs] = rargs(b.1);
        let [co, crs, ccs] = rargs(c.1);
        use Arg::*;
        self.run(
            "gemm_small",
            &[c.1.m, c.1.n],
            None,
            &[
                U64(k as u64),
                Val(alpha),
                Val(beta),
                Buf(a.0),
                U64(ao),
                U64(ars),
                U64(acs),
                Buf(b.0),
                U64(bo),
                U64(brs),
                U64(bcs),
                Buf(c.0),
                U64(co),
                U64(crs),
                U64(ccs),
            ],
        )
    }

    /// `y := op(x)` over regions of possibly different buffers (or the same one).
    fn unary_raw(
        &self,
        (op, p): (i32, [T; 4]),
        x: (&Mem, Region),
        y: (&Mem, Region),
    ) -> Result<()> {
        if y.1.is_empty() {
            return Ok(());
        }
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        use Arg::*;
        self.run(
            "unary",
            &[y.1.m, y.1.n],
            None,
            &[
                I32(op),
                Val(p[0]),
                Val(p[1]),
                Val(p[2]),
                Val(p[3]),
                Buf(x.0),
                U64(xo),
                U64(xrs),
                U64(xcs),
                Buf(y.0),
                U64(yo),
                U64(yrs),
                U64(ycs),
            ],
        )
    }

    /// A reduction over `x` (and `y` for the dot product), finished on the host.
    fn reduce_raw(&self, op: i32, x: (&Mem, Region), y: (&Mem, Region)) -> Result<T> {
        let len = x.1.len();
        if len == 0 {
            return Ok(T::zero());
        }
        let groups = len.div_ceil(LOCAL * 16).clamp(1, MAX_GROUPS);
        let partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        use Arg::*;
        self.run(
            "reduce",
            &[groups * LOCAL],
            Some(LOCAL),
            &[
                I32(op),
                U64(x.1.m as u64),
                U64(x.1.n as u64),
                Buf(x.0),
                U64(xo),
                U64(xrs),
                U64(xcs),
                Buf(y.0),
                U64(yo),
                U64(yrs),
                U64(ycs),
                Buf(&partial),
                Local(LOCAL),
            ],
        )?;
        let mut host = [T::zero(); MAX_GROUPS];
        let host = &mut host[..groups];
        bump(&self.counts.reads);
        partial
            .read(&self.queue, 0, host)
            .map_err(|e| cl_err("reading partial sums", e))?;
        Ok(finish_reduction(op, host))
    }

    fn upload(&self, data: &[T]) -> Result<Mem> {
        let mem =
            Mem::new::<T>(&self.context, data.len().max(1)).map_err(|e| cl_err("uploading", e))?;
        mem.write(&self.queue, 0, data)
            .map_err(|e| cl_err("uploading", e))?;
        Ok(mem)
    }
}

impl<T: ClScalar> Engine<T> for ClEngine<T> {
    fn name(&self) -> String {
        format!("opencl-{}", T::NAME)
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn alloc(&self, len: usize) -> Result<Storage<T>> {
        // OpenCL has no empty buffers: allocate one element for an empty object.
        let mem = Mem::new::<T>(&self.context, len.max(1))
            .and_then(|m| m.fill(&self.queue, T::zero()).map(|()| m))
            .map_err(|e| {
                cl_err(
                    &format!(
                        "allocating {len} elements ({} bytes; more than the device can hold?)",
                        len.saturating_mul(std::mem::size_of::<T>())
                    ),
                    e,
                )
            })?;
        Ok(Storage::Device(Box::new(ClBuffer::<T> {
            mem,
            len,
            _t: PhantomData,
        })))
    }

    fn read(&self, s: &Storage<T>, r: Region, out: &mut [T]) -> Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        bump(&self.counts.reads);
        let b = buf(s, r)?;
        if r.is_flat_col() {
            return b
                .read(&self.queue, r.offset, &mut out[..r.len()])
                .map_err(|e| cl_err("reading", e));
        }
        let span = r.end() - r.offset;
        let mut tmp = vec![T::zero(); span];
        b.read(&self.queue, r.offset, &mut tmp)
            .map_err(|e| cl_err("reading", e))?;
        gather_span(&tmp, r, out);
        Ok(())
    }

    fn write(&self, s: &mut Storage<T>, r: Region, data: &[T]) -> Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        bump(&self.counts.writes);
        let b = buf(s, r)?;
        if r.is_flat_col() {
            return b
                .write(&self.queue, r.offset, &data[..r.len()])
                .map_err(|e| cl_err("writing", e));
        }
        // Strided: upload contiguously, then scatter on the device (gaps stay untouched).
        let tmp = self.upload(data)?;
        let flat = Region {
            offset: 0,
            m: r.m,
            n: r.n,
            rs: 1,
            cs: r.m,
        };
        self.unary_raw((KERNEL_COPY, [T::zero(); 4]), (&tmp, flat), (b, r))
    }

    fn copy(&self, x: (&Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        self.unary_raw(
            (KERNEL_COPY, [T::zero(); 4]),
            (buf(x.0, x.1)?, x.1),
            (buf(y.0, y.1)?, y.1),
        )
    }

    fn swap(&self, x: (&mut Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        if x.1.is_empty() {
            return Ok(());
        }
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        use Arg::*;
        self.run(
            "swap",
            &[x.1.m, x.1.n],
            None,
            &[
                Buf(buf(x.0, x.1)?),
                U64(xo),
                U64(xrs),
                U64(xcs),
                Buf(buf(y.0, y.1)?),
                U64(yo),
                U64(yrs),
                U64(ycs),
            ],
        )
    }

    fn dot(&self, x: (&Storage<T>, Region), y: (&Storage<T>, Region)) -> Result<T> {
        self.reduce_raw(KERNEL_DOT, (buf(x.0, x.1)?, x.1), (buf(y.0, y.1)?, y.1))
    }

    fn reduce(&self, op: Reduction, x: (&Storage<T>, Region)) -> Result<T> {
        let b = buf(x.0, x.1)?;
        let v = self.reduce_raw(op.kernel_code(), (b, x.1), (b, x.1))?;
        Ok(if op == Reduction::Nrm2 { v.sqrt() } else { v })
    }

    fn iamax(&self, x: (&Storage<T>, Region)) -> Result<usize> {
        // Rarely hot: read the vector and search on the host.
        let mut host = vec![T::zero(); x.1.len()];
        self.read(x.0, x.1, &mut host)?;
        Ok(iamax_host(&host))
    }

    fn axpby(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        if y.1.is_empty() {
            return Ok(());
        }
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        use Arg::*;
        self.run(
            "axpby",
            &[y.1.m, y.1.n],
            None,
            &[
                Val(alpha),
                Val(beta),
                Buf(buf(x.0, x.1)?),
                U64(xo),
                U64(xrs),
                U64(xcs),
                Buf(buf(y.0, y.1)?),
                U64(yo),
                U64(yrs),
                U64(ycs),
            ],
        )
    }

    fn gemv(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let (ra, rx, ry) = (a.1, x.1, y.1);
        if ra.m == 0 {
            return Ok(());
        }
        if ra.len() <= SMALL_PRODUCT && ra.n > 0 && alpha != T::zero() {
            // x as an n x 1 matrix, y as m x 1 (a vector region's row stride is its stride)
            let yb = buf(y.0, ry)?;
            return self.gemm_small(
                alpha,
                (buf(a.0, ra)?, ra),
                (buf(x.0, rx)?, rx),
                beta,
                (yb, ry),
                ra.n,
            );
        }
        if blas_prologue(self, alpha, beta, ra.n, (&mut *y.0, ry))? {
            return Ok(());
        }
        let yb = buf(y.0, y.1)?;
        let (col, ld) = major(ra)?;
        let layout = if col {
            ffi::Layout::ColMajor
        } else {
            ffi::Layout::RowMajor
        };
        let am = Mat {
            mem: buf(a.0, a.1)?,
            off: ra.offset,
            ld,
        };
        let xm = Mat {
            mem: buf(x.0, x.1)?,
            off: rx.offset,
            ld: rx.rs.max(1),
        };
        let ym = Mat {
            mem: yb,
            off: ry.offset,
            ld: ry.rs.max(1),
        };
        bump(&self.counts.launches);
        status(
            "gemv",
            T::gemv(
                &self.queue,
                layout,
                Transpose::No,
                ra.m,
                ra.n,
                alpha,
                am,
                xm,
                beta,
                ym,
            ),
        )
    }

    fn ger(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        a: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let ra = a.1;
        if ra.is_empty() || alpha == T::zero() {
            return Ok(());
        }
        if ra.len() <= SMALL_PRODUCT {
            let (rx, ry) = (x.1, y.1);
            use Arg::*;
            return self.run(
                "ger_small",
                &[ra.m, ra.n],
                None,
                &[
                    Val(alpha),
                    Buf(buf(x.0, rx)?),
                    U64(rx.offset as u64),
                    U64(rx.rs as u64),
                    Buf(buf(y.0, ry)?),
                    U64(ry.offset as u64),
                    U64(ry.rs as u64),
                    Buf(buf(a.0, ra)?),
                    U64(ra.offset as u64),
                    U64(ra.rs as u64),
                    U64(ra.cs as u64),
                ],
            );
        }
        let (col, ld) = major(ra)?;
        let layout = if col {
            ffi::Layout::ColMajor
        } else {
            ffi::Layout::RowMajor
        };
        let xm = Mat {
            mem: buf(x.0, x.1)?,
            off: x.1.offset,
            ld: x.1.rs.max(1),
        };
        let ym = Mat {
            mem: buf(y.0, y.1)?,
            off: y.1.offset,
            ld: y.1.rs.max(1),
        };
        let am = Mat {
            mem: buf(a.0, a.1)?,
            off: ra.offset,
            ld,
        };
        bump(&self.counts.launches);
        status(
            "ger",
            T::ger(&self.queue, layout, ra.m, ra.n, alpha, xm, ym, am),
        )
    }

    fn gemm(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        b: (&Storage<T>, Region),
        beta: T,
        c: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let (ra, rb, rc) = (a.1, b.1, c.1);
        if rc.is_empty() {
            return Ok(());
        }
        let small = rc.len().saturating_mul(ra.n) <= SMALL_PRODUCT;
        if small && ra.n > 0 && alpha != T::zero() {
            let cb = buf(c.0, rc)?;
            return self.gemm_small(
                alpha,
                (buf(a.0, ra)?, ra),
                (buf(b.0, rb)?, rb),
                beta,
                (cb, rc),
                ra.n,
            );
        }
        if blas_prologue(self, alpha, beta, ra.n, (&mut *c.0, rc))? {
            return Ok(());
        }
        let cb = buf(c.0, c.1)?;
        let (ccol, cld) = major(rc)?;
        let (acol, ald) = major(ra)?;
        let (bcol, bld) = major(rb)?;
        let layout = if ccol {
            ffi::Layout::ColMajor
        } else {
            ffi::Layout::RowMajor
        };
        let t = |same: bool| if same { Transpose::No } else { Transpose::Yes };
        let am = Mat {
            mem: buf(a.0, a.1)?,
            off: ra.offset,
            ld: ald,
        };
        let bm = Mat {
            mem: buf(b.0, b.1)?,
            off: rb.offset,
            ld: bld,
        };
        let cm = Mat {
            mem: cb,
            off: rc.offset,
            ld: cld,
        };
        bump(&self.counts.launches);
        let code = T::gemm(
            &self.queue,
            layout,
            t(acol == ccol),
            t(bcol == ccol),
            rc.m,
            rc.n,
            ra.n,
            alpha,
            am,
            bm,
            beta,
            cm,
        );
        status("gemm", code)
    }

    fn gather_columns(
        &self,
        x: (&Storage<T>, Region),
        cols: &[usize],
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let (rx, ry) = (x.1, y.1);
        if ry.is_empty() {
            return Ok(());
        }
        let xb = buf(x.0, rx)?;
        let yb = buf(y.0, ry)?;
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        let same = index.host.len() == cols.len()
            && index.host.iter().zip(cols).all(|(&a, &b)| a == b as u64);
        if !same {
            if index.capacity < cols.len() {
                let capacity = cols.len().next_power_of_two();
                index.mem = Some(
                    Mem::new::<u64>(&self.context, capacity)
                        .map_err(|e| cl_err("allocating the gather index buffer", e))?,
                );
                index.capacity = capacity;
            }
            index.host.clear();
            index.host.extend(cols.iter().map(|&j| j as u64));
            let IndexBuffer { mem, host, .. } = &mut *index;
            if let Some(mem) = mem {
                bump(&self.counts.writes);
                if let Err(e) = mem.write(&self.queue, 0, host) {
                    host.clear(); // the device copy is unknown now
                    return Err(cl_err("writing the gather indices", e));
                }
            }
        }
        let Some(mem) = index.mem.as_ref() else {
            return Ok(());
        };
        let [xo, xrs, xcs] = rargs(rx);
        let [yo, yrs, ycs] = rargs(ry);
        use Arg::*;
        self.run(
            "gather_cols",
            &[ry.m, ry.n],
            None,
            &[
                Buf(mem),
                Buf(xb),
                U64(xo),
                U64(xrs),
                U64(xcs),
                Buf(yb),
                U64(yo),
                U64(yrs),
                U64(ycs),
            ],
        )
    }

    fn unary(
        &self,
        op: Unary<T>,
        x: (&Storage<T>, Region),
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        self.unary_raw(
            op.kernel_code(),
            (buf(x.0, x.1)?, x.1),
            (buf(y.0, y.1)?, y.1),
        )
    }

    fn unary_inplace(&self, op: Unary<T>, x: (&mut Storage<T>, Region)) -> Result<()> {
        let b = buf(x.0, x.1)?;
        self.unary_raw(op.kernel_code(), (b, x.1), (b, x.1))
    }

    fn binary(
        &self,
        op: Binary,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        z: (&mut Storage<T>, Region),
    ) -> Result<()> {
        self.binary_raw(
            op,
            (buf(x.0, x.1)?, x.1),
            (buf(y.0, y.1)?, y.1),
            (buf(z.0, z.1)?, z.1),
        )
    }

    fn binary_inplace(
        &self,
        op: Binary,
        x: (&mut Storage<T>, Region),
        y: (&Storage<T>, Region),
    ) -> Result<()> {
        let xb = buf(x.0, x.1)?;
        self.binary_raw(op, (xb, x.1), (buf(y.0, y.1)?, y.1), (xb, x.1))
    }

    fn random(
        &self,
        dist: Distribution<T>,
        rng: &mut dyn la_core::rand::RngCore,
        x: (&mut Storage<T>, Region),
    ) -> Result<bool> {
        let r = x.1;
        if r.is_empty() {
            return Ok(true);
        }
        let b = buf(x.0, r)?;
        // one key per call: the kernel's counter is the element's position
        let key = rng.next_u64();
        let (code, lo, hi) = match dist {
            Distribution::Uniform { lower, upper } => (0, lower, upper),
            Distribution::Normal { mu, sigma } => (1, mu, sigma),
        };
        let [xo, xrs, xcs] = rargs(r);
        use Arg::*;
        self.run(
            "random",
            &[r.m, r.n],
            None,
            &[
                I32(code),
                Val(lo),
                Val(hi),
                U64(key),
                U64(r.m as u64),
                Buf(b),
                U64(xo),
                U64(xrs),
                U64(xcs),
            ],
        )?;
        Ok(true)
    }
}

impl<T: ClScalar> ClEngine<T> {
    fn binary_raw(
        &self,
        op: Binary,
        x: (&Mem, Region),
        y: (&Mem, Region),
        z: (&Mem, Region),
    ) -> Result<()> {
        if z.1.is_empty() {
            return Ok(());
        }
        let code = op.kernel_code();
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        let [zo, zrs, zcs] = rargs(z.1);
        use Arg::*;
        self.run(
            "binary",
            &[z.1.m, z.1.n],
            None,
            &[
                I32(code),
                Buf(x.0),
                U64(xo),
                U64(xrs),
                U64(xcs),
                Buf(y.0),
                U64(yo),
                U64(yrs),
                U64(ycs),
                Buf(z.0),
                U64(zo),
                U64(zrs),
                U64(zcs),
            ],
        )
    }
}
