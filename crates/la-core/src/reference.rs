//! A slow, obviously-correct `f64` reference: plain loops over column-major host data.
//!
//! Tests compare every backend and element type with it under the rule
//! `|actual - expected| <= bound`, where [`dot_bound`] is the classic forward error
//! bound of a floating-point sum `γₖ Σ|aᵢ bᵢ|` with `γₖ = k u / (1 - k u)`
//! for the tested type's unit roundoff `u`.

use crate::engine::{Binary, Unary};
use crate::Scalar;

/// A column-major `m x n` matrix of `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefMatrix {
    /// Rows.
    pub m: usize,
    /// Columns.
    pub n: usize,
    /// Elements, column by column.
    pub data: Vec<f64>,
}

impl RefMatrix {
    /// A matrix from a function of `(i, j)`.
    pub fn from_fn(m: usize, n: usize, f: impl Fn(usize, usize) -> f64) -> Self {
        let mut data = Vec::with_capacity(m * n);
        for j in 0..n {
            for i in 0..m {
                data.push(f(i, j));
            }
        }
        RefMatrix { m, n, data }
    }

    /// Element `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i + j * self.m]
    }

    /// The transpose.
    pub fn t(&self) -> RefMatrix {
        RefMatrix::from_fn(self.n, self.m, |i, j| self.get(j, i))
    }
}

/// The error bound for a computed sum of `k` products whose absolute values sum to
/// `abs_sum`, in element type `T` (`γₖ Σ|aᵢbᵢ|` plus one rounding of the result).
pub fn dot_bound<T: Scalar>(k: usize, abs_sum: f64) -> f64 {
    let u = T::EPSILON.as_f64() / 2.0;
    let ku = (k as f64 + 2.0) * u;
    (ku / (1.0 - ku)) * abs_sum + f64::MIN_POSITIVE
}

/// `(Σ xᵢyᵢ, Σ |xᵢyᵢ|)`.
pub fn dot(x: &[f64], y: &[f64]) -> (f64, f64) {
    x.iter()
        .zip(y)
        .fold((0.0, 0.0), |(s, a), (p, q)| (s + p * q, a + (p * q).abs()))
}

/// `alpha a b + beta c` and the element-wise bound `|alpha| Σ|a||b| + |beta c|`.
pub fn gemm(
    alpha: f64,
    a: &RefMatrix,
    b: &RefMatrix,
    beta: f64,
    c: &RefMatrix,
) -> (RefMatrix, RefMatrix) {
    let row = |i: usize| (0..a.n).map(|k| a.get(i, k)).collect::<Vec<_>>();
    let col = |j: usize| (0..b.m).map(|k| b.get(k, j)).collect::<Vec<_>>();
    let rows: Vec<Vec<f64>> = (0..a.m).map(row).collect();
    let cols: Vec<Vec<f64>> = (0..b.n).map(col).collect();
    let val = RefMatrix::from_fn(a.m, b.n, |i, j| {
        let cij = if beta == 0.0 { 0.0 } else { beta * c.get(i, j) };
        alpha * dot(&rows[i], &cols[j]).0 + cij
    });
    let bound = RefMatrix::from_fn(a.m, b.n, |i, j| {
        let cij = if beta == 0.0 {
            0.0
        } else {
            (beta * c.get(i, j)).abs()
        };
        alpha.abs() * dot(&rows[i], &cols[j]).1 + cij
    });
    (val, bound)
}

/// `alpha a x + beta y` and the element-wise bound, as in [`gemm`](fn@gemm).
pub fn gemv(alpha: f64, a: &RefMatrix, x: &[f64], beta: f64, y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let xm = RefMatrix {
        m: x.len(),
        n: 1,
        data: x.to_vec(),
    };
    let ym = RefMatrix {
        m: y.len(),
        n: 1,
        data: y.to_vec(),
    };
    let (v, b) = gemm(alpha, a, &xm, beta, &ym);
    (v.data, b.data)
}

/// `alpha x yᵀ + a`.
pub fn ger(alpha: f64, x: &[f64], y: &[f64], a: &RefMatrix) -> RefMatrix {
    RefMatrix::from_fn(a.m, a.n, |i, j| alpha * x[i] * y[j] + a.get(i, j))
}

/// A unary operation on one `f64`.
pub fn unary(op: Unary<f64>, v: f64) -> f64 {
    match op {
        Unary::Sqr => v * v,
        Unary::Inv => 1.0 / v,
        Unary::Abs => v.abs(),
        Unary::Sqrt => v.sqrt(),
        Unary::Exp => v.exp(),
        Unary::Log => v.ln(),
        Unary::Tanh => v.tanh(),
        Unary::Sigmoid => 1.0 / (1.0 + (-v).exp()),
        Unary::Relu => v.max(0.0),
        Unary::Elu(a) => {
            if v > 0.0 {
                v
            } else {
                a * v.exp_m1()
            }
        }
        Unary::LinearFrac { a, b, c, d } => (a * v + b) / (c * v + d),
        Unary::Pow(p) => v.powf(p),
        Unary::Round => v.round(),
        Unary::Step => {
            if v > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Unary::Scale(a) => a * v,
        Unary::Fill(a) => a,
    }
}

/// A binary operation on two `f64`s.
pub fn binary(op: Binary, x: f64, y: f64) -> f64 {
    match op {
        Binary::Mul => x * y,
        Binary::Div => x / y,
        Binary::Fmax => x.max(y),
        Binary::Fmin => x.min(y),
        Binary::Add => x + y,
        Binary::Sub => x - y,
    }
}

/// Converts a `Unary<T>` to its `f64` counterpart (for comparing with the reference).
pub fn unary_f64<T: Scalar>(op: Unary<T>) -> Unary<f64> {
    let c = |v: T| v.as_f64();
    match op {
        Unary::Sqr => Unary::Sqr,
        Unary::Inv => Unary::Inv,
        Unary::Abs => Unary::Abs,
        Unary::Sqrt => Unary::Sqrt,
        Unary::Exp => Unary::Exp,
        Unary::Log => Unary::Log,
        Unary::Tanh => Unary::Tanh,
        Unary::Sigmoid => Unary::Sigmoid,
        Unary::Relu => Unary::Relu,
        Unary::Elu(a) => Unary::Elu(c(a)),
        Unary::LinearFrac { a, b, c: cc, d } => Unary::LinearFrac {
            a: c(a),
            b: c(b),
            c: c(cc),
            d: c(d),
        },
        Unary::Pow(p) => Unary::Pow(c(p)),
        Unary::Round => Unary::Round,
        Unary::Step => Unary::Step,
        Unary::Scale(a) => Unary::Scale(c(a)),
        Unary::Fill(a) => Unary::Fill(c(a)),
    }
}
