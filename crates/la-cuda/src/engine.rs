//! The CUDA engine: device buffers, cuBLAS for BLAS 2/3, NVRTC kernels for the rest.

use std::any::Any;
use std::ffi::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cudarc::cublas::CudaBlas;
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DevicePtr, DeviceRepr,
    ValidAsZeroBits,
};
use cudarc::nvrtc::Ptx;
use la_core::engine::{
    blas_prologue, finish_reduction, gather_span, iamax_host, Binary, DeviceBuffer, Distribution,
    Engine, Reduction, Region, Storage, Unary, KERNEL_COPY, KERNEL_DOT,
};
use la_core::{Error, Factory, Result, Scalar};

use crate::blas_map::{gemm_call, gemv_call, ger_call};
use crate::launch::{launch_checked, Cublas, KernelArg, Operand};
use crate::nvrtc::{compile_cached, KernelSource, Target};
use crate::probe::{require, Library};

/// Element types the CUDA factories support: `f32` and `f64`.
pub trait CudaScalar: Scalar + DeviceRepr + ValidAsZeroBits + Cublas {
    /// The type's name in CUDA C (`float`, `double`), what `REAL` is defined as.
    const REAL: &'static str;
}

impl CudaScalar for f32 {
    const REAL: &'static str = "float";
}

impl CudaScalar for f64 {
    const REAL: &'static str = "double";
}

/// la-cuda's own kernels (element-wise math, copies, swaps, reductions).
pub const KERNELS: KernelSource = KernelSource {
    name: "la-cuda/kernels.cu",
    text: include_str!("kernels.cu"),
};

/// Threads per block of every element-wise kernel and of the reduction (the
/// reduction's shared array has this many entries).
const THREADS: u32 = 256;
/// The most blocks an element-wise kernel launches (its loop strides over the rest).
const MAX_BLOCKS: usize = 4096;
/// The most blocks a reduction uses (its partial results' length).
const MAX_PARTIALS: usize = 128;

/// A device buffer of this crate; freed (stream-ordered) when dropped.
pub struct CudaBuffer<T> {
    slice: CudaSlice<T>,
    len: usize,
}

impl<T> std::fmt::Debug for CudaBuffer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaBuffer({} elements)", self.len)
    }
}

impl<T: Send + Sync + 'static> DeviceBuffer for CudaBuffer<T> {
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

/// The kernels of [`KERNELS`], loaded into a factory's context.
struct Kernels {
    unary: CudaFunction,
    binary: CudaFunction,
    axpby: CudaFunction,
    swap: CudaFunction,
    reduce: CudaFunction,
    random: CudaFunction,
    gather_cols: CudaFunction,
}

/// A device buffer of column indices and the host copy of what it holds.
#[derive(Default)]
struct IndexBuffer {
    slice: Option<CudaSlice<u64>>,
    host: Vec<u64>,
}

/// What an engine has queued, for [`counts`].
#[derive(Debug, Default)]
struct Counters {
    launches: AtomicUsize,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

/// The work a CUDA factory has queued since it was made: kernel launches (cuBLAS calls
/// included) and host transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CudaCounts {
    /// Kernel launches and cuBLAS calls.
    pub launches: usize,
    /// Copies from device to host.
    pub reads: usize,
    /// Copies from host to device.
    pub writes: usize,
}

/// The CUDA engine for element type `T`, bound to one stream of one context.
pub struct CudaEngine<T: CudaScalar> {
    context: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    arch: (u32, u32),
    kernels: Kernels,
    blas: Mutex<CudaBlas>,
    /// The reductions' per-block partial results, locked from a reduction's launch
    /// until its results are read back.
    partial: Mutex<CudaSlice<T>>,
    /// The column indices of the last [`Engine::gather_columns`], on the device and on
    /// the host: a mini-batch gathers `x` and `y` with the same indices, so the second
    /// gather uploads nothing.
    index: Mutex<IndexBuffer>,
    counts: Counters,
}

impl<T: CudaScalar> std::fmt::Debug for CudaEngine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CudaEngine(cuda-{}, device {}, sm_{}{})",
            T::NAME,
            self.context.ordinal(),
            self.arch.0,
            self.arch.1
        )
    }
}

fn driver_err(what: &str, e: impl std::fmt::Debug) -> Error {
    crate::cuda_err(format!("{what}: {e:?}"))
}

fn bump(a: &AtomicUsize) {
    a.fetch_add(1, Ordering::Relaxed);
}

/// The compute capability of `context`'s device.
pub(crate) fn arch_of(context: &CudaContext) -> Result<(u32, u32)> {
    let (x, y) = context
        .compute_capability()
        .map_err(|e| driver_err("reading the compute capability", e))?;
    Ok((x as u32, y as u32))
}

/// Loads `source` (with `REAL` set to `real`) into `context`: CUBIN for the device's
/// own architecture, compiled once per process; PTX for the newest architecture NVRTC
/// knows when NVRTC is older than the device.
pub fn load_module(
    context: &Arc<CudaContext>,
    source: KernelSource,
    real: &'static str,
) -> Result<Arc<CudaModule>> {
    let arch = arch_of(context)?;
    let image = match compile_cached(source, real, Target::Cubin { arch }) {
        Ok(cubin) => cubin,
        Err(cubin_err) => {
            let newest = crate::nvrtc::supported_archs()?
                .into_iter()
                .filter(|a| *a <= arch)
                .max()
                .ok_or(cubin_err)?;
            compile_cached(source, real, Target::Ptx { arch: newest })?
        }
    };
    context
        .load_module(Ptx::from_binary(image.as_ref().clone()))
        .map_err(|e| driver_err(&format!("loading {} into the context", source.name), e))
}

fn factory<T: CudaScalar>(
    context: &Arc<CudaContext>,
    stream: &Arc<CudaStream>,
) -> Result<Factory<T>> {
    require(&[Library::Driver, Library::Nvrtc, Library::Cublas])?;
    let arch = arch_of(context)?;
    let module = load_module(context, KERNELS, T::REAL)?;
    let f = |name: &str| {
        module
            .load_function(name)
            .map_err(|e| driver_err(&format!("loading kernel {name}"), e))
    };
    let kernels = Kernels {
        unary: f("unary")?,
        binary: f("binary")?,
        axpby: f("axpby")?,
        swap: f("swap")?,
        reduce: f("reduce")?,
        random: f("random")?,
        gather_cols: f("gather_cols")?,
    };
    let blas = CudaBlas::new(stream.clone()).map_err(|e| driver_err("creating cuBLAS", e))?;
    let partial = stream
        .alloc_zeros::<T>(MAX_PARTIALS)
        .map_err(|e| driver_err("allocating the reduction buffer", e))?;
    Ok(Factory::new(CudaEngine::<T> {
        context: context.clone(),
        stream: stream.clone(),
        arch,
        kernels,
        blas: Mutex::new(blas),
        partial: Mutex::new(partial),
        index: Mutex::new(IndexBuffer::default()),
        counts: Counters::default(),
    }))
}

/// An `f32` factory on a CUDA stream (the book's `(cuda-float ctx)`).
///
/// ```
/// use la_core::prelude::*;
/// let Ok(cuda) = la_cuda::default_setup() else {
///     return Ok(()); // no GPU on this machine
/// };
/// let f = la_cuda::cuda_float(&cuda.context, &cuda.stream)?;
/// let x = f.vctr_from(&[1.0, -2.0, 3.0])?;
/// assert_eq!(asum(&x)?, 6.0);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn cuda_float(context: &Arc<CudaContext>, stream: &Arc<CudaStream>) -> Result<Factory<f32>> {
    factory(context, stream)
}

/// An `f64` factory on a CUDA stream (the book's `cuda-double`).
pub fn cuda_double(context: &Arc<CudaContext>, stream: &Arc<CudaStream>) -> Result<Factory<f64>> {
    factory(context, stream)
}

/// The [`CudaCounts`] of a CUDA factory; `None` for another backend's factory.
pub fn counts<T: CudaScalar>(f: &Factory<T>) -> Option<CudaCounts> {
    let e = CudaEngine::<T>::of(f)?;
    let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
    Some(CudaCounts {
        launches: get(&e.counts.launches),
        reads: get(&e.counts.reads),
        writes: get(&e.counts.writes),
    })
}

/// Waits until everything queued on a CUDA factory's stream has run (the book's
/// `synchronize!`); benchmarks time synchronised work. A no-op on host factories,
/// whose work is done when a call returns.
///
/// ```
/// la_cuda::synchronize(&la_core::native_float())?;
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn synchronize<T: CudaScalar>(f: &Factory<T>) -> Result<()> {
    match CudaEngine::<T>::of(f) {
        Some(e) => e
            .stream
            .synchronize()
            .map_err(|e| driver_err("synchronising the stream", e)),
        None => Ok(()),
    }
}

/// The CUDA buffer of `s`, once `r` is checked to lie inside it: kernels and cuBLAS
/// trust their offsets and strides, so this is where a region built by hand (the
/// engine interface is public) is stopped before it reaches the device.
fn buffer<T: CudaScalar>(s: &Storage<T>, r: Region) -> Result<&CudaBuffer<T>> {
    let b = match s {
        Storage::Device(d) => d.as_any().downcast_ref::<CudaBuffer<T>>(),
        Storage::Host(_) => None,
    }
    .ok_or_else(|| {
        crate::cuda_err("argument: not a CUDA buffer of this type; transfer it first")
    })?;
    if r.checked_end().is_none_or(|e| e > b.len) {
        return Err(crate::cuda_err(format!(
            "argument: the region {r:?} reaches past the buffer's {} elements",
            b.len
        )));
    }
    Ok(b)
}

fn buffer_mut<T: CudaScalar>(s: &mut Storage<T>, r: Region) -> Result<&mut CudaBuffer<T>> {
    buffer(s, r)?;
    match s {
        Storage::Device(d) => Ok(d
            .as_any_mut()
            .downcast_mut::<CudaBuffer<T>>()
            .expect("checked by buffer")),
        Storage::Host(_) => unreachable!("checked by buffer"),
    }
}

/// Region arguments as the kernels take them: offset, row stride, column stride.
fn rargs<T>(ptr: u64, r: Region) -> [KernelArg<T>; 4] {
    [
        KernelArg::Ptr(ptr),
        KernelArg::U64(r.offset as u64),
        KernelArg::U64(r.rs as u64),
        KernelArg::U64(r.cs as u64),
    ]
}

/// cuBLAS takes `int` dimensions.
fn int(what: &str, v: usize) -> Result<c_int> {
    c_int::try_from(v).map_err(|_| {
        crate::cuda_err(format!(
            "{what} = {v} exceeds cuBLAS's 32-bit dimensions ({})",
            c_int::MAX
        ))
    })
}

/// (column-major?, leading dimension) of a matrix region for cuBLAS.
fn major(r: Region) -> Result<(bool, c_int)> {
    let (col, ld) = r.blas_layout().ok_or_else(|| {
        crate::cuda_err(format!(
            "BLAS: region {r:?} is neither column- nor row-major"
        ))
    })?;
    Ok((col, int("leading dimension", ld)?))
}

impl<T: CudaScalar> CudaEngine<T> {
    /// The engine of a CUDA factory of element type `T`; `None` for any other factory.
    pub fn of(f: &Factory<T>) -> Option<&CudaEngine<T>> {
        f.engine().as_any()?.downcast_ref::<CudaEngine<T>>()
    }

    /// The context the factory's buffers live in.
    pub fn context(&self) -> &Arc<CudaContext> {
        &self.context
    }

    /// The stream every operation of the factory is queued on (in order: stream order is
    /// the only synchronisation the engine needs).
    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.stream
    }

    /// The device's compute capability (`(9, 0)` for `sm_90`).
    pub fn arch(&self) -> (u32, u32) {
        self.arch
    }

    /// The device address of element `r.offset` of `s`, once `r` is checked to lie
    /// inside the buffer (for crates above la-core that run their own kernels on this
    /// factory's memory, such as tensor-cudnn).
    pub fn device_ptr(&self, s: &Storage<T>, r: Region) -> Result<u64> {
        let b = buffer(s, r)?;
        Ok(self.base(b) + (r.offset * std::mem::size_of::<T>()) as u64)
    }

    /// The address of a buffer's element 0.
    fn base(&self, b: &CudaBuffer<T>) -> u64 {
        // One stream runs all of this factory's work in order, so the event the guard
        // records is not needed for correctness.
        let (ptr, _guard) = b.slice.device_ptr(&self.stream);
        ptr
    }

    /// Counts a launch made by a crate above la-core on this factory's stream.
    pub fn count_launch(&self) {
        bump(&self.counts.launches);
    }

    /// Blocks for `len` elements: enough to cover them with [`THREADS`]-thread blocks,
    /// at most [`MAX_BLOCKS`].
    fn blocks(len: usize) -> u32 {
        len.div_ceil(THREADS as usize).clamp(1, MAX_BLOCKS) as u32
    }

    fn run(&self, f: &CudaFunction, len: usize, args: &[KernelArg<T>]) -> Result<()> {
        bump(&self.counts.launches);
        launch_checked(&self.stream, f, Self::blocks(len), THREADS, args)
    }

    /// `y := op(x)`; `x` and `y` may be the same buffer (element `k` of the region is
    /// read and written by the same thread only).
    fn unary_raw(&self, (op, p): (i32, [T; 4]), x: (u64, Region), y: (u64, Region)) -> Result<()> {
        let r = y.1;
        if r.is_empty() {
            return Ok(());
        }
        use KernelArg::*;
        let [x0, x1, x2, x3] = rargs(x.0, x.1);
        let [y0, y1, y2, y3] = rargs(y.0, y.1);
        let args = [
            I32(op),
            Val(p[0]),
            Val(p[1]),
            Val(p[2]),
            Val(p[3]),
            U64(r.m as u64),
            U64(r.n as u64),
            x0,
            x1,
            x2,
            x3,
            y0,
            y1,
            y2,
            y3,
        ];
        self.run(&self.kernels.unary, r.len(), &args)
    }

    fn binary_raw(
        &self,
        op: Binary,
        x: (u64, Region),
        y: (u64, Region),
        z: (u64, Region),
    ) -> Result<()> {
        let r = z.1;
        if r.is_empty() {
            return Ok(());
        }
        use KernelArg::*;
        let [x0, x1, x2, x3] = rargs(x.0, x.1);
        let [y0, y1, y2, y3] = rargs(y.0, y.1);
        let [z0, z1, z2, z3] = rargs(z.0, z.1);
        let args = [
            I32(op.kernel_code()),
            U64(r.m as u64),
            U64(r.n as u64),
            x0,
            x1,
            x2,
            x3,
            y0,
            y1,
            y2,
            y3,
            z0,
            z1,
            z2,
            z3,
        ];
        self.run(&self.kernels.binary, r.len(), &args)
    }

    /// A reduction over `x` (and `y` for the dot product), finished on the host.
    fn reduce_raw(&self, op: i32, x: (u64, Region), y: (u64, Region)) -> Result<T> {
        let len = x.1.len();
        if len == 0 {
            return Ok(T::zero());
        }
        let blocks = len.div_ceil(THREADS as usize * 16).clamp(1, MAX_PARTIALS);
        let partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        let out = self.base_of_slice(&partial);
        use KernelArg::*;
        let [x0, x1, x2, x3]: [KernelArg<T>; 4] = rargs(x.0, x.1);
        let [y0, y1, y2, y3] = rargs(y.0, y.1);
        let args = [
            I32(op),
            U64(x.1.m as u64),
            U64(x.1.n as u64),
            x0,
            x1,
            x2,
            x3,
            y0,
            y1,
            y2,
            y3,
            Ptr(out),
        ];
        bump(&self.counts.launches);
        // `out` has MAX_PARTIALS >= blocks elements, one per block.
        launch_checked(
            &self.stream,
            &self.kernels.reduce,
            blocks as u32,
            THREADS,
            &args,
        )?;
        let mut host = [T::zero(); MAX_PARTIALS];
        let host = &mut host[..blocks];
        bump(&self.counts.reads);
        self.stream
            .memcpy_dtoh(&partial.slice(..blocks), host)
            .map_err(|e| driver_err("reading partial sums", e))?;
        Ok(finish_reduction(op, host))
    }

    fn base_of_slice(&self, s: &CudaSlice<T>) -> u64 {
        let (ptr, _guard) = s.device_ptr(&self.stream);
        ptr
    }

    fn ptr(&self, s: &Storage<T>, r: Region) -> Result<u64> {
        Ok(self.base(buffer(s, r)?))
    }

    fn operand(&self, s: &Storage<T>, r: Region, ld: c_int) -> Result<Operand> {
        Ok(Operand {
            ptr: self.device_ptr(s, r)?,
            ld,
        })
    }

    /// A vector region as a BLAS operand (its increment in `ld`).
    fn vector_operand(&self, s: &Storage<T>, r: Region) -> Result<Operand> {
        self.operand(s, r, int("vector stride", r.rs.max(1))?)
    }

    /// Makes the factory's context current on this thread: cuBLAS and cuDNN work on
    /// the calling thread's current context (cudarc's own calls bind it themselves).
    pub fn bind_to_thread(&self) -> Result<()> {
        self.context
            .bind_to_thread()
            .map_err(|e| driver_err("binding the context to this thread", e))
    }

    fn blas(&self) -> Result<std::sync::MutexGuard<'_, CudaBlas>> {
        self.bind_to_thread()?;
        Ok(self.blas.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl<T: CudaScalar> Engine<T> for CudaEngine<T> {
    fn name(&self) -> String {
        format!("cuda-{}", T::NAME)
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn alloc(&self, len: usize) -> Result<Storage<T>> {
        let slice = self.stream.alloc_zeros::<T>(len.max(1)).map_err(|e| {
            driver_err(
                &format!(
                    "allocating {len} elements ({} bytes; more than the device can hold?)",
                    len.saturating_mul(std::mem::size_of::<T>())
                ),
                e,
            )
        })?;
        Ok(Storage::Device(Box::new(CudaBuffer { slice, len })))
    }

    fn read(&self, s: &Storage<T>, r: Region, out: &mut [T]) -> Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        let b = buffer(s, r)?;
        bump(&self.counts.reads);
        let src = b.slice.slice(r.offset..r.end());
        if r.is_flat_col() {
            return self
                .stream
                .memcpy_dtoh(&src, &mut out[..r.len()])
                .map_err(|e| driver_err("reading", e));
        }
        let mut tmp = vec![T::zero(); src.len()];
        self.stream
            .memcpy_dtoh(&src, &mut tmp[..])
            .map_err(|e| driver_err("reading", e))?;
        gather_span(&tmp, r, out);
        Ok(())
    }

    fn write(&self, s: &mut Storage<T>, r: Region, data: &[T]) -> Result<()> {
        if r.is_empty() {
            return Ok(());
        }
        bump(&self.counts.writes);
        if r.is_flat_col() {
            let b = buffer_mut(s, r)?;
            let mut dst = b.slice.slice_mut(r.offset..r.offset + r.len());
            return self
                .stream
                .memcpy_htod(&data[..r.len()], &mut dst)
                .map_err(|e| driver_err("writing", e));
        }
        // Strided: upload contiguously, then scatter on the device (gaps stay untouched).
        let tmp = self
            .stream
            .clone_htod(&data[..r.len()])
            .map_err(|e| driver_err("writing", e))?;
        let flat = Region {
            offset: 0,
            m: r.m,
            n: r.n,
            rs: 1,
            cs: r.m,
        };
        let dst = self.ptr(s, r)?;
        self.unary_raw(
            (KERNEL_COPY, [T::zero(); 4]),
            (self.base_of_slice(&tmp), flat),
            (dst, r),
        )
    }

    fn copy(&self, x: (&Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        let (xp, yp) = (self.ptr(x.0, x.1)?, self.ptr(y.0, y.1)?);
        self.unary_raw((KERNEL_COPY, [T::zero(); 4]), (xp, x.1), (yp, y.1))
    }

    fn gather_columns(
        &self,
        x: (&Storage<T>, Region),
        cols: &[usize],
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let r = y.1;
        if r.is_empty() {
            return Ok(());
        }
        let (xp, yp) = (self.ptr(x.0, x.1)?, self.ptr(y.0, r)?);
        let mut index = self.index.lock().unwrap_or_else(|p| p.into_inner());
        let same = index.host.len() == cols.len()
            && index.host.iter().zip(cols).all(|(&a, &b)| a == b as u64);
        if !same {
            let IndexBuffer { slice, host } = &mut *index;
            host.clear();
            host.extend(cols.iter().map(|&j| j as u64));
            if slice.as_ref().is_none_or(|s| s.len() < cols.len()) {
                *slice = Some(
                    self.stream
                        .alloc_zeros::<u64>(cols.len().next_power_of_two())
                        .map_err(|e| driver_err("allocating the gather index buffer", e))?,
                );
            }
            let Some(dst) = slice.as_mut() else {
                unreachable!("allocated above")
            };
            bump(&self.counts.writes);
            let mut head = dst.slice_mut(..host.len());
            if let Err(e) = self.stream.memcpy_htod(&host[..], &mut head) {
                host.clear(); // the device copy is unknown now
                return Err(driver_err("writing the gather indices", e));
            }
        }
        let cols_ptr = match index.slice.as_ref() {
            Some(s) => {
                let (ptr, _guard) = s.device_ptr(&self.stream);
                ptr
            }
            None => return Ok(()),
        };
        use KernelArg::*;
        let [x0, x1, x2, x3] = rargs(xp, x.1);
        let [y0, y1, y2, y3] = rargs(yp, r);
        let args = [
            U64(r.m as u64),
            U64(r.n as u64),
            Ptr(cols_ptr),
            x0,
            x1,
            x2,
            x3,
            y0,
            y1,
            y2,
            y3,
        ];
        self.run(&self.kernels.gather_cols, r.len(), &args)
    }

    fn swap(&self, x: (&mut Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        let r = x.1;
        if r.is_empty() {
            return Ok(());
        }
        let [x0, x1, x2, x3] = rargs(self.ptr(x.0, x.1)?, x.1);
        let [y0, y1, y2, y3] = rargs(self.ptr(y.0, y.1)?, y.1);
        use KernelArg::*;
        let args = [
            U64(r.m as u64),
            U64(r.n as u64),
            x0,
            x1,
            x2,
            x3,
            y0,
            y1,
            y2,
            y3,
        ];
        self.run(&self.kernels.swap, r.len(), &args)
    }

    fn dot(&self, x: (&Storage<T>, Region), y: (&Storage<T>, Region)) -> Result<T> {
        let (xp, yp) = (self.ptr(x.0, x.1)?, self.ptr(y.0, y.1)?);
        self.reduce_raw(KERNEL_DOT, (xp, x.1), (yp, y.1))
    }

    fn reduce(&self, op: Reduction, x: (&Storage<T>, Region)) -> Result<T> {
        let p = self.ptr(x.0, x.1)?;
        let v = self.reduce_raw(op.kernel_code(), (p, x.1), (p, x.1))?;
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
        let r = y.1;
        if r.is_empty() {
            return Ok(());
        }
        let [x0, x1, x2, x3] = rargs(self.ptr(x.0, x.1)?, x.1);
        let [y0, y1, y2, y3] = rargs(self.ptr(y.0, y.1)?, y.1);
        use KernelArg::*;
        let args = [
            Val(alpha),
            Val(beta),
            U64(r.m as u64),
            U64(r.n as u64),
            x0,
            x1,
            x2,
            x3,
            y0,
            y1,
            y2,
            y3,
        ];
        self.run(&self.kernels.axpby, r.len(), &args)
    }

    fn gemv(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let ra = a.1;
        if ra.m == 0 {
            return Ok(());
        }
        if blas_prologue(self, alpha, beta, ra.n, (&mut *y.0, y.1))? {
            return Ok(());
        }
        let (col, ld) = major(ra)?;
        let am = self.operand(a.0, ra, ld)?;
        let (xm, ym) = (
            self.vector_operand(x.0, x.1)?,
            self.vector_operand(y.0, y.1)?,
        );
        let (m, n) = (int("rows", ra.m)?, int("columns", ra.n)?);
        bump(&self.counts.launches);
        let (trans, [sm, sn]) = gemv_call(col, m, n);
        T::gemv(&*self.blas()?, trans, [sm, sn], alpha, am, xm, beta, ym)
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
        let am = self.operand(a.0, ra, ld)?;
        let (xm, ym) = (
            self.vector_operand(x.0, x.1)?,
            self.vector_operand(y.0, y.1)?,
        );
        let (m, n) = (int("rows", ra.m)?, int("columns", ra.n)?);
        bump(&self.counts.launches);
        let (swap, dims) = ger_call(col, m, n);
        let (u, v) = if swap { (ym, xm) } else { (xm, ym) };
        T::ger(&*self.blas()?, dims, alpha, u, v, am)
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
        let ((acol, ald), (bcol, bld), (ccol, cld)) = (major(ra)?, major(rb)?, major(rc)?);
        let (am, bm) = (self.operand(a.0, ra, ald)?, self.operand(b.0, rb, bld)?);
        let cm = self.operand(c.0, rc, cld)?;
        let (m, n, k) = (int("m", rc.m)?, int("n", rc.n)?, int("k", ra.n)?);
        bump(&self.counts.launches);
        let call = gemm_call(acol, bcol, ccol, [m, n, k]);
        let (p, q) = if call.swap { (bm, am) } else { (am, bm) };
        let (tp, tq) = (call.tp, call.tq);
        T::gemm(&*self.blas()?, tp, tq, call.dims, alpha, p, q, beta, cm)
    }

    fn unary(
        &self,
        op: Unary<T>,
        x: (&Storage<T>, Region),
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let (xp, yp) = (self.ptr(x.0, x.1)?, self.ptr(y.0, y.1)?);
        self.unary_raw(op.kernel_code(), (xp, x.1), (yp, y.1))
    }

    fn unary_inplace(&self, op: Unary<T>, x: (&mut Storage<T>, Region)) -> Result<()> {
        let p = self.ptr(x.0, x.1)?;
        self.unary_raw(op.kernel_code(), (p, x.1), (p, x.1))
    }

    fn binary(
        &self,
        op: Binary,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        z: (&mut Storage<T>, Region),
    ) -> Result<()> {
        let (xp, yp, zp) = (
            self.ptr(x.0, x.1)?,
            self.ptr(y.0, y.1)?,
            self.ptr(z.0, z.1)?,
        );
        self.binary_raw(op, (xp, x.1), (yp, y.1), (zp, z.1))
    }

    fn binary_inplace(
        &self,
        op: Binary,
        x: (&mut Storage<T>, Region),
        y: (&Storage<T>, Region),
    ) -> Result<()> {
        let (xp, yp) = (self.ptr(x.0, x.1)?, self.ptr(y.0, y.1)?);
        self.binary_raw(op, (xp, x.1), (yp, y.1), (xp, x.1))
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
        // one key per call: the kernel's counter is the element's position
        let key = rng.next_u64();
        let (code, a, b) = match dist {
            Distribution::Uniform { lower, upper } => (0, lower, upper),
            Distribution::Normal { mu, sigma } => (1, mu, sigma),
        };
        let [x0, x1, x2, x3] = rargs(self.ptr(x.0, r)?, r);
        use KernelArg::*;
        let args = [
            I32(code),
            Val(a),
            Val(b),
            U64(key),
            U64(r.m as u64),
            U64(r.n as u64),
            x0,
            x1,
            x2,
            x3,
        ];
        self.run(&self.kernels.random, r.len(), &args)?;
        Ok(true)
    }
}
