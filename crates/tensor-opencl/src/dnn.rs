//! [`OpenClDnn`]: tensor-core's DNN primitives as one OpenCL kernel launch each.

use la_core::engine::{Region, Unary};
use la_core::prelude::*;
use la_core::{Dense, Error};
use la_opencl::{ClArg, ClEngine, ClProgram, ClScalar, Mem};
use tensor_core::dnn::{composed, FusedUpdate, Update, Workspace};
use tensor_core::Dnn;

/// This crate's OpenCL C source.
const KERNELS: &str = include_str!("kernels.cl");

/// Layers of at most this many multiply-adds (`outputs · inputs · batch`) run as one
/// launch of this crate's `fc_forward` / `fc_backward_weights`; larger ones go to
/// la-opencl's GEMM (CLBlast), whose set-up cost is then small beside the work. The
/// same bound as la-opencl's own small-product kernels.
const SMALL_LAYER: usize = 1 << 16;

/// tensor-core's DNN implementation on a la-opencl factory: bias + activation,
/// activation backward, the optimizer update and (for small layers) a fully connected
/// layer's forward pass and parameter gradients run as this crate's kernels, one launch
/// each; softmax, convolution and pooling keep tensor-core's composed defaults.
#[derive(Debug)]
pub struct OpenClDnn<T: ClScalar> {
    la: Factory<T>,
    program: ClProgram,
}

fn ocl_err(message: String) -> Error {
    Error::Backend {
        backend: "tensor-opencl".into(),
        message,
    }
}

/// The kernels' activation code and parameter, or `None` for an activation they lack.
fn act_code<T: Scalar>(op: Option<Unary<T>>) -> Option<(i32, T)> {
    match op {
        None => Some((0, T::zero())),
        Some(Unary::Sigmoid) => Some((1, T::zero())),
        Some(Unary::Tanh) => Some((2, T::zero())),
        Some(Unary::Relu) => Some((3, T::zero())),
        Some(Unary::Elu(a)) => Some((4, a)),
        Some(_) => None,
    }
}

impl<T: ClScalar> OpenClDnn<T> {
    /// The kernels built for `la`, which must be a la-opencl factory: an error naming
    /// what `la` is otherwise, or carrying the OpenCL compiler's log.
    pub fn new(la: &Factory<T>) -> Result<Self> {
        if ClEngine::of(la).is_none() {
            return Err(ocl_err(format!(
                "tensor-opencl runs on an OpenCL factory (la_opencl::opencl_{}), not on {}",
                T::NAME,
                la.name()
            )));
        }
        Ok(OpenClDnn {
            la: la.clone(),
            program: ClProgram::build(la, KERNELS)?,
        })
    }

    fn engine(&self) -> &ClEngine<T> {
        ClEngine::of(&self.la).expect("checked in new: an OpenCL factory")
    }

    /// The buffer of `d` with its region (checked to lie inside it).
    fn mem<'d>(&self, d: &'d impl Dense<T>) -> Result<(&'d Mem, Region)> {
        let r = d.region();
        Ok((self.engine().mem(d.storage(), r)?, r))
    }

    fn launch(&self, name: &'static str, gws: &[usize], args: &[ClArg<'_, T>]) -> Result<()> {
        self.program.launch(self.engine(), name, gws, None, args)
    }
}

impl<T: ClScalar> Dnn<T> for OpenClDnn<T> {
    fn name(&self) -> String {
        "opencl".into()
    }

    fn bias_activation(
        &self,
        ws: &mut Workspace<T>,
        op: Option<Unary<T>>,
        b: &VectorView<'_, T>,
        y: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let Some((act, alpha)) = act_code(op) else {
            return composed::bias_activation(ws, op, b, y);
        };
        let (m, n) = (y.mrows(), y.ncols());
        if m == 0 || n == 0 {
            return Ok(());
        }
        let (bm, br) = self.mem(b)?;
        let (ym, yr) = self.mem(y)?;
        use ClArg::*;
        self.launch(
            "bias_activation",
            &[m, n],
            &[
                I32(act),
                Val(alpha),
                Buf(bm),
                U64(br.offset as u64),
                U64(br.rs as u64),
                Buf(ym),
                U64(yr.offset as u64),
                U64(yr.rs as u64),
                U64(yr.cs as u64),
            ],
        )
    }

    fn fully_connected(
        &self,
        ws: &mut Workspace<T>,
        op: Option<Unary<T>>,
        (w, x, b): (&MatrixView<'_, T>, &MatrixView<'_, T>, &VectorView<'_, T>),
        y: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let (m, k, n) = (w.mrows(), w.ncols(), x.ncols());
        let act = act_code(op);
        if m * n * k > SMALL_LAYER || act.is_none() || k == 0 {
            mm_into(T::one(), w, x, T::zero(), y)?;
            return self.bias_activation(ws, op, b, y);
        }
        let (act, alpha) = act.expect("checked");
        if m == 0 || n == 0 {
            return Ok(());
        }
        let (wm, wr) = self.mem(w)?;
        let (xm, xr) = self.mem(x)?;
        let (bm, br) = self.mem(b)?;
        let (ym, yr) = self.mem(y)?;
        use ClArg::*;
        self.launch(
            "fc_forward",
            &[m, n],
            &[
                U64(k as u64),
                I32(act),
                Val(alpha),
                Buf(wm),
                U64(wr.offset as u64),
                U64(wr.rs as u64),
                U64(wr.cs as u64),
                Buf(xm),
                U64(xr.offset as u64),
                U64(xr.rs as u64),
                U64(xr.cs as u64),
                Buf(bm),
                U64(br.offset as u64),
                U64(br.rs as u64),
                Buf(ym),
                U64(yr.offset as u64),
                U64(yr.rs as u64),
                U64(yr.cs as u64),
            ],
        )
    }

    fn fully_connected_backward_weights(
        &self,
        ws: &mut Workspace<T>,
        alpha: T,
        (d, x): (&MatrixView<'_, T>, &MatrixView<'_, T>),
        dw: &mut MatrixViewMut<'_, T>,
        db: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let (m, n, k) = (d.mrows(), d.ncols(), x.mrows());
        if m * n * k > SMALL_LAYER {
            return composed::fully_connected_backward_weights(ws, alpha, d, x, dw, db);
        }
        if m == 0 {
            return Ok(());
        }
        let (dm, dr) = self.mem(d)?;
        let (xm, xr) = self.mem(x)?;
        let (wm, wr) = self.mem(dw)?;
        let (bm, br) = self.mem(db)?;
        use ClArg::*;
        self.launch(
            "fc_backward_weights",
            &[m, k + 1],
            &[
                U64(n as u64),
                U64(k as u64),
                Val(alpha),
                Buf(dm),
                U64(dr.offset as u64),
                U64(dr.rs as u64),
                U64(dr.cs as u64),
                Buf(xm),
                U64(xr.offset as u64),
                U64(xr.rs as u64),
                U64(xr.cs as u64),
                Buf(wm),
                U64(wr.offset as u64),
                U64(wr.rs as u64),
                U64(wr.cs as u64),
                Buf(bm),
                U64(br.offset as u64),
                U64(br.rs as u64),
            ],
        )
    }

    fn activation_grad(
        &self,
        ws: &mut Workspace<T>,
        op: Unary<T>,
        a: &MatrixView<'_, T>,
        d: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let Some((act, alpha)) = act_code(Some(op)).filter(|(c, _)| *c != 0) else {
            return composed::activation_grad(ws, op, a, d);
        };
        let (m, n) = (d.mrows(), d.ncols());
        if m == 0 || n == 0 {
            return Ok(());
        }
        let (am, ar) = self.mem(a)?;
        let (dm, dr) = self.mem(d)?;
        use ClArg::*;
        self.launch(
            "activation_grad",
            &[m, n],
            &[
                I32(act),
                Val(alpha),
                Buf(am),
                U64(ar.offset as u64),
                U64(ar.rs as u64),
                U64(ar.cs as u64),
                Buf(dm),
                U64(dr.offset as u64),
                U64(dr.rs as u64),
                U64(dr.cs as u64),
            ],
        )
    }

    fn update<'a>(
        &self,
        ws: &mut Workspace<T>,
        step: &Update<T>,
        p: &mut VectorViewMut<'a, T>,
        g: &mut VectorViewMut<'a, T>,
        s: &mut [VectorViewMut<'a, T>],
    ) -> Result<()> {
        let strided = |v: &VectorViewMut<'a, T>| v.dim() > 1 && v.stride() != 1;
        if strided(p) || strided(g) || s.iter().any(strided) {
            let _ = ws;
            return step.optimizer.step(step.lr, step.t, p, g, s, step.decay);
        }
        let len = p.dim();
        if len == 0 {
            return Ok(());
        }
        let k = FusedUpdate::new(&step.optimizer, step.lr, step.t, step.decay);
        let (pm, pr) = self.mem(&*p)?;
        let (gm, gr) = self.mem(&*g)?;
        // A rule that keeps fewer states reads none: any buffer fills its place.
        let (s0, s1) = match s {
            [] => ((pm, pr), (pm, pr)),
            [a] => (self.mem(&*a)?, (pm, pr)),
            [a, b, ..] => (self.mem(&*a)?, self.mem(&*b)?),
        };
        let c = k.c;
        use ClArg::*;
        self.launch(
            "optimizer_update",
            &[len],
            &[
                I32(k.rule),
                Val(k.decay),
                Val(c[0]),
                Val(c[1]),
                Val(c[2]),
                Val(c[3]),
                Val(c[4]),
                Val(c[5]),
                Val(c[6]),
                Buf(pm),
                U64(pr.offset as u64),
                Buf(gm),
                U64(gr.offset as u64),
                Buf(s0.0),
                U64(s0.1.offset as u64),
                Buf(s1.0),
                U64(s1.1.offset as u64),
            ],
        )
    }
}
