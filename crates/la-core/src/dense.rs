//! What vectors, matrices and their views have in common.

use std::fmt;

use crate::engine::{Region, Storage};
use crate::{Factory, Result, Scalar};

/// The shape of a dense object: a vector's dimension or a matrix's rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A vector of this dimension.
    Vector(usize),
    /// A matrix of `m` rows and `n` columns.
    Matrix(usize, usize),
}

impl Shape {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match *self {
            Shape::Vector(n) => n,
            Shape::Matrix(m, n) => m * n,
        }
    }

    /// Whether the shape holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Vector(n) => write!(f, "a vector of dim {n}"),
            Shape::Matrix(m, n) => write!(f, "{m}x{n}"),
        }
    }
}

/// A vector, a matrix, or a view of either: anything element-wise operations accept.
///
/// Implemented by [`Vector`](crate::Vector), [`Matrix`](crate::Matrix) and their views;
/// not meant to be implemented outside this crate.
pub trait Dense<T: Scalar> {
    /// The owned type the allocating operations return (a `Vector` or a `Matrix`).
    type Owned: DenseMut<T>;

    /// The factory that created the data.
    fn factory(&self) -> &Factory<T>;
    /// The backend buffer (an implementation detail for engines).
    #[doc(hidden)]
    fn storage(&self) -> &Storage<T>;
    /// Where the elements lie in the buffer.
    fn region(&self) -> Region;
    /// The shape.
    fn shape(&self) -> Shape;
    /// A zero-filled owned object of the same shape (and layout) on the same factory.
    fn zeros_like(&self) -> Result<Self::Owned>;
}

/// A [`Dense`] object whose elements can be written.
pub trait DenseMut<T: Scalar>: Dense<T> {
    /// The backend buffer, mutably (an implementation detail for engines).
    #[doc(hidden)]
    fn storage_mut(&mut self) -> &mut Storage<T>;
}

/// Describes an argument for error messages: `x is a vector of dim 3`.
pub(crate) fn describe(name: &str, s: Shape) -> String {
    format!("{name} is {s}")
}
