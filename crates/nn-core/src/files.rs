//! File helpers every network format shares: safetensors dtypes and bytes, and what
//! is wrong with a file safetensors refused.

use la_core::Scalar;
use safetensors::tensor::Dtype;
use safetensors::SafeTensorError;

/// The safetensors dtype of `T` (`F32` or `F64`).
pub fn safetensors_dtype<T: Scalar>() -> Dtype {
    if std::mem::size_of::<T>() == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

/// `v` as little-endian bytes of `T` (what a safetensors tensor holds).
pub fn to_le_bytes<T: Scalar>(v: &[T]) -> Vec<u8> {
    if std::mem::size_of::<T>() == 4 {
        v.iter()
            .flat_map(|x| (x.as_f64() as f32).to_le_bytes())
            .collect()
    } else {
        v.iter().flat_map(|x| x.as_f64().to_le_bytes()).collect()
    }
}

/// The values of little-endian bytes of `T` (a safetensors tensor's data).
pub fn from_le_bytes<T: Scalar>(b: &[u8]) -> Vec<T> {
    if std::mem::size_of::<T>() == 4 {
        b.chunks_exact(4)
            .map(|c| T::of(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64))
            .collect()
    } else {
        b.chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                T::of(f64::from_le_bytes(a))
            })
            .collect()
    }
}

/// What is wrong with a file safetensors refused (`len` bytes long), in words a user
/// can act on.
pub fn describe(e: &SafeTensorError, len: usize) -> String {
    match e {
        SafeTensorError::HeaderTooSmall
        | SafeTensorError::InvalidHeaderLength
        | SafeTensorError::MetadataIncompleteBuffer => format!(
            "truncated or not a safetensors file ({len} bytes, shorter than its header says)"
        ),
        SafeTensorError::HeaderTooLarge
        | SafeTensorError::InvalidHeader
        | SafeTensorError::InvalidHeaderStart
        | SafeTensorError::InvalidHeaderDeserialization => {
            "not a safetensors file (its header is not the JSON safetensors writes)".into()
        }
        SafeTensorError::InvalidOffset(name) | SafeTensorError::TensorNotFound(name) => {
            format!("corrupt: tensor {name} does not lie where the header says")
        }
        other => format!("corrupt safetensors file: {other:?}"),
    }
}
