//! Finding OpenCL platforms and devices, safely and once.
//!
//! The ICD loader is opened at run time ([`crate::cl`]); PoCL 3.1 returns
//! `CL_DEVICE_NOT_FOUND` to concurrent first callers, so devices are enumerated once
//! behind a lock, and factories always get an explicit platform and device.

use std::sync::OnceLock;

use la_core::{Error, Result};

use crate::cl::{self, Context, DeviceId, Queue};

/// One OpenCL device, as found by [`devices`].
#[derive(Debug, Clone)]
pub struct DeviceEntry {
    /// Index of its platform in [`devices`]' enumeration.
    pub platform_index: usize,
    /// Index of the device within its platform.
    pub device_index: usize,
    /// Platform name (e.g. `Portable Computing Language`).
    pub platform_name: String,
    /// Device name.
    pub device_name: String,
    /// Whether it is a GPU.
    pub is_gpu: bool,
    /// Compute units.
    pub compute_units: u32,
    /// Whether it supports `double`.
    pub fp64: bool,
    device: DeviceId,
}

fn backend_err(message: impl Into<String>) -> Error {
    Error::Backend {
        backend: "opencl".into(),
        message: message.into(),
    }
}

/// Every OpenCL device of every platform, enumerated once per process (behind a lock).
/// An error when no platform exists or the ICD loader is missing.
pub fn devices() -> Result<&'static [DeviceEntry]> {
    static DEVICES: OnceLock<std::result::Result<Vec<DeviceEntry>, String>> = OnceLock::new();
    DEVICES
        .get_or_init(enumerate)
        .as_deref()
        .map_err(|e| backend_err(e.clone()))
}

fn enumerate() -> std::result::Result<Vec<DeviceEntry>, String> {
    let platforms = cl::platforms()?;
    if platforms.is_empty() {
        return Err(format!("no OpenCL platform is installed; {}", cl::INSTALL));
    }
    let mut out = Vec::new();
    for (pi, platform) in platforms.into_iter().enumerate() {
        let platform_name = platform.name();
        let list = platform
            .devices()
            .map_err(|e| format!("listing devices of {platform_name}: {e}"))?;
        for (di, device) in list.into_iter().enumerate() {
            out.push(DeviceEntry {
                platform_index: pi,
                device_index: di,
                platform_name: platform_name.clone(),
                device_name: device.name(),
                is_gpu: device.device_type() & cl::CL_DEVICE_TYPE_GPU != 0,
                compute_units: device.compute_units(),
                fp64: has_fp64(device),
                device,
            });
        }
    }
    if out.is_empty() {
        Err("OpenCL platforms exist but report no device".into())
    } else {
        Ok(out)
    }
}

/// Whether the device supports `double` (`cl_khr_fp64`).
pub(crate) fn has_fp64(device: DeviceId) -> bool {
    device.extensions().contains("cl_khr_fp64")
}

/// A context and an in-order command queue on one device (what a factory runs on).
#[derive(Debug, Clone)]
pub struct ClSetup {
    /// The OpenCL context.
    pub context: Context,
    /// The command queue.
    pub queue: Queue,
    /// The device.
    pub device: DeviceEntry,
}

/// A context and queue on the device at (`platform`, `device`) of [`devices`].
pub fn setup(platform: usize, device: usize) -> Result<ClSetup> {
    let entry = devices()?
        .iter()
        .find(|d| d.platform_index == platform && d.device_index == device)
        .ok_or_else(|| backend_err(format!("no OpenCL device ({platform}, {device})")))?
        .clone();
    let context = Context::new(entry.device)
        .map_err(|e| backend_err(format!("creating a context on {}: {e}", entry.device_name)))?;
    let queue = Queue::new(&context, entry.device)
        .map_err(|e| backend_err(format!("creating a queue on {}: {e}", entry.device_name)))?;
    Ok(ClSetup {
        context,
        queue,
        device: entry,
    })
}

/// The book's `with-default`: the best device (GPUs first, then most compute units).
pub fn default_setup() -> Result<ClSetup> {
    let best = devices()?
        .iter()
        .max_by_key(|d| (d.is_gpu, d.compute_units))
        .ok_or_else(|| backend_err("no OpenCL device"))?;
    setup(best.platform_index, best.device_index)
}
