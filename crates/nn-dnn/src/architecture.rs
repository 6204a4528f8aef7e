//! A network's architecture as text, so a saved file alone rebuilds its network
//! ([`crate::load_network`]): one line per blueprint, written into the file's metadata
//! as `layers.{i}.spec` and parsed back.
//!
//! | blueprint | its line |
//! |---|---|
//! | `convo(32, [3, 3], Activation::Relu).strides([1, 1]).padding([0, 0]).dilation([1, 1])` | `convo 32 3x3 relu strides 1x1 padding 0x0 dilation 1x1` |
//! | `pooling([2, 2], PoolAlgo::Max)` | `pooling max 2x2 strides 2x2 padding 0x0` |
//! | `dense(10, Activation::Elu(0.5))` | `dense 10 elu(0.5)` |
//! | `dropout_keep(0.5)`, `gaussian_dropout(0.3)` | `dropout bernoulli 0.5`, `dropout gaussian 0.3` |
//! | `custom("gain", ..)` | `custom gain` (not rebuilt from the file: its code is the user's) |

use la_core::Scalar;
use nn_core::{Activation, Dropout};
use tensor_core::dnn::PoolAlgo;

use crate::blueprint::{convo, dense, pooling, Blueprint, Kind};

/// The largest dimension a file may ask for (kernel sizes, channels, outputs, strides).
const MAX_DIM: usize = 1 << 24;

fn pair(p: [usize; 2]) -> String {
    format!("{}x{}", p[0], p[1])
}

fn activation<T: Scalar>(a: Activation<T>) -> String {
    match a {
        Activation::Elu(alpha) => format!("elu({})", alpha.as_f64()),
        other => other.name().to_string(),
    }
}

/// The line of a blueprint (see the module docs).
pub(crate) fn spec<T: Scalar>(b: &Blueprint<T>) -> String {
    match b.spec() {
        Kind::Convo {
            channels,
            kernel,
            strides,
            padding,
            dilation,
            activation: a,
        } => format!(
            "convo {channels} {} {} strides {} padding {} dilation {}",
            pair(*kernel),
            activation(*a),
            pair(*strides),
            pair(*padding),
            pair(*dilation)
        ),
        Kind::Pooling {
            kernel,
            strides,
            padding,
            algo,
        } => format!(
            "pooling {} {} strides {} padding {}",
            algo.name(),
            pair(*kernel),
            pair(*strides),
            pair(*padding)
        ),
        Kind::Dense {
            outputs,
            activation: a,
        } => format!("dense {outputs} {}", activation(*a)),
        Kind::Dropout(Dropout::Bernoulli { keep }) => {
            format!("dropout bernoulli {}", keep.as_f64())
        }
        Kind::Dropout(Dropout::Gaussian { sigma }) => {
            format!("dropout gaussian {}", sigma.as_f64())
        }
        Kind::Custom(kind, _) => format!("custom {kind}"),
    }
}

fn number(what: &str, s: Option<&str>) -> Result<usize, String> {
    let s = s.ok_or_else(|| format!("{what} is missing"))?;
    match s.parse::<usize>() {
        Ok(v) if (1..=MAX_DIM).contains(&v) => Ok(v),
        Ok(v) => Err(format!("{what} {v} is out of range (1 to {MAX_DIM})")),
        Err(_) => Err(format!("{what} {s:?} is not a number")),
    }
}

fn real(what: &str, s: Option<&str>) -> Result<f64, String> {
    let s = s.ok_or_else(|| format!("{what} is missing"))?;
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{what} {s:?} is not a finite number"))
}

/// `AxB`; `zero` allows 0 (padding).
fn dims(what: &str, s: Option<&str>, zero: bool) -> Result<[usize; 2], String> {
    let s = s.ok_or_else(|| format!("{what} is missing"))?;
    let bad = || format!("{what} {s:?} is not HxW");
    let (a, b) = s.split_once('x').ok_or_else(bad)?;
    let one = |v: &str| -> Result<usize, String> {
        let v: usize = v.parse().map_err(|_| bad())?;
        if (v == 0 && !zero) || v > MAX_DIM {
            return Err(format!("{what} {s:?} is out of range"));
        }
        Ok(v)
    };
    Ok([one(a)?, one(b)?])
}

fn parse_activation<T: Scalar>(s: Option<&str>) -> Result<Activation<T>, String> {
    let s = s.ok_or("the activation is missing")?;
    Ok(match s {
        "linear" => Activation::Linear,
        "relu" => Activation::Relu,
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        "softmax" => Activation::Softmax,
        _ => match s.strip_prefix("elu(").and_then(|r| r.strip_suffix(')')) {
            Some(a) => Activation::Elu(T::of(real("elu's alpha", Some(a))?)),
            None => return Err(format!("unknown activation {s:?}")),
        },
    })
}

/// `key value` at the iterator's position.
fn keyed<'a>(it: &mut impl Iterator<Item = &'a str>, key: &str) -> Result<Option<&'a str>, String> {
    match it.next() {
        Some(k) if k == key => Ok(it.next()),
        Some(k) => Err(format!("expected {key}, found {k:?}")),
        None => Err(format!("{key} is missing")),
    }
}

/// The blueprint of a line (see the module docs); the error says what is wrong.
pub(crate) fn parse<T: Scalar>(line: &str) -> Result<Blueprint<T>, String> {
    let mut it = line.split_whitespace();
    let b = match it.next() {
        Some("convo") => {
            let channels = number("the channels", it.next())?;
            let kernel = dims("the kernel", it.next(), false)?;
            let act = parse_activation(it.next())?;
            convo(channels, kernel, act)
                .strides(dims("the strides", keyed(&mut it, "strides")?, false)?)
                .padding(dims("the padding", keyed(&mut it, "padding")?, true)?)
                .dilation(dims("the dilation", keyed(&mut it, "dilation")?, false)?)
        }
        Some("pooling") => {
            let algo = match it.next() {
                Some("max") => PoolAlgo::Max,
                Some(a) if a == PoolAlgo::AvgIncludePadding.name() => PoolAlgo::AvgIncludePadding,
                Some(a) if a == PoolAlgo::AvgExcludePadding.name() => PoolAlgo::AvgExcludePadding,
                other => return Err(format!("unknown pooling {other:?}")),
            };
            let kernel = dims("the window", it.next(), false)?;
            pooling(kernel, algo)
                .strides(dims("the strides", keyed(&mut it, "strides")?, false)?)
                .padding(dims("the padding", keyed(&mut it, "padding")?, true)?)
        }
        Some("dense") => dense(
            number("the outputs", it.next())?,
            parse_activation(it.next())?,
        ),
        Some("dropout") => match it.next() {
            Some("bernoulli") => crate::dropout_keep(T::of(real("keep", it.next())?)),
            Some("gaussian") => crate::gaussian_dropout(T::of(real("sigma", it.next())?)),
            other => return Err(format!("unknown dropout {other:?}")),
        },
        Some("custom") => {
            return Err(format!(
                "it is a user layer ({}): build the network with its blueprint and call load",
                it.next().unwrap_or("unnamed")
            ))
        }
        other => return Err(format!("unknown layer {other:?}")),
    };
    match it.next() {
        None => Ok(b),
        Some(extra) => Err(format!("unexpected {extra:?} at the end")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{custom, dropout_keep, gaussian_dropout};

    #[test]
    fn every_blueprint_reads_back_as_itself() {
        let bps: Vec<Blueprint<f32>> = vec![
            convo(32, [3, 2], Activation::Relu)
                .strides([2, 1])
                .padding([1, 0])
                .dilation([1, 2]),
            convo(4, [5, 5], Activation::Elu(0.25)),
            pooling([2, 2], PoolAlgo::Max),
            pooling([3, 3], PoolAlgo::AvgIncludePadding)
                .strides([2, 2])
                .padding([1, 1]),
            pooling([3, 2], PoolAlgo::AvgExcludePadding),
            dense(10, Activation::Softmax),
            dense(1, Activation::Linear),
            dense(7, Activation::Tanh),
            dense(7, Activation::Sigmoid),
            dropout_keep(0.75),
            gaussian_dropout(0.5),
        ];
        for b in &bps {
            let line = spec(b);
            let back = parse::<f32>(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(spec(&back), line);
            assert_eq!(format!("{:?}", back.spec()), format!("{:?}", b.spec()));
        }
        assert_eq!(
            spec(&bps[0]),
            "convo 32 3x2 relu strides 2x1 padding 1x0 dilation 1x2"
        );
        assert_eq!(
            spec(&bps[1]),
            "convo 4 5x5 elu(0.25) strides 1x1 padding 0x0 dilation 1x1"
        );
        assert_eq!(spec(&bps[9]), "dropout bernoulli 0.75");
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let cases = [
            ("", "unknown layer None"),
            ("lstm 4", "unknown layer Some(\"lstm\")"),
            ("dense", "the outputs is missing"),
            ("dense 0 relu", "out of range"),
            ("dense 99999999999 relu", "out of range"),
            ("dense 3 swish", "unknown activation \"swish\""),
            ("dense 3 elu(nan)", "not a finite number"),
            ("dense 3 relu extra", "unexpected \"extra\""),
            (
                "convo 2 3 relu strides 1x1 padding 0x0 dilation 1x1",
                "not HxW",
            ),
            ("convo 2 3x3 relu padding 0x0", "expected strides"),
            (
                "convo 2 3x0 relu strides 1x1 padding 0x0 dilation 1x1",
                "out of range",
            ),
            ("pooling min 2x2 strides 2x2 padding 0x0", "unknown pooling"),
            ("dropout uniform 0.5", "unknown dropout"),
            ("custom gain", "user layer (gain)"),
        ];
        for (line, want) in cases {
            let e = parse::<f64>(line).map(|_| ()).unwrap_err();
            assert!(e.contains(want), "{line:?}: {e} (want {want})");
        }
        let user = custom(
            "gain",
            |_: &la_core::Factory<f64>, _: &tensor_core::Desc| unreachable!("never built here"),
        );
        assert_eq!(spec(&user), "custom gain");
    }
}
