//! A fully connected layer's forward pass and parameter gradients on a
//! [`DnnFactory`]: checked here, run by the backend ([`Dnn::fully_connected`],
//! [`Dnn::fully_connected_backward_weights`]; a GEMM plus a fused pass by default, one
//! launch on tensor-opencl for small layers).

use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::Check;

use super::{Dnn, DnnFactory};

impl<T: Scalar> DnnFactory<T> {
    /// `y := f(w x + b)`, the book's `fully-connected` forward pass: `w` is
    /// `outputs x inputs`, `x` `inputs x batch` (one sample per column), `b` one entry
    /// per output, `y` `outputs x batch`; `op = None` leaves out the activation (softmax
    /// is [`softmax`](Self::softmax), after this).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use la_core::engine::Unary;
    /// use tensor_core::DnnFactory;
    /// let dnn = DnnFactory::new(&native_double());
    /// let w = dge(1, 2, &[1.0, -1.0], Layout::ColumnMajor)?;
    /// let x = dge(2, 2, &[3.0, 1.0, 1.0, 3.0], Layout::ColumnMajor)?;
    /// let mut y = dge(1, 2, &[0.0, 0.0], Layout::ColumnMajor)?;
    /// dnn.fully_connected(Some(Unary::Relu), &w, &x, &dv(&[0.5]), &mut y)?;
    /// assert_eq!(y.to_vec()?, vec![2.5, 0.0]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn fully_connected(
        &self,
        op: Option<Unary<T>>,
        w: &impl AsMatrix<T>,
        x: &impl AsMatrix<T>,
        b: &impl AsVector<T>,
        y: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        const OP: &str = "fully_connected";
        self.require_same(OP, [w.factory(), x.factory(), b.factory(), y.factory()])?;
        let (m, k) = (w.mrows(), w.ncols());
        Check::new(OP)
            .require(x.mrows() == k, || {
                format!("w is {m}x{k} but x has {} rows", x.mrows())
            })
            .require(b.dim() == m, || {
                format!("w has {m} rows but the bias has {} entries", b.dim())
            })
            .require(y.mrows() == m && y.ncols() == x.ncols(), || {
                format!(
                    "y is {}x{} but w x is {m}x{}",
                    y.mrows(),
                    y.ncols(),
                    x.ncols()
                )
            })
            .finish()?;
        let dnn: &dyn Dnn<T> = &*self.dnn;
        dnn.fully_connected(
            &mut self.ws(),
            op,
            (&w.view(), &x.view(), &b.view()),
            &mut y.view_mut(),
        )
    }

    /// The parameter gradients of a fully connected layer from its error `d`
    /// (`outputs x batch`) and input `x` (`inputs x batch`): `dw := alpha d xᵀ`
    /// (`outputs x inputs`) and `db := alpha d 1` (the error summed over the batch).
    /// With `alpha = 1/batch` these are the gradients of the mean cost.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::DnnFactory;
    /// let dnn = DnnFactory::new(&native_double());
    /// let d = dge(1, 2, &[1.0, 2.0], Layout::ColumnMajor)?;
    /// let x = dge(2, 2, &[1.0, 0.0, 0.0, 1.0], Layout::ColumnMajor)?;
    /// let (mut dw, mut db) = (dge(1, 2, &[0.0, 0.0], Layout::ColumnMajor)?, dv(&[0.0]));
    /// dnn.fully_connected_backward_weights(0.5, &d, &x, &mut dw, &mut db)?;
    /// assert_eq!((dw.to_vec()?, db.to_vec()?), (vec![0.5, 1.0], vec![1.5]));
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn fully_connected_backward_weights(
        &self,
        alpha: T,
        d: &impl AsMatrix<T>,
        x: &impl AsMatrix<T>,
        dw: &mut impl AsMatrixMut<T>,
        db: &mut impl AsVectorMut<T>,
    ) -> Result<()> {
        const OP: &str = "fully_connected_backward_weights";
        self.require_same(OP, [d.factory(), x.factory(), dw.factory(), db.factory()])?;
        let (m, n, k) = (d.mrows(), d.ncols(), x.mrows());
        Check::new(OP)
            .require(x.ncols() == n, || {
                format!("d has {n} columns but x has {}", x.ncols())
            })
            .require(dw.mrows() == m && dw.ncols() == k, || {
                format!("dw is {}x{} but d xᵀ is {m}x{k}", dw.mrows(), dw.ncols())
            })
            .require(db.dim() == m, || {
                format!("d has {m} rows but db has {} entries", db.dim())
            })
            .finish()?;
        let dnn: &dyn Dnn<T> = &*self.dnn;
        dnn.fully_connected_backward_weights(
            &mut self.ws(),
            alpha,
            (&d.view(), &x.view()),
            &mut dw.view_mut(),
            &mut db.view_mut(),
        )
    }
}
