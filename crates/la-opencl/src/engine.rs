//! The OpenCL engine: device buffers, CLBlast for BLAS 2/3, own kernels for the rest.

use std::any::Any;
use std::marker::PhantomData;

use la_core::engine::{
    blas_prologue, Binary, DeviceBuffer, Engine, Reduction, Region, Storage, Unary,
};
use la_core::{Error, Factory, Result, Scalar};
use ocl::{Buffer, Context, Kernel, OclPrm, Program, Queue};

use crate::ffi::{self, ClBlast, Mat, Transpose};

/// Element types the OpenCL factories support: `f32` and `f64`.
pub trait ClScalar: Scalar + OclPrm + ClBlast {
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
pub struct ClBuffer<T: OclPrm> {
    buf: Buffer<T>,
    len: usize,
}

impl<T: OclPrm> DeviceBuffer for ClBuffer<T> {
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
    queue: Queue,
    program: Program,
    _t: PhantomData<T>,
}

const SOURCE: &str = include_str!("kernels.cl");

fn cl_err(what: &str, e: impl std::fmt::Display + std::fmt::Debug) -> Error {
    // ocl's errors are banners over many lines (starting with a blank one, so a log
    // showing the first line shows nothing): keep the informative lines, on one line
    let mut cause = e
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with('#')
                && !l.starts_with("Please visit")
                && !l.starts_with("http")
        })
        .collect::<Vec<_>>()
        .join("; ");
    if cause.trim().is_empty() {
        cause = format!("{e:?}");
    }
    if cause.trim().is_empty() || cause.trim() == "\"\"" {
        cause = "the OpenCL driver gave no reason".into();
    }
    Error::Backend {
        backend: "opencl".into(),
        message: format!("{what}: {cause}"),
    }
}

fn factory<T: ClScalar>(context: &Context, queue: &Queue) -> Result<Factory<T>> {
    if T::NAME == "double" && !crate::device::has_fp64(&queue.device()) {
        return Err(Error::Unsupported {
            backend: format!("opencl ({})", queue.device().name().unwrap_or_default()),
            op: "double precision (cl_khr_fp64)",
        });
    }
    // Kernel build errors come back with the compiler log in the message.
    let program = Program::builder()
        .src(SOURCE)
        .cmplr_opt(T::DEFINES)
        .devices(queue.device())
        .build(context)
        .map_err(|e| cl_err("building the OpenCL kernels", e))?;
    Ok(Factory::new(ClEngine::<T> {
        queue: queue.clone(),
        program,
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
fn buf<T: ClScalar>(s: &Storage<T>, r: Region) -> Result<&Buffer<T>> {
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
    let end = region_end(&r);
    if end.is_none_or(|e| e > b.len) {
        return Err(cl_err(
            "argument",
            format!(
                "the region {r:?} reaches past the buffer's {} elements",
                b.len
            ),
        ));
    }
    Ok(&b.buf)
}

/// One past the last element `r` addresses, or `None` on overflow.
fn region_end(r: &Region) -> Option<usize> {
    if r.is_empty() {
        return Some(0);
    }
    let rows = (r.m - 1).checked_mul(r.rs)?;
    let cols = (r.n - 1).checked_mul(r.cs)?;
    r.offset
        .checked_add(rows)?
        .checked_add(cols)?
        .checked_add(1)
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

fn status(op: &str, code: i32) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(cl_err(op, format!("CLBlast status {code}")))
    }
}

fn unary_code<T>(op: &Unary<T>) -> i32 {
    match op {
        Unary::Sqr => 0,
        Unary::Inv => 1,
        Unary::Abs => 2,
        Unary::Sqrt => 3,
        Unary::Exp => 4,
        Unary::Log => 5,
        Unary::Tanh => 6,
        Unary::Sigmoid => 7,
        Unary::Relu => 8,
        Unary::Elu(_) => 9,
        Unary::LinearFrac { .. } => 10,
        Unary::Pow(_) => 11,
        Unary::Round => 12,
        Unary::Step => 13,
        Unary::Scale(_) => 14,
        Unary::Fill(_) => 15,
    }
}

/// The four scalar parameters the unary kernel takes.
fn unary_params<T: Scalar>(op: &Unary<T>) -> [T; 4] {
    let z = T::zero();
    match *op {
        Unary::Elu(a) | Unary::Pow(a) | Unary::Scale(a) | Unary::Fill(a) => [a, z, z, z],
        Unary::LinearFrac { a, b, c, d } => [a, b, c, d],
        _ => [z; 4],
    }
}

const COPY: i32 = 16;
const LOCAL: usize = 64;

impl<T: ClScalar> ClEngine<T> {
    fn kernel(&self, name: &str, r: Region) -> ocl::builders::KernelBuilder<'_> {
        let mut kb = Kernel::builder();
        kb.program(&self.program)
            .name(name)
            .queue(self.queue.clone())
            .global_work_size([r.m, r.n]);
        kb
    }

    fn launch(&self, kb: &mut ocl::builders::KernelBuilder<'_>, what: &str) -> Result<()> {
        let k = kb.build().map_err(|e| cl_err(what, e))?;
        crate::ffi::enqueue(&k).map_err(|e| cl_err(what, e))
    }

    /// `y := op(x)` over regions of possibly different buffers (or the same one).
    fn unary_raw(
        &self,
        op: i32,
        p: [T; 4],
        x: (&Buffer<T>, Region),
        y: (&Buffer<T>, Region),
    ) -> Result<()> {
        if y.1.is_empty() {
            return Ok(());
        }
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        let mut kb = self.kernel("unary", y.1);
        kb.arg(op).arg(p[0]).arg(p[1]).arg(p[2]).arg(p[3]);
        kb.arg(x.0)
            .arg(xo)
            .arg(xrs)
            .arg(xcs)
            .arg(y.0)
            .arg(yo)
            .arg(yrs)
            .arg(ycs);
        self.launch(&mut kb, "unary kernel")
    }

    /// A reduction over `x` (and `y` for the dot product), finished on the host.
    fn reduce_raw(&self, op: i32, x: (&Buffer<T>, Region), y: (&Buffer<T>, Region)) -> Result<T> {
        let len = x.1.len();
        if len == 0 {
            return Ok(T::zero());
        }
        let groups = len.div_ceil(LOCAL * 16).clamp(1, 64);
        let partial = Buffer::<T>::builder()
            .queue(self.queue.clone())
            .len(groups)
            .build()
            .map_err(|e| cl_err("reduce buffer", e))?;
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        let mut kb = Kernel::builder();
        kb.program(&self.program)
            .name("reduce")
            .queue(self.queue.clone())
            .global_work_size(groups * LOCAL)
            .local_work_size(LOCAL);
        kb.arg(op).arg(x.1.m as u64).arg(x.1.n as u64);
        kb.arg(x.0)
            .arg(xo)
            .arg(xrs)
            .arg(xcs)
            .arg(y.0)
            .arg(yo)
            .arg(yrs)
            .arg(ycs);
        kb.arg(&partial).arg_local::<T>(LOCAL);
        self.launch(&mut kb, "reduce kernel")?;
        let mut host = vec![T::zero(); groups];
        partial
            .read(&mut host)
            .enq()
            .map_err(|e| cl_err("reading partial sums", e))?;
        Ok(if op == 3 {
            host.into_iter().fold(T::zero(), |a, b| {
                if a.is_nan() || b.is_nan() {
                    T::nan()
                } else {
                    a.max(b)
                }
            })
        } else {
            host.into_iter().fold(T::zero(), |a, b| a + b)
        })
    }

    fn upload(&self, data: &[T]) -> Result<Buffer<T>> {
        let one = [T::zero()];
        Buffer::<T>::builder()
            .queue(self.queue.clone())
            .len(data.len().max(1))
            .copy_host_slice(if data.is_empty() { &one } else { data })
            .build()
            .map_err(|e| cl_err("uploading", e))
    }
}

impl<T: ClScalar> Engine<T> for ClEngine<T> {
    fn name(&self) -> String {
        format!("opencl-{}", T::NAME)
    }

    fn alloc(&self, len: usize) -> Result<Storage<T>> {
        // OpenCL has no empty buffers: allocate one element for an empty object.
        let b = Buffer::<T>::builder()
            .queue(self.queue.clone())
            .len(len.max(1))
            .fill_val(T::zero())
            .build()
            .map_err(|e| {
                cl_err(
                    &format!(
                        "allocating {len} elements ({} bytes; more than the device can hold?)",
                        len.saturating_mul(std::mem::size_of::<T>())
                    ),
                    e,
                )
            })?;
        Ok(Storage::Device(Box::new(ClBuffer { buf: b, len })))
    }

    fn read(&self, s: &Storage<T>, r: Region, out: &mut [T]) -> Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        let b = buf(s, r)?;
        if r.is_flat_col() {
            return b
                .read(out)
                .offset(r.offset)
                .len(r.len())
                .enq()
                .map_err(|e| cl_err("reading", e));
        }
        let span = r.end() - r.offset;
        let mut tmp = vec![T::zero(); span];
        b.read(&mut tmp)
            .offset(r.offset)
            .len(span)
            .enq()
            .map_err(|e| cl_err("reading", e))?;
        let mut k = 0;
        for j in 0..r.n {
            for i in 0..r.m {
                out[k] = tmp[r.index(i, j) - r.offset];
                k += 1;
            }
        }
        Ok(())
    }

    fn write(&self, s: &mut Storage<T>, r: Region, data: &[T]) -> Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        let b = buf(s, r)?;
        if r.is_flat_col() {
            return b
                .write(data)
                .offset(r.offset)
                .len(r.len())
                .enq()
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
        self.unary_raw(COPY, [T::zero(); 4], (&tmp, flat), (b, r))
    }

    fn copy(&self, x: (&Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        self.unary_raw(
            COPY,
            [T::zero(); 4],
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
        let mut kb = self.kernel("swap", x.1);
        kb.arg(buf(x.0, x.1)?)
            .arg(xo)
            .arg(xrs)
            .arg(xcs)
            .arg(buf(y.0, y.1)?)
            .arg(yo)
            .arg(yrs)
            .arg(ycs);
        self.launch(&mut kb, "swap kernel")
    }

    fn dot(&self, x: (&Storage<T>, Region), y: (&Storage<T>, Region)) -> Result<T> {
        self.reduce_raw(4, (buf(x.0, x.1)?, x.1), (buf(y.0, y.1)?, y.1))
    }

    fn reduce(&self, op: Reduction, x: (&Storage<T>, Region)) -> Result<T> {
        let b = buf(x.0, x.1)?;
        let code = match op {
            Reduction::Sum => 0,
            Reduction::Asum => 1,
            Reduction::Nrm2 => 2,
            Reduction::Amax => 3,
        };
        let v = self.reduce_raw(code, (b, x.1), (b, x.1))?;
        Ok(if op == Reduction::Nrm2 { v.sqrt() } else { v })
    }

    fn iamax(&self, x: (&Storage<T>, Region)) -> Result<usize> {
        // Rarely hot: read the vector and search on the host.
        let mut host = vec![T::zero(); x.1.len()];
        self.read(x.0, x.1, &mut host)?;
        let mut best = (T::neg_infinity(), 0);
        for (i, v) in host.iter().enumerate() {
            // the first NaN counts as the largest, as on every backend
            if v.abs() > best.0 || (v.is_nan() && !best.0.is_nan()) {
                best = (v.abs(), i);
            }
        }
        Ok(best.1)
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
        let mut kb = self.kernel("axpby", y.1);
        kb.arg(alpha)
            .arg(beta)
            .arg(buf(x.0, x.1)?)
            .arg(xo)
            .arg(xrs)
            .arg(xcs);
        kb.arg(buf(y.0, y.1)?).arg(yo).arg(yrs).arg(ycs);
        self.launch(&mut kb, "axpby kernel")
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
            mem: buf(a.0, a.1)?.as_core().as_ptr(),
            off: ra.offset,
            ld,
        };
        let xm = Mat {
            mem: buf(x.0, x.1)?.as_core().as_ptr(),
            off: rx.offset,
            ld: rx.rs.max(1),
        };
        let ym = Mat {
            mem: yb.as_core().as_ptr(),
            off: ry.offset,
            ld: ry.rs.max(1),
        };
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
        let (col, ld) = major(ra)?;
        let layout = if col {
            ffi::Layout::ColMajor
        } else {
            ffi::Layout::RowMajor
        };
        let xm = Mat {
            mem: buf(x.0, x.1)?.as_core().as_ptr(),
            off: x.1.offset,
            ld: x.1.rs.max(1),
        };
        let ym = Mat {
            mem: buf(y.0, y.1)?.as_core().as_ptr(),
            off: y.1.offset,
            ld: y.1.rs.max(1),
        };
        let am = Mat {
            mem: buf(a.0, a.1)?.as_core().as_ptr(),
            off: ra.offset,
            ld,
        };
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
            mem: buf(a.0, a.1)?.as_core().as_ptr(),
            off: ra.offset,
            ld: ald,
        };
        let bm = Mat {
            mem: buf(b.0, b.1)?.as_core().as_ptr(),
            off: rb.offset,
            ld: bld,
        };
        let cm = Mat {
            mem: cb.as_core().as_ptr(),
            off: rc.offset,
            ld: cld,
        };
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

    fn unary(
        &self,
        op: Unary<T>,
        x: (&Storage<T>, Region),
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        self.unary_raw(
            unary_code(&op),
            unary_params(&op),
            (buf(x.0, x.1)?, x.1),
            (buf(y.0, y.1)?, y.1),
        )
    }

    fn unary_inplace(&self, op: Unary<T>, x: (&mut Storage<T>, Region)) -> Result<()> {
        let b = buf(x.0, x.1)?;
        self.unary_raw(unary_code(&op), unary_params(&op), (b, x.1), (b, x.1))
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
}

impl<T: ClScalar> ClEngine<T> {
    fn binary_raw(
        &self,
        op: Binary,
        x: (&Buffer<T>, Region),
        y: (&Buffer<T>, Region),
        z: (&Buffer<T>, Region),
    ) -> Result<()> {
        if z.1.is_empty() {
            return Ok(());
        }
        let code: i32 = match op {
            Binary::Mul => 0,
            Binary::Div => 1,
            Binary::Fmax => 2,
            Binary::Fmin => 3,
            Binary::Add => 4,
            Binary::Sub => 5,
        };
        let [xo, xrs, xcs] = rargs(x.1);
        let [yo, yrs, ycs] = rargs(y.1);
        let [zo, zrs, zcs] = rargs(z.1);
        let mut kb = self.kernel("binary", z.1);
        kb.arg(code)
            .arg(x.0)
            .arg(xo)
            .arg(xrs)
            .arg(xcs)
            .arg(y.0)
            .arg(yo)
            .arg(yrs)
            .arg(ycs);
        kb.arg(z.0).arg(zo).arg(zrs).arg(zcs);
        self.launch(&mut kb, "binary kernel")
    }
}
