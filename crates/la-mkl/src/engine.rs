//! The BLAS-library engine: host memory like the native engine, with GEMM, GEMV and GER
//! from MKL or OpenBLAS (and MKL's vector math for contiguous exp, ln and tanh).

use la_core::engine::{blas_prologue, Binary, Engine, Reduction, Region, Storage, Unary};
use la_core::native::NativeEngine;
use la_core::{Error, Result, Scalar};

use crate::ffi::{self, Arg, Blas, Routines};

/// Element types with routines in a loaded library.
pub trait BlasScalar: Scalar {
    #[doc(hidden)]
    fn routines(b: &Blas) -> &Routines<Self>;
}

impl BlasScalar for f32 {
    fn routines(b: &Blas) -> &Routines<f32> {
        &b.s
    }
}

impl BlasScalar for f64 {
    fn routines(b: &Blas) -> &Routines<f64> {
        &b.d
    }
}

/// An engine backed by a BLAS library (`mkl` or `openblas`).
pub struct BlasEngine<T> {
    blas: &'static Blas,
    library: &'static str,
    native: NativeEngine<T>,
}

impl<T> std::fmt::Debug for BlasEngine<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlasEngine({}: {})", self.library, self.blas.path)
    }
}

impl<T: BlasScalar> BlasEngine<T> {
    pub(crate) fn new(blas: &'static Blas, library: &'static str) -> Self {
        BlasEngine {
            blas,
            library,
            native: NativeEngine::default(),
        }
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::Backend {
            backend: self.name(),
            message: message.into(),
        }
    }

    fn r(&self) -> &Routines<T> {
        T::routines(self.blas)
    }

    fn host<'a>(&self, s: &'a Storage<T>, r: &Region) -> Result<&'a [T]> {
        let h = s
            .host()
            .ok_or_else(|| self.err("received device memory; transfer it first"))?;
        if r.end() > h.len() {
            return Err(self.err(format!("region {r:?} exceeds a buffer of {}", h.len())));
        }
        Ok(&h[r.offset.min(h.len())..])
    }

    fn host_mut<'a>(&self, s: &'a mut Storage<T>, r: &Region) -> Result<&'a mut [T]> {
        let name = self.name();
        let h = s.host_mut().ok_or_else(|| Error::Backend {
            backend: name.clone(),
            message: "received device memory; transfer it first".into(),
        })?;
        if r.end() > h.len() {
            return Err(Error::Backend {
                backend: name,
                message: format!("region {r:?} exceeds a buffer of {}", h.len()),
            });
        }
        let len = h.len();
        Ok(&mut h[r.offset.min(len)..])
    }

    fn layout(&self, r: &Region) -> Result<(bool, usize)> {
        r.blas_layout()
            .ok_or_else(|| self.err(format!("region {r:?} is neither column- nor row-major")))
    }

    fn vml_index(op: &Unary<T>) -> Option<usize> {
        match op {
            Unary::Exp => Some(0),
            Unary::Log => Some(1),
            Unary::Tanh => Some(2),
            _ => None,
        }
    }
}

fn flat(r: &Region) -> bool {
    r.is_flat_col()
}

impl<T: BlasScalar> Engine<T> for BlasEngine<T> {
    fn name(&self) -> String {
        format!("{}-{}", self.library, T::NAME)
    }

    fn is_host(&self) -> bool {
        true
    }
    fn alloc(&self, len: usize) -> Result<Storage<T>> {
        self.native.alloc(len)
    }
    fn read(&self, s: &Storage<T>, r: Region, out: &mut [T]) -> Result<()> {
        self.native.read(s, r, out)
    }
    fn write(&self, s: &mut Storage<T>, r: Region, data: &[T]) -> Result<()> {
        self.native.write(s, r, data)
    }
    fn copy(&self, x: (&Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        self.native.copy(x, y)
    }
    fn swap(&self, x: (&mut Storage<T>, Region), y: (&mut Storage<T>, Region)) -> Result<()> {
        self.native.swap(x, y)
    }
    fn dot(&self, x: (&Storage<T>, Region), y: (&Storage<T>, Region)) -> Result<T> {
        self.native.dot(x, y)
    }
    fn reduce(&self, op: Reduction, x: (&Storage<T>, Region)) -> Result<T> {
        self.native.reduce(op, x)
    }
    fn iamax(&self, x: (&Storage<T>, Region)) -> Result<usize> {
        self.native.iamax(x)
    }
    fn axpby(
        &self,
        alpha: T,
        x: (&Storage<T>, Region),
        beta: T,
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        self.native.axpby(alpha, x, beta, y)
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
        let (col, ld) = self.layout(&ra)?;
        let layout = if col { ffi::COL_MAJOR } else { ffi::ROW_MAJOR };
        let av = Arg {
            data: self.host(a.0, &ra)?,
            ld,
        };
        let xv = Arg {
            data: self.host(x.0, &rx)?,
            ld: rx.rs.max(1),
        };
        let yv = (self.host_mut(y.0, &ry)?, ry.rs.max(1));
        self.r()
            .gemv(layout, ra.m, ra.n, alpha, av, xv, beta, yv)
            .map_err(|e| self.err(e))
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
        let (col, ld) = self.layout(&ra)?;
        let layout = if col { ffi::COL_MAJOR } else { ffi::ROW_MAJOR };
        let xv = Arg {
            data: self.host(x.0, &x.1)?,
            ld: x.1.rs.max(1),
        };
        let yv = Arg {
            data: self.host(y.0, &y.1)?,
            ld: y.1.rs.max(1),
        };
        let av = (self.host_mut(a.0, &ra)?, ld);
        self.r()
            .ger(layout, ra.m, ra.n, alpha, xv, yv, av)
            .map_err(|e| self.err(e))
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
        let (ccol, cld) = self.layout(&rc)?;
        let (acol, ald) = self.layout(&ra)?;
        let (bcol, bld) = self.layout(&rb)?;
        let layout = if ccol { ffi::COL_MAJOR } else { ffi::ROW_MAJOR };
        let t = |same: bool| if same { ffi::NO_TRANS } else { ffi::TRANS };
        let av = Arg {
            data: self.host(a.0, &ra)?,
            ld: ald,
        };
        let bv = Arg {
            data: self.host(b.0, &rb)?,
            ld: bld,
        };
        let cv = (self.host_mut(c.0, &rc)?, cld);
        self.r()
            .gemm(
                layout,
                t(acol == ccol),
                t(bcol == ccol),
                rc.m,
                rc.n,
                ra.n,
                alpha,
                av,
                bv,
                beta,
                cv,
            )
            .map_err(|e| self.err(e))
    }

    fn unary(
        &self,
        op: Unary<T>,
        x: (&Storage<T>, Region),
        y: (&mut Storage<T>, Region),
    ) -> Result<()> {
        if let Some(k) = Self::vml_index(&op) {
            if flat(&x.1) && flat(&y.1) && !y.1.is_empty() {
                let len = y.1.len();
                let xs = &self.host(x.0, &x.1)?[..len];
                let ys = &mut self.host_mut(y.0, &y.1)?[..len];
                if let Some(r) = self.r().vml(k, xs, ys) {
                    return r.map_err(|e| self.err(e));
                }
            }
        }
        self.native.unary(op, x, y)
    }

    fn unary_inplace(&self, op: Unary<T>, x: (&mut Storage<T>, Region)) -> Result<()> {
        if let Some(k) = Self::vml_index(&op) {
            if flat(&x.1) && !x.1.is_empty() {
                let len = x.1.len();
                let r = x.1;
                let ys = &mut self.host_mut(x.0, &r)?[..len];
                if let Some(res) = self.r().vml_inplace(k, ys) {
                    return res.map_err(|e| self.err(e));
                }
            }
        }
        self.native.unary_inplace(op, x)
    }

    fn binary(
        &self,
        op: Binary,
        x: (&Storage<T>, Region),
        y: (&Storage<T>, Region),
        z: (&mut Storage<T>, Region),
    ) -> Result<()> {
        self.native.binary(op, x, y, z)
    }

    fn binary_inplace(
        &self,
        op: Binary,
        x: (&mut Storage<T>, Region),
        y: (&Storage<T>, Region),
    ) -> Result<()> {
        self.native.binary_inplace(op, x, y)
    }
}
