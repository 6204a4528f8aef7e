//! Host kernels of the convolution and pooling primitives, below both DNN
//! implementations that run them: the native one (host memory) and the composed
//! defaults (which copy a device's operands through host memory). They depend on the
//! geometry only.

pub(crate) mod conv;
pub(crate) mod pool;
