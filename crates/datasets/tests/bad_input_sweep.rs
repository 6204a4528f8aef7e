//! The bad-input sweep of datasets: host arrays, encodings, splits, vocabularies and
//! every parser and loader with wrong sizes, out-of-range indices, NaN fractions and
//! damaged or missing files, under `catch_unwind`. Any panic fails; bad input must be
//! an error.

use std::path::Path;

use datasets::{
    one_hot, parse_boston, parse_csv, read_acl_dir, read_acl_tar, read_maybe_gz, split_indices,
    HostMatrix, Idx, Standardizer, Tokenizer, Verify, Vocabulary,
};
use la_core::sweep::Sweep;

#[test]
fn datasets_bad_input_sweep() {
    let mut s = Sweep::new("datasets");
    let p = Path::new("sweep");

    // Host arrays.
    s.rejects("HostMatrix::new(2x3, 5 values)", || {
        HostMatrix::new(2, 3, vec![0.0; 5])
    });
    s.rejects("HostMatrix::zeros(2^32, 2^32)", || {
        HostMatrix::zeros(1 << 32, 1 << 32)
    });
    s.rejects("HostMatrix::zeros(usize::MAX, 2)", || {
        HostMatrix::zeros(usize::MAX, 2)
    });
    let m = HostMatrix::new(2, 3, (0..6).map(|v| v as f32).collect()).unwrap();
    s.rejects("try_col(3) of 3", || m.try_col(3).map(<[f32]>::len));
    s.rejects("select([0, 3])", || m.select(&[0, 3]));
    s.no_panic("select([])", || m.select(&[]));
    s.rejects("one_hot(classes 0)", || one_hot(&[0, 1], 0));
    s.rejects("one_hot(label 10 of 10 classes)", || one_hot(&[0, 10], 10));

    // Splits and standardisation.
    for frac in [f64::NAN, -0.1, 1.5, f64::INFINITY] {
        s.rejects(format!("split_indices(10, {frac})"), || {
            split_indices(10, frac, 1)
        });
    }
    s.no_panic("split_indices(0, 0.2)", || split_indices(0, 0.2, 1));
    let samples = datasets::regression(10, 1);
    s.rejects("Samples::split(1.5)", || samples.split(1.5, 1).map(drop));
    s.rejects("Samples::select([10])", || samples.select(&[10]).map(drop));
    let st = Standardizer::fit(&m);
    let mut wrong = HostMatrix::zeros(3, 2).unwrap();
    s.rejects("Standardizer(2 rows).apply(3 rows)", || {
        st.apply(&mut wrong)
    });
    let constant = HostMatrix::new(1, 3, vec![5.0; 3]).unwrap();
    let mut c2 = constant.clone();
    s.no_panic("Standardizer of a constant row", || {
        Standardizer::fit(&constant).apply(&mut c2)
    });
    let nan = HostMatrix::new(1, 2, vec![f32::NAN, 1.0]).unwrap();
    let mut n2 = nan.clone();
    s.no_panic("Standardizer of NaN", || {
        Standardizer::fit(&nan).apply(&mut n2)
    });

    // Vocabularies and multi-hot encodings.
    s.rejects("Vocabulary::build(size 0)", || {
        Vocabulary::build(&["a b"], 0, Tokenizer::Plain).map(drop)
    });
    s.no_panic("Vocabulary::build(no texts)", || {
        Vocabulary::build(&[], 10, Tokenizer::Clean).map(drop)
    });
    let v = Vocabulary::build(&["a b c", "<br />!!"], 10, Tokenizer::Clean).unwrap();
    let mh = v.encode(&["a", "", "zzz"]);
    s.rejects("MultiHot::try_indices(3) of 3", || {
        mh.try_indices(3).map(<[u32]>::len)
    });
    s.rejects("MultiHot::select([5])", || mh.select(&[5]).map(drop));
    s.no_panic("decode_review(out-of-vocabulary indices)", || {
        Ok::<_, datasets::Error>(v.decode_review(&[0, 999, u32::MAX]))
    });

    // Parsers on damaged input.
    let idx_cases: [(&str, &[u8]); 5] = [
        ("empty", &[]),
        ("magic only", &[0, 0, 8, 1]),
        ("rank 0", &[0, 0, 8, 0]),
        (
            "dims overflow",
            &[
                0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
            ],
        ),
        ("wrong type code", &[0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
    ];
    for (name, b) in idx_cases {
        s.rejects(format!("Idx::parse({name})"), || Idx::parse(b, p).map(drop));
    }
    for (name, b) in [
        ("empty", &b""[..]),
        ("no label column", b"type,review\ntrain,x\n"),
        ("bad label", b"type,review,label\ntrain,x,maybe\n"),
        ("unterminated quote", b"type,review,label\ntrain,\"x,pos\n"),
        ("invalid utf-8", b"type,review,label\ntrain,\xff\xfe,pos\n"),
    ] {
        s.rejects(format!("parse_csv({name})"), || parse_csv(b, p).map(drop));
    }
    for (name, b) in [
        ("empty", &b""[..]),
        ("header only", b"A,MEDV\n"),
        ("ragged row", b"A,B,MEDV\n1,2\n"),
        ("NaN-like text", b"A,MEDV\nnan?,1\n"),
        ("NaN", b"A,MEDV\nNaN,1\n"),
        ("inf target", b"A,MEDV\n1,inf\n"),
        ("count line lies", b"5,1\nA,MEDV\n1,2\n"),
    ] {
        s.rejects(format!("parse_boston({name})"), || {
            parse_boston(b, p).map(drop)
        });
    }

    // Loaders on missing and damaged files.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    s.rejects("mnist(empty dir)", || datasets::mnist(d).map(drop));
    s.rejects("fashion_mnist(empty dir)", || {
        datasets::fashion_mnist(d).map(drop)
    });
    s.rejects("imdb(empty dir)", || datasets::imdb(d).map(drop));
    s.rejects("boston(empty dir)", || datasets::boston(d).map(drop));
    s.rejects("read_acl_dir(missing)", || {
        read_acl_dir(&d.join("aclImdb")).map(drop)
    });
    std::fs::write(d.join("aclImdb_v1.tar.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap();
    s.rejects("read_acl_tar(damaged)", || {
        read_acl_tar(&d.join("aclImdb_v1.tar.gz")).map(drop)
    });
    s.rejects("read_maybe_gz(a directory)", || read_maybe_gz(d, "mnist"));
    std::fs::write(d.join("train-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 1]).unwrap();
    s.rejects("mnist_with(truncated raw IDX, Skip)", || {
        datasets::mnist_with(d, Verify::Skip).map(drop)
    });
    s.finish();
}
