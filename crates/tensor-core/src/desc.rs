//! Tensor descriptors: shape, data type and layout (Deep Diamond's `desc`).

use std::fmt;

use la_core::{Check, Result, Scalar};

/// The most dimensions a tensor has (5: `ncdhw`).
pub const MAX_RANK: usize = 5;

/// The element type of a tensor (the book's `:float`, `:double`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataType {
    /// `f32`, the book's `:float`.
    Float,
    /// `f64`, the book's `:double`.
    Double,
}

impl DataType {
    /// The data type of `T`.
    ///
    /// ```
    /// use tensor_core::DataType;
    /// assert_eq!(DataType::of::<f32>(), DataType::Float);
    /// ```
    pub fn of<T: Scalar>() -> DataType {
        if T::NAME == "float" {
            DataType::Float
        } else {
            DataType::Double
        }
    }

    /// The book's keyword: `float` or `double`.
    pub fn name(self) -> &'static str {
        match self {
            DataType::Float => "float",
            DataType::Double => "double",
        }
    }
}

/// How a tensor's logical dimensions are laid out in memory (the book's `:nchw`,
/// `:nhwc`, ... keywords; oneDNN's format tags).
///
/// The shape is always given in the *logical* order of the layout's family —
/// `[n c h w]` for `Nchw`, `Nhwc` and `Chwn`, `[n c]` for `Nc` and `Cn`,
/// `[o i h w]` for `Oihw` and `Hwio`, `[n c d h w]` for `Ncdhw` and `Ndhwc` — and the
/// layout says which dimension is outermost in memory. `Strided` marks a descriptor
/// built from explicit strides ([`Desc::with_strides`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TensorLayout {
    /// One dimension (`:x`).
    X,
    /// Samples × channels, samples outermost (`:nc`).
    Nc,
    /// Samples × channels, channels outermost (`:cn`).
    Cn,
    /// `[n c h w]`, `w` innermost (`:nchw`).
    Nchw,
    /// `[n c h w]` stored as `n h w c` (`:nhwc`).
    Nhwc,
    /// `[n c h w]` stored as `c h w n` (`:chwn`).
    Chwn,
    /// Convolution weights `[o i h w]` (`:oihw`).
    Oihw,
    /// Convolution weights `[o i h w]` stored as `h w i o` (`:hwio`).
    Hwio,
    /// `[n c d h w]` (`:ncdhw`).
    Ncdhw,
    /// `[n c d h w]` stored as `n d h w c` (`:ndhwc`).
    Ndhwc,
    /// Explicit strides.
    Strided,
}

impl TensorLayout {
    /// The book's keyword (`nchw`, ...; `strided` for explicit strides).
    pub fn name(self) -> &'static str {
        match self {
            TensorLayout::X => "x",
            TensorLayout::Nc => "nc",
            TensorLayout::Cn => "cn",
            TensorLayout::Nchw => "nchw",
            TensorLayout::Nhwc => "nhwc",
            TensorLayout::Chwn => "chwn",
            TensorLayout::Oihw => "oihw",
            TensorLayout::Hwio => "hwio",
            TensorLayout::Ncdhw => "ncdhw",
            TensorLayout::Ndhwc => "ndhwc",
            TensorLayout::Strided => "strided",
        }
    }

    /// The logical dimensions from outermost to innermost in memory (`None` for `Strided`).
    pub fn order(self) -> Option<&'static [usize]> {
        Some(match self {
            TensorLayout::X => &[0],
            TensorLayout::Nc => &[0, 1],
            TensorLayout::Cn => &[1, 0],
            TensorLayout::Nchw | TensorLayout::Oihw => &[0, 1, 2, 3],
            TensorLayout::Nhwc => &[0, 2, 3, 1],
            TensorLayout::Chwn => &[1, 2, 3, 0],
            TensorLayout::Hwio => &[2, 3, 1, 0],
            TensorLayout::Ncdhw => &[0, 1, 2, 3, 4],
            TensorLayout::Ndhwc => &[0, 2, 3, 4, 1],
            TensorLayout::Strided => return None,
        })
    }

    /// The default layout of a dense tensor of `rank` dimensions: `x`, `nc`, `nchw` (3-D:
    /// `[n c w]` as `nchw` without `h` is not named; rank 3 gives `Strided` row-major),
    /// `ncdhw`.
    pub fn default_for(rank: usize) -> TensorLayout {
        match rank {
            1 => TensorLayout::X,
            2 => TensorLayout::Nc,
            4 => TensorLayout::Nchw,
            5 => TensorLayout::Ncdhw,
            _ => TensorLayout::Strided,
        }
    }
}

/// A tensor descriptor: shape (in logical order), data type, layout and the strides it
/// implies (the book's `(desc [2 3 4 5] :float :nchw)`). Small and `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Desc {
    rank: usize,
    shape: [usize; MAX_RANK],
    strides: [usize; MAX_RANK],
    dtype: DataType,
    layout: TensorLayout,
}

/// A descriptor with a named layout (the book's `desc`).
///
/// ```
/// use tensor_core::{desc, DataType, TensorLayout};
/// let d = desc([2, 3, 4, 5], DataType::Float, TensorLayout::Nhwc)?;
/// assert_eq!(d.shape(), &[2, 3, 4, 5]);
/// assert_eq!(d.strides(), &[60, 1, 15, 3]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn desc(shape: impl AsRef<[usize]>, dtype: DataType, layout: TensorLayout) -> Result<Desc> {
    Desc::new(shape.as_ref(), dtype, layout)
}

impl Desc {
    /// See [`desc`].
    pub fn new(shape: &[usize], dtype: DataType, layout: TensorLayout) -> Result<Desc> {
        let rank = shape.len();
        let order = layout.order();
        Check::new("desc")
            .require((1..=MAX_RANK).contains(&rank), || {
                format!("a shape has 1 to {MAX_RANK} dimensions, but {shape:?} has {rank}")
            })
            .require(order.is_some(), || {
                "the strided layout needs explicit strides (Desc::with_strides)".into()
            })
            .require(order.is_none_or(|o| o.len() == rank), || {
                format!(
                    "layout {} takes {} dimensions but the shape {shape:?} has {rank}",
                    layout.name(),
                    order.map_or(0, <[usize]>::len)
                )
            })
            .require(checked_size(shape).is_some(), || {
                format!("the shape {shape:?} has more elements than usize holds")
            })
            .finish()?;
        let mut d = Desc::empty(dtype, layout, rank);
        d.shape[..rank].copy_from_slice(shape);
        let mut s = 1;
        for &dim in order.unwrap_or(&[]).iter().rev() {
            d.strides[dim] = s;
            s *= shape[dim].max(1);
        }
        Ok(d)
    }

    /// A descriptor with explicit strides (element distances per dimension).
    ///
    /// ```
    /// use tensor_core::{DataType, Desc, TensorLayout};
    /// let d = Desc::with_strides(&[2, 3], DataType::Double, &[1, 2])?;
    /// assert_eq!(d.layout(), TensorLayout::Strided);
    /// assert_eq!(d.span(), 6);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn with_strides(shape: &[usize], dtype: DataType, strides: &[usize]) -> Result<Desc> {
        let rank = shape.len();
        let mut c = Check::new("desc");
        c.require((1..=MAX_RANK).contains(&rank), || {
            format!("a shape has 1 to {MAX_RANK} dimensions, but {shape:?} has {rank}")
        })
        .require(strides.len() == rank, || {
            format!(
                "the shape {shape:?} has {rank} dimensions but {} strides were given",
                strides.len()
            )
        });
        c.finish()?;
        let mut d = Desc::empty(dtype, TensorLayout::Strided, rank);
        d.shape[..rank].copy_from_slice(shape);
        d.strides[..rank].copy_from_slice(strides);
        Check::new("desc")
            .require(d.checked_span().is_some(), || {
                format!("the shape {shape:?} with strides {strides:?} overflows usize")
            })
            .finish()?;
        Ok(d)
    }

    fn empty(dtype: DataType, layout: TensorLayout, rank: usize) -> Desc {
        Desc {
            rank,
            shape: [0; MAX_RANK],
            strides: [0; MAX_RANK],
            dtype,
            layout,
        }
    }

    /// The shape, in logical order.
    pub fn shape(&self) -> &[usize] {
        &self.shape[..self.rank]
    }

    /// The strides (element distances), per logical dimension.
    pub fn strides(&self) -> &[usize] {
        &self.strides[..self.rank]
    }

    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The element type.
    pub fn dtype(&self) -> DataType {
        self.dtype
    }

    /// The layout.
    pub fn layout(&self) -> TensorLayout {
        self.layout
    }

    /// The number of elements (the product of the shape).
    pub fn size(&self) -> usize {
        self.shape().iter().product()
    }

    /// One past the largest element index the descriptor reaches (0 when empty).
    pub fn span(&self) -> usize {
        self.checked_span().unwrap_or(usize::MAX)
    }

    fn checked_span(&self) -> Option<usize> {
        if self.shape().contains(&0) {
            return Some(0);
        }
        let mut last = 0usize;
        for (&n, &s) in self.shape().iter().zip(self.strides()) {
            last = last.checked_add((n - 1).checked_mul(s)?)?;
        }
        last.checked_add(1)
    }

    /// Whether the elements fill `0..size()` exactly (no gaps, no overlap).
    pub fn is_dense(&self) -> bool {
        // (stride, extent) pairs on the stack: views check this every pass
        let mut dims = [(0usize, 0usize); MAX_RANK];
        let k = sorted_dims(self.shape(), self.strides(), &mut dims);
        let mut expect = 1;
        for &(s, n) in &dims[..k] {
            if s != expect {
                return false;
            }
            expect *= n;
        }
        true
    }

    /// The same descriptor with dimension `dim` of extent `len` (strides unchanged).
    pub(crate) fn with_extent(mut self, dim: usize, len: usize) -> Desc {
        self.shape[dim] = len;
        self
    }

    /// The same layout and data type with another shape (dense strides).
    ///
    /// ```
    /// use tensor_core::{desc, DataType, TensorLayout};
    /// let d = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
    /// assert_eq!(d.with_shape(&[32, 1, 28, 28])?.strides(), &[784, 784, 28, 1]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn with_shape(&self, shape: &[usize]) -> Result<Desc> {
        let layout = if self.layout == TensorLayout::Strided {
            TensorLayout::default_for(shape.len())
        } else {
            self.layout
        };
        if layout == TensorLayout::Strided {
            return Desc::with_strides(shape, self.dtype, &row_major(shape));
        }
        Desc::new(shape, self.dtype, layout)
    }

    /// The same shape and data type in another named layout.
    pub fn with_layout(&self, layout: TensorLayout) -> Result<Desc> {
        Desc::new(self.shape(), self.dtype, layout)
    }
}

/// Dense row-major strides of `shape`.
pub(crate) fn row_major(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut acc = 1;
    for i in (0..shape.len()).rev() {
        s[i] = acc;
        acc *= shape[i].max(1);
    }
    s
}

fn checked_size(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n))
}

impl fmt::Debug for Desc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Desc {
    /// `{:shape [2 3 4 5], :data-type :float, :layout :nchw, :strides [60 20 5 1]}`, as
    /// the book's REPL prints a descriptor.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(" ");
        write!(
            f,
            "{{:shape [{}], :data-type :{}, :layout :{}, :strides [{}]}}",
            list(self.shape()),
            self.dtype.name(),
            self.layout.name(),
            list(self.strides())
        )
    }
}

/// Writes the `(stride, extent)` pairs of the dimensions of extent other than 1 into
/// `out`, sorted by stride, and returns how many there are (no allocation).
pub(crate) fn sorted_dims(
    shape: &[usize],
    strides: &[usize],
    out: &mut [(usize, usize); MAX_RANK],
) -> usize {
    let mut k = 0;
    for (n, s) in shape.iter().zip(strides) {
        if *n != 1 && k < MAX_RANK {
            out[k] = (*s, *n);
            k += 1;
        }
    }
    out[..k].sort_unstable();
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_layouts_give_the_books_strides() {
        let s = |l| {
            desc([2, 3, 4, 5], DataType::Float, l)
                .unwrap()
                .strides()
                .to_vec()
        };
        assert_eq!(s(TensorLayout::Nchw), vec![60, 20, 5, 1]);
        assert_eq!(s(TensorLayout::Nhwc), vec![60, 1, 15, 3]);
        assert_eq!(s(TensorLayout::Chwn), vec![1, 40, 10, 2]);
        assert_eq!(s(TensorLayout::Hwio), vec![1, 2, 30, 6]);
        let cn = desc([2, 3], DataType::Float, TensorLayout::Cn).unwrap();
        assert_eq!(cn.strides(), &[1, 2]);
        let nd = desc([1, 2, 3, 4, 5], DataType::Double, TensorLayout::Ndhwc).unwrap();
        assert_eq!(nd.strides(), &[120, 1, 40, 10, 2]);
        assert!(nd.is_dense());
    }

    #[test]
    fn bad_descriptors_are_errors() {
        let e = desc([2, 3], DataType::Float, TensorLayout::Nchw)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("layout nchw takes 4 dimensions but the shape [2, 3] has 2"),
            "{e}"
        );
        let e = desc([1, 2, 3, 4, 5, 6], DataType::Float, TensorLayout::Strided).unwrap_err();
        assert!(e.to_string().contains("1 to 5 dimensions"), "{e}");
        let e = desc([usize::MAX, 3], DataType::Float, TensorLayout::Nc).unwrap_err();
        assert!(e.to_string().contains("more elements than usize"), "{e}");
        let e = Desc::with_strides(&[2, 3], DataType::Float, &[1]).unwrap_err();
        assert!(e.to_string().contains("2 dimensions but 1 strides"), "{e}");
        let e = Desc::with_strides(&[usize::MAX, 3], DataType::Float, &[2, 1]).unwrap_err();
        assert!(e.to_string().contains("overflows"), "{e}");
    }

    #[test]
    fn display_reads_like_the_book() {
        let d = desc([2, 3], DataType::Float, TensorLayout::Nc).unwrap();
        assert_eq!(
            d.to_string(),
            "{:shape [2 3], :data-type :float, :layout :nc, :strides [3 1]}"
        );
    }
}
