//! [`DnnFactory`]'s convolution and pooling calls (Deep Diamond's `convo` and
//! `pooling` primitives): they check the tensors against the [`Convolution`] /
//! [`Pooling`] geometry and hand contiguous buffers to the [`Dnn`](super::Dnn)
//! implementation.

use la_core::prelude::*;
use la_core::Check;

use super::{Convolution, DnnFactory, Pooling};
use crate::desc::Desc;
use crate::tensor::{AsTensor, AsTensorMut};

/// Requires `t` to be laid out exactly as `want` (same shape, dense, same strides).
fn require_desc(c: &mut Check, name: &str, got: &Desc, want: &Desc) {
    c.require(
        got.shape() == want.shape() && got.strides() == want.strides(),
        || format!("{name} must be {want} but it is {got}"),
    );
}

fn require_len(c: &mut Check, name: &str, got: usize, want: usize) {
    c.require(got == want, || {
        format!("{name} must have {want} elements but it has {got}")
    });
}

/// Requires the pooling workspace `arg` to hold at least [`Pooling::workspace_len`].
fn require_workspace(c: &mut Check, g: &Pooling, len: usize) {
    c.require(len >= g.workspace_len(), || {
        format!(
            "the workspace must have {} elements but it has {len}",
            g.workspace_len()
        )
    });
}

impl<T: Scalar> DnnFactory<T> {
    /// `y := conv(x, w) + b`: the 2-D convolution `g` (cross-correlation) of the dense
    /// `nchw` tensor `x` with the `oihw` weights `w` (a vector of
    /// [`Convolution::weights_len`] elements), plus one bias per output channel.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::{desc, tensor, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};
    /// use tensor_core::dnn::Convolution;
    /// let f = native_double();
    /// let xd = desc([1, 1, 3, 3], DataType::Double, TensorLayout::Nchw)?;
    /// let x = tensor_from(&f, xd, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])?;
    /// let g = Convolution::new(&xd, 1, [2, 2], [1, 1], [0, 0], [1, 1])?;
    /// let mut y = tensor(&f, g.output_desc())?;
    /// let (w, b) = (dv(&[1.0, 0.0, 0.0, -1.0]), dv(&[10.0]));
    /// DnnFactory::new(&f).convolution_forward(&g, &x, &w, &b, &mut y)?;
    /// assert_eq!(y.to_vec()?, vec![6.0, 6.0, 6.0, 6.0]); // x[i][j] - x[i+1][j+1] + 10
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn convolution_forward(
        &self,
        g: &Convolution,
        x: &impl AsTensor<T>,
        w: &impl AsVector<T>,
        b: &impl AsVector<T>,
        y: &mut impl AsTensorMut<T>,
    ) -> Result<()> {
        const OP: &str = "convolution_forward";
        self.require_same(OP, [x.factory(), w.factory(), b.factory(), y.factory()])?;
        let mut c = Check::new(OP);
        require_desc(&mut c, "x", &x.desc(), &g.input_desc());
        require_desc(&mut c, "y", &y.desc(), &g.output_desc());
        require_len(&mut c, "w", w.dim(), g.weights_len());
        require_len(&mut c, "b", b.dim(), g.out_channels);
        c.finish()?;
        self.dnn.convolution_forward(
            &mut self.ws(),
            g,
            &x.view_vctr()?,
            &w.view(),
            &b.view(),
            &mut y.view_vctr_mut()?,
        )
    }

    /// `dx := ∂conv/∂xᵀ dy`: the error of the convolution's input from the error `dy`
    /// of its output (the pre-activation error).
    pub fn convolution_backward_data(
        &self,
        g: &Convolution,
        dy: &impl AsTensor<T>,
        w: &impl AsVector<T>,
        dx: &mut impl AsTensorMut<T>,
    ) -> Result<()> {
        const OP: &str = "convolution_backward_data";
        self.require_same(OP, [dy.factory(), w.factory(), dx.factory()])?;
        let mut c = Check::new(OP);
        require_desc(&mut c, "dy", &dy.desc(), &g.output_desc());
        require_desc(&mut c, "dx", &dx.desc(), &g.input_desc());
        require_len(&mut c, "w", w.dim(), g.weights_len());
        c.finish()?;
        self.dnn.convolution_backward_data(
            &mut self.ws(),
            g,
            &dy.view_vctr()?,
            &w.view(),
            &mut dx.view_vctr_mut()?,
        )
    }

    /// `dw := alpha Σ ∂conv/∂w`, `db := alpha Σ dy`: the weight and bias gradients,
    /// summed over the batch and scaled by `alpha` (`1/n` for a mean cost).
    pub fn convolution_backward_weights(
        &self,
        g: &Convolution,
        alpha: T,
        x: &impl AsTensor<T>,
        dy: &impl AsTensor<T>,
        dw: &mut impl AsVectorMut<T>,
        db: &mut impl AsVectorMut<T>,
    ) -> Result<()> {
        const OP: &str = "convolution_backward_weights";
        self.require_same(OP, [x.factory(), dy.factory(), dw.factory(), db.factory()])?;
        let mut c = Check::new(OP);
        require_desc(&mut c, "x", &x.desc(), &g.input_desc());
        require_desc(&mut c, "dy", &dy.desc(), &g.output_desc());
        require_len(&mut c, "dw", dw.dim(), g.weights_len());
        require_len(&mut c, "db", db.dim(), g.out_channels);
        c.finish()?;
        self.dnn.convolution_backward_weights(
            &mut self.ws(),
            g,
            alpha,
            &x.view_vctr()?,
            &dy.view_vctr()?,
            &mut dw.view_mut(),
            &mut db.view_mut(),
        )
    }

    /// `y := pool(x)`, the pooling `g` of the dense `nchw` tensor `x`. Max pooling
    /// records in `arg` ([`Pooling::workspace_len`] elements; may be empty for average
    /// pooling) what [`pooling_backward`](Self::pooling_backward) needs.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::{desc, tensor, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};
    /// use tensor_core::dnn::{PoolAlgo, Pooling};
    /// let f = native_float();
    /// let xd = desc([1, 1, 2, 4], DataType::Float, TensorLayout::Nchw)?;
    /// let x = tensor_from(&f, xd, &[1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 8.0, 1.0])?;
    /// let g = Pooling::new(&xd, PoolAlgo::Max, [2, 2], [2, 2], [0, 0])?;
    /// let (mut y, mut arg) = (tensor(&f, g.output_desc())?, f.vctr(g.workspace_len())?);
    /// DnnFactory::new(&f).pooling_forward(&g, &x, &mut y, &mut arg)?;
    /// assert_eq!(y.to_vec()?, vec![5.0, 8.0]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn pooling_forward(
        &self,
        g: &Pooling,
        x: &impl AsTensor<T>,
        y: &mut impl AsTensorMut<T>,
        arg: &mut impl AsVectorMut<T>,
    ) -> Result<()> {
        const OP: &str = "pooling_forward";
        self.require_same(OP, [x.factory(), y.factory(), arg.factory()])?;
        let mut c = Check::new(OP);
        require_desc(&mut c, "x", &x.desc(), &g.input_desc());
        require_desc(&mut c, "y", &y.desc(), &g.output_desc());
        require_workspace(&mut c, g, arg.dim());
        c.finish()?;
        self.dnn.pooling_forward(
            &mut self.ws(),
            g,
            &x.view_vctr()?,
            &mut y.view_vctr_mut()?,
            &mut arg.view_mut(),
        )
    }

    /// `dx := ∂pool/∂xᵀ dy`, with `arg` as [`pooling_forward`](Self::pooling_forward)
    /// left it.
    pub fn pooling_backward(
        &self,
        g: &Pooling,
        dy: &impl AsTensor<T>,
        arg: &impl AsVector<T>,
        dx: &mut impl AsTensorMut<T>,
    ) -> Result<()> {
        const OP: &str = "pooling_backward";
        self.require_same(OP, [dy.factory(), arg.factory(), dx.factory()])?;
        let mut c = Check::new(OP);
        require_desc(&mut c, "dy", &dy.desc(), &g.output_desc());
        require_desc(&mut c, "dx", &dx.desc(), &g.input_desc());
        require_workspace(&mut c, g, arg.dim());
        c.finish()?;
        self.dnn.pooling_backward(
            &mut self.ws(),
            g,
            &dy.view_vctr()?,
            &arg.view(),
            &mut dx.view_vctr_mut()?,
        )
    }
}
