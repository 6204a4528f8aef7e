//! Finding CUDA devices and making a context and stream on one.

use std::sync::{Arc, OnceLock};

use cudarc::driver::{CudaContext, CudaStream};
use la_core::{Error, Result};

use crate::probe::device_count;

/// One CUDA device, as found by [`devices`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// The device's ordinal (what [`setup`] takes).
    pub ordinal: usize,
    /// Its name (`NVIDIA H200`, ...).
    pub name: String,
    /// Its compute capability (`(9, 0)` is `sm_90`).
    pub compute_capability: (u32, u32),
    /// Its memory in bytes.
    pub memory: usize,
}

/// A context and a stream on one device (the book's `with-default` for CUDA).
#[derive(Debug, Clone)]
pub struct CudaSetup {
    /// The device's primary context.
    pub context: Arc<CudaContext>,
    /// A stream of that context, for the factories made on it.
    pub stream: Arc<CudaStream>,
    /// The device.
    pub device: DeviceEntry,
}

/// Every CUDA device, enumerated once per process; an error (never a panic) when the
/// driver is missing or sees no device.
///
/// ```
/// match la_cuda::devices() {
///     Ok(ds) => assert!(!ds.is_empty()),
///     Err(e) => assert!(e.to_string().contains("cuda")),
/// }
/// ```
pub fn devices() -> Result<&'static [DeviceEntry]> {
    static DEVICES: OnceLock<std::result::Result<Vec<DeviceEntry>, String>> = OnceLock::new();
    DEVICES
        .get_or_init(|| {
            let n = device_count().map_err(crate::cuda_message)?;
            (0..n)
                .map(|i| {
                    let ctx = CudaContext::new(i).map_err(|e| format!("device {i}: {e:?}"))?;
                    entry(i, &ctx)
                })
                .collect()
        })
        .as_deref()
        .map_err(|e| crate::cuda_err(e.clone()))
}

fn entry(ordinal: usize, ctx: &CudaContext) -> std::result::Result<DeviceEntry, String> {
    let what = |e| format!("device {ordinal}: {e:?}");
    Ok(DeviceEntry {
        ordinal,
        name: ctx.name().map_err(what)?,
        compute_capability: crate::engine::arch_of(ctx).map_err(crate::cuda_message)?,
        memory: ctx.total_mem().map_err(what)?,
    })
}

/// A context and a new stream on device `ordinal`.
pub fn setup(ordinal: usize) -> Result<CudaSetup> {
    let all = devices()?;
    let device = all.get(ordinal).cloned().ok_or_else(|| Error::Backend {
        backend: "cuda".into(),
        message: format!(
            "setup: no CUDA device {ordinal} (this machine has {})",
            all.len()
        ),
    })?;
    let context = CudaContext::new(ordinal)
        .map_err(|e| crate::cuda_err(format!("creating a context on device {ordinal}: {e:?}")))?;
    let stream = context
        .new_stream()
        .map_err(|e| crate::cuda_err(format!("creating a stream on device {ordinal}: {e:?}")))?;
    Ok(CudaSetup {
        context,
        stream,
        device,
    })
}

/// [`setup`] on device 0.
pub fn default_setup() -> Result<CudaSetup> {
    setup(0)
}
