//! The backend interface: what a factory's engine implements.
//!
//! User code never touches this module; backend crates (`la-opencl`, `la-mkl`,
//! `la-cuda`) implement [`Engine`] and wrap it in a [`Factory`](crate::Factory).
//! The public layer validates shapes, layouts and factories before calling an
//! engine, so engines receive consistent [`Region`]s that lie inside their storage.

use std::any::Any;
use std::fmt::Debug;

use crate::{Error, Result, Scalar};

/// Where a vector's or a matrix's elements lie in a buffer.
///
/// Element `(i, j)` is at `offset + i * rs + j * cs`. A vector of dimension `n`
/// with stride `s` is the region `n x 1` with `rs = s`. Regions built by the
/// public API always have `rs == 1` (column-major) or `cs == 1` (row-major) when
/// they are matrices, which is what BLAS libraries require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Index of element `(0, 0)`.
    pub offset: usize,
    /// Number of rows.
    pub m: usize,
    /// Number of columns.
    pub n: usize,
    /// Distance between consecutive rows.
    pub rs: usize,
    /// Distance between consecutive columns.
    pub cs: usize,
}

impl Region {
    /// A vector of `dim` elements, `stride` apart.
    pub fn vector(offset: usize, dim: usize, stride: usize) -> Self {
        Region {
            offset,
            m: dim,
            n: 1,
            rs: stride,
            cs: stride * dim.max(1),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.m * self.n
    }

    /// Whether the region holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index just past the last element (0 for an empty region).
    pub fn end(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            self.offset + (self.m - 1) * self.rs + (self.n - 1) * self.cs + 1
        }
    }

    /// [`end`](Region::end), or `None` when it overflows `usize` (a region built by
    /// hand): device engines compare it with their buffer's length before an address
    /// reaches a kernel.
    ///
    /// ```
    /// use la_core::engine::Region;
    /// assert_eq!(Region::vector(2, 3, 2).checked_end(), Some(7));
    /// let huge = Region { offset: usize::MAX, m: 2, n: 1, rs: 1, cs: 2 };
    /// assert_eq!(huge.checked_end(), None);
    /// ```
    pub fn checked_end(&self) -> Option<usize> {
        if self.is_empty() {
            return Some(0);
        }
        let rows = (self.m - 1).checked_mul(self.rs)?;
        let cols = (self.n - 1).checked_mul(self.cs)?;
        self.offset
            .checked_add(rows)?
            .checked_add(cols)?
            .checked_add(1)
    }

    /// Column `j` of the region, an `m x 1` region.
    ///
    /// ```
    /// use la_core::engine::Region;
    /// let r = Region { offset: 1, m: 3, n: 4, rs: 1, cs: 5 };
    /// assert_eq!(r.column(2), Region { offset: 11, m: 3, n: 1, rs: 1, cs: 5 });
    /// ```
    pub fn column(&self, j: usize) -> Region {
        Region {
            offset: self.offset + j * self.cs,
            n: 1,
            ..*self
        }
    }

    /// The index of element `(i, j)`.
    #[inline]
    pub fn index(&self, i: usize, j: usize) -> usize {
        self.offset + i * self.rs + j * self.cs
    }

    /// Whether the elements fill `offset..offset + len()` in column-major order.
    pub fn is_flat_col(&self) -> bool {
        (self.rs == 1 || self.m <= 1) && (self.n <= 1 || self.cs == self.m)
    }

    /// Whether the elements fill `offset..offset + len()` in row-major order.
    pub fn is_flat_row(&self) -> bool {
        (self.cs == 1 || self.n <= 1) && (self.m <= 1 || self.rs == self.n)
    }

    /// How a BLAS library sees this matrix region: `Some((column_major, ld))` when one
    /// of the strides is 1 and the other a valid leading dimension (always the case for
    /// regions built by the public API), `None` otherwise.
    ///
    /// ```
    /// use la_core::engine::Region;
    /// let r = Region { offset: 0, m: 3, n: 2, rs: 1, cs: 5 };
    /// assert_eq!(r.blas_layout(), Some((true, 5)));
    /// assert_eq!(r.t().blas_layout(), Some((false, 5)));
    /// ```
    pub fn blas_layout(&self) -> Option<(bool, usize)> {
        if self.rs == 1 && (self.n <= 1 || self.cs >= self.m) {
            Some((true, self.cs.max(self.m).max(1)))
        } else if self.cs == 1 && (self.m <= 1 || self.rs >= self.n) {
            Some((false, self.rs.max(self.n).max(1)))
        } else {
            None
        }
    }

    /// The transposed region (a view, no data moves).
    pub fn t(&self) -> Self {
        Region {
            offset: self.offset,
            m: self.n,
            n: self.m,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

/// A backend's memory: host memory for CPU engines, an opaque device buffer otherwise.
#[derive(Debug)]
pub enum Storage<T> {
    /// Host memory (native, MKL and OpenBLAS engines).
    Host(Vec<T>),
    /// Device memory owned by a backend crate; engines downcast it to their buffer type.
    Device(Box<dyn DeviceBuffer>),
}

impl<T> Storage<T> {
    /// The host slice, if this is host memory.
    pub fn host(&self) -> Option<&[T]> {
        match self {
            Storage::Host(v) => Some(v),
            Storage::Device(_) => None,
        }
    }

    /// The mutable host slice, if this is host memory.
    pub fn host_mut(&mut self) -> Option<&mut [T]> {
        match self {
            Storage::Host(v) => Some(v),
            Storage::Device(_) => None,
        }
    }

    /// Number of elements the storage holds.
    pub fn len(&self) -> usize {
        match self {
            Storage::Host(v) => v.len(),
            Storage::Device(d) => d.len(),
        }
    }

    /// Whether the storage holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A device buffer owned by a backend crate. Freed by `Drop` (RAII).
pub trait DeviceBuffer: Any + Send + Sync + Debug {
    /// Number of elements.
    fn len(&self) -> usize;
    /// Whether the buffer is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// For downcasting to the backend's concrete buffer type.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting to the backend's concrete buffer type.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// An element-wise function of one argument (the book's vect-math namespace).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unary<T> {
    /// `x²`
    Sqr,
    /// `1 / x`
    Inv,
    /// `|x|`
    Abs,
    /// `√x`
    Sqrt,
    /// `eˣ`
    Exp,
    /// `ln x`
    Log,
    /// `tanh x`
    Tanh,
    /// `1 / (1 + e⁻ˣ)`
    Sigmoid,
    /// `max(0, x)`
    Relu,
    /// `x` for `x > 0`, `alpha (eˣ - 1)` otherwise.
    Elu(T),
    /// `(scale·x + shift) / (scale2·x + shift2)`.
    LinearFrac {
        /// Numerator scale `a`.
        a: T,
        /// Numerator shift `b`.
        b: T,
        /// Denominator scale `c`.
        c: T,
        /// Denominator shift `d`.
        d: T,
    },
    /// `xᵖ`
    Pow(T),
    /// Rounds half away from zero.
    Round,
    /// Heaviside step: `1` for `x > 0`, `0` otherwise.
    Step,
    /// Multiplies by a scalar (BLAS `scal`).
    Scale(T),
    /// Sets every element to a value.
    Fill(T),
}

/// The device kernels' code for a plain copy (beside [`Unary::kernel_code`]'s).
pub const KERNEL_COPY: i32 = 16;

impl<T: Scalar> Unary<T> {
    /// The operation's code in the device kernels' `switch` (la-opencl's `kernels.cl`,
    /// la-cuda's `kernels.cu`: 0 `sqr` … 15 `fill`, [`KERNEL_COPY`] a copy) and its up
    /// to four scalar parameters.
    ///
    /// ```
    /// use la_core::engine::Unary;
    /// assert_eq!(Unary::Elu(0.5f32).kernel_code(), (9, [0.5, 0.0, 0.0, 0.0]));
    /// ```
    pub fn kernel_code(&self) -> (i32, [T; 4]) {
        let z = T::zero();
        match *self {
            Unary::Sqr => (0, [z; 4]),
            Unary::Inv => (1, [z; 4]),
            Unary::Abs => (2, [z; 4]),
            Unary::Sqrt => (3, [z; 4]),
            Unary::Exp => (4, [z; 4]),
            Unary::Log => (5, [z; 4]),
            Unary::Tanh => (6, [z; 4]),
            Unary::Sigmoid => (7, [z; 4]),
            Unary::Relu => (8, [z; 4]),
            Unary::Elu(a) => (9, [a, z, z, z]),
            Unary::LinearFrac { a, b, c, d } => (10, [a, b, c, d]),
            Unary::Pow(a) => (11, [a, z, z, z]),
            Unary::Round => (12, [z; 4]),
            Unary::Step => (13, [z; 4]),
            Unary::Scale(a) => (14, [a, z, z, z]),
            Unary::Fill(a) => (15, [a, z, z, z]),
        }
    }
}

impl<T> Unary<T> {
    /// The operation's name in the book's vocabulary.
    pub fn name(&self) -> &'static str {
        match self {
            Unary::Sqr => "sqr",
            Unary::Inv => "inv",
            Unary::Abs => "abs",
            Unary::Sqrt => "sqrt",
            Unary::Exp => "exp",
            Unary::Log => "log",
            Unary::Tanh => "tanh",
            Unary::Sigmoid => "sigmoid",
            Unary::Relu => "relu",
            Unary::Elu(_) => "elu",
            Unary::LinearFrac { .. } => "linear_frac",
            Unary::Pow(_) => "pow",
            Unary::Round => "round",
            Unary::Step => "step",
            Unary::Scale(_) => "scal",
            Unary::Fill(_) => "fill",
        }
    }
}

/// An element-wise function of two arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// `x · y`
    Mul,
    /// `x / y`
    Div,
    /// `max(x, y)`
    Fmax,
    /// `min(x, y)`
    Fmin,
    /// `x + y`
    Add,
    /// `x - y`
    Sub,
}

impl Binary {
    /// The operation's code in the device kernels' `switch` (0 `mul` … 5 `sub`).
    pub fn kernel_code(self) -> i32 {
        match self {
            Binary::Mul => 0,
            Binary::Div => 1,
            Binary::Fmax => 2,
            Binary::Fmin => 3,
            Binary::Add => 4,
            Binary::Sub => 5,
        }
    }

    /// The operation's name in the book's vocabulary.
    pub fn name(&self) -> &'static str {
        match self {
            Binary::Mul => "mul",
            Binary::Div => "div",
            Binary::Fmax => "fmax",
            Binary::Fmin => "fmin",
            Binary::Add => "add",
            Binary::Sub => "sub",
        }
    }
}

/// A reduction over all elements of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// `Σ x`
    Sum,
    /// `Σ |x|` (BLAS `asum`)
    Asum,
    /// `√Σ x²` (BLAS `nrm2`)
    Nrm2,
    /// `max |x|` (the book's `amax`)
    Amax,
}

/// A distribution for [`Engine::random`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution<T> {
    /// Uniform on `[lower, upper)`.
    Uniform {
        /// The lower bound (inclusive).
        lower: T,
        /// The upper bound (exclusive).
        upper: T,
    },
    /// Normal, `N(mu, sigma²)`.
    Normal {
        /// The mean.
        mu: T,
        /// The standard deviation.
        sigma: T,
    },
}

impl Reduction {
    /// The operation's code in the device kernels' reduction (0 sum, 1 asum, 2 sum of
    /// squares, 3 amax; [`KERNEL_DOT`] the dot product).
    pub fn kernel_code(self) -> i32 {
        match self {
            Reduction::Sum => 0,
            Reduction::Asum => 1,
            Reduction::Nrm2 => 2,
            Reduction::Amax => 3,
        }
    }
}

/// The device kernels' reduction code for a dot product.
pub const KERNEL_DOT: i32 = 4;

/// Finishes a device reduction on the host from its per-group partial results:
/// the largest (NaN wins) for amax (code 3), the sum otherwise; the square root of
/// the sum of squares for `nrm2` is the caller's.
pub fn finish_reduction<T: Scalar>(code: i32, partials: &[T]) -> T {
    let p = partials.iter().copied();
    if code == Reduction::Amax.kernel_code() {
        p.fold(T::zero(), |a, b| {
            if a.is_nan() || b.is_nan() {
                T::nan()
            } else {
                a.max(b)
            }
        })
    } else {
        p.fold(T::zero(), |a, b| a + b)
    }
}

/// The column-major position of the first element with the largest `|x|` (the first
/// NaN counts as the largest, as on every backend): `iamax` for engines that read the
/// values back to the host.
///
/// ```
/// assert_eq!(la_core::engine::iamax_host(&[1.0, -3.0, 3.0]), 1);
/// assert_eq!(la_core::engine::iamax_host(&[1.0, f64::NAN, 9.0]), 1);
/// ```
pub fn iamax_host<T: Scalar>(values: &[T]) -> usize {
    let mut best = (T::neg_infinity(), 0);
    for (i, v) in values.iter().enumerate() {
        if v.abs() > best.0 || (v.is_nan() && !best.0.is_nan()) {
            best = (v.abs(), i);
        }
    }
    best.1
}

/// Copies the elements of `r`, in column-major order, into `out` from `span`, the
/// buffer's elements `r.offset..r.end()` (what a device engine reads back in one
/// transfer for a strided region).
///
/// ```
/// use la_core::engine::{gather_span, Region};
/// let r = Region { offset: 1, m: 2, n: 2, rs: 1, cs: 3 }; // elements 1, 2, 4, 5
/// let mut out = [0.0; 4];
/// gather_span(&[1.0, 2.0, 3.0, 4.0, 5.0], r, &mut out);
/// assert_eq!(out, [1.0, 2.0, 4.0, 5.0]);
/// ```
pub fn gather_span<T: Copy>(span: &[T], r: Region, out: &mut [T]) {
    let mut k = 0;
    for j in 0..r.n {
        for i in 0..r.m {
            out[k] = span[r.index(i, j) - r.offset];
            k += 1;
        }
    }
}

/// The capabilities a backend implements.
///
/// Few and coarse by design (DESIGN.md, principle 2): memory, BLAS 1–3 and
/// element-wise math; no network code (that is tensor-core's DNN capability). Every method receives arguments the public layer has
/// already validated. A backend that cannot do something returns
/// [`Error::Unsupported`] (see [`unsupported`]).
pub trait Engine<T: Scalar>: Send + Sync + Debug {
    /// The factory's name as the book prints it: `native-float`, `opencl-double`, ...
    fn name(&self) -> String;

    /// Whether this engine's [`Storage`] is host memory ([`Storage::Host`]): native,
    /// MKL and OpenBLAS engines say `true`, device engines keep the default `false`.
    /// Crates above la-core pick their host kernels from it (tensor-core's DNN).
    fn is_host(&self) -> bool {
        false
    }

    /// The engine as `Any`, so that a crate above la-core can reach a backend's own
    /// type (its context and queue) to run its kernels on the backend's buffers.
    /// Engines that offer it override the default `None`.
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }

    // ---- memory ----
    /// Allocates `len` zeroed elements.
    fn alloc(&self, len: usize) -> Result<Storage<T>>;
    /// Copies the region's elements to `out` in column-major order (`out.len() == r.len()`).
    fn read(&self, s: &Storage<T>, r: Region, out: &mut [T]) -> Result<()>;
    /// Copies `data` (column-major order) into the region.
    fn write(&self, s: &mut Storage<T>, r: Region, data: &[T]) -> Result<()>;
    /// `y := x` element-wise (same shape).
    fn copy(&self, x: (&Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()>;
    /// Exchanges the elements of two regions of two buffers (same shape).
    fn swap(&self, x: (&mut Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()>;

    // ---- BLAS 1 ----
    /// `Σ xᵢ yᵢ` over two regions of the same shape.
    fn dot(&self, x: (&Storage<T>, Region), y: (&Storage<T>, Region)) -> Result<T>;
    /// A reduction over one region.
    fn reduce(&self, op: Reduction, x: (&Storage<T>, Region)) -> Result<T>;
    /// Column-major position of the first element with the largest `|x|`.
    fn iamax(&self, x: (&Storage<T>, Region)) -> Result<usize>;
    /// `y := alpha x + beta y` (BLAS `axpby`; `beta = 1` is `axpy`).
    fn axpby(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()>;

    // ---- BLAS 2 and 3 ----
    /// `y := alpha a x + beta y` (`a` is `m x n`, `x` has `n`, `y` has `m` elements).
    fn gemv(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()>;
    /// `a := alpha x yᵀ + a` (BLAS `ger`, the book's `rk`).
    fn ger(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        a: (&mut Storage<T>, Region),
    ) -> Result<()>;
    /// `c := alpha a b + beta c` (`a` is `m x k`, `b` is `k x n`).
    fn gemm(
        &self,
        alpha: T,
        a: (&Storage<T>, Region),
        b: (&Storage<T>, Region),
        beta: T,
        c: (&mut Storage<T>, Region),
    ) -> Result<()>;

    // ---- vector math ----
    /// `y := f(x)` element-wise.
    fn unary(
        &self,
        op: Unary<T>,
        x: (&Storage<T>, Region),
        y: (&mut Storage<T>, Region),
    ) -> Result<()>;
    /// `x := f(x)` element-wise.
    fn unary_inplace(&self, op: Unary<T>, x: (&mut Storage<T>, Region)) -> Result<()>;
    /// `z := f(x, y)` element-wise.
    fn binary(
        &self,
        op: Binary,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        z: (&mut Storage<T>, Region),
    ) -> Result<()>;
    /// `x := f(x, y)` element-wise.
    fn binary_inplace(
        &self,
        op: Binary,
        x: (&mut Storage<T>, Region),
        y: (&Storage<T>, Region),
    ) -> Result<()>;

    /// `y(:, k) := x(:, cols[k])` for every `k` (gathering shuffled samples into a
    /// mini-batch; [`gather_cols_into`](crate::blas::gather_cols_into)). The caller has
    /// checked that `x` and `y` have as many rows, `y` has `cols.len()` columns and
    /// every index is below `x`'s column count. The default copies one column at a
    /// time; device engines override it with one launch.
    fn gather_columns(
        &self,
        x: (&Storage<T>, Region),
        cols: &[usize],
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        for (k, &j) in cols.iter().enumerate() {
            self.copy((x.0, x.1.column(j)), (&mut *y.0, y.1.column(k)))?;
        }
        Ok(())
    }

    // ---- random numbers ----
    /// Fills the region with samples of `dist` from the engine's own generator, keyed
    /// by numbers it draws from `rng` (the same draws give the same samples), with no
    /// host round trip; used by [`rand_uniform_fast`](crate::random::rand_uniform_fast)
    /// and [`rand_normal_fast`](crate::random::rand_normal_fast). `Ok(false)` (the
    /// default, `rng` untouched) when the engine has no generator: the caller then
    /// draws on the host.
    fn random(
        &self,
        _dist: Distribution<T>,
        _rng: &mut dyn rand::RngCore,
        _x: (&mut Storage<T>, Region),
    ) -> Result<bool> {
        Ok(false)
    }
}

/// The destination work shared by engines that call a BLAS library for `gemv`/`gemm`.
///
/// With nothing to multiply (`k == 0` or `alpha == 0`) it does `c := beta c` itself
/// and returns `true` (done). With `beta == 0` it zero-fills `c` first: BLAS promises
/// not to read `c` then, but libraries may compute `0 · NaN`. Returns `false` when
/// the library call should follow.
pub fn blas_prologue<T: Scalar, E: Engine<T> + ?Sized>(
    engine: &E,
    alpha: T,
    beta: T,
    k: usize,
    c: (&mut Storage<T>, Region),
) -> Result<bool> {
    if k == 0 || alpha == T::zero() {
        let op = if beta == T::zero() {
            Unary::Fill(T::zero())
        } else {
            Unary::Scale(beta)
        };
        engine.unary_inplace(op, c)?;
        return Ok(true);
    }
    if beta == T::zero() {
        engine.unary_inplace(Unary::Fill(T::zero()), c)?;
    }
    Ok(false)
}

/// The error an engine returns for an operation it does not implement.
pub fn unsupported<T: Scalar>(engine: &dyn Engine<T>, op: &'static str) -> Error {
    Error::Unsupported {
        backend: engine.name(),
        op,
    }
}
