//! Which DNN implementation a factory gets: the one place that knows both the
//! abstraction ([`crate::dnn`]) and the implementations ([`crate::native`], the
//! composed defaults), so neither imports the other.

use std::sync::Arc;

use la_core::{Factory, Scalar};

use crate::dnn::{ComposedDnn, DnnFactory};

impl<T: Scalar> DnnFactory<T> {
    /// The best DNN implementation this crate has for `la`: the native kernels for
    /// host-memory factories (native, MKL, OpenBLAS), the composed defaults otherwise.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// let dnn = tensor_core::DnnFactory::new(&native_float());
    /// assert_eq!(dnn.dnn_name(), "native");
    /// ```
    pub fn new(la: &Factory<T>) -> Self {
        let dnn = if la.is_host() {
            crate::native::native_dnn::<T>()
        } else {
            Arc::new(ComposedDnn)
        };
        DnnFactory::with(la, dnn)
    }
}
