//! `cargo xtask <command>`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `test`     — the whole suite (with `DLFP_REQUIRE_OPENCL=1` unless set: a missing
//!   OpenCL platform fails the OpenCL tests): `cargo fmt --check`, clippy with `-D warnings`, all
//!   tests (unit, integration, doc) of the workspace, the allocation tests again in
//!   the release profile, and rustdoc with `-D warnings`.
//!   This is what CI runs.
//! - `examples` — runs every chapter example (the `examples` profile: optimised, no LTO).
//! - `bench`    — prints the benchmark table (release build, all cores).
//! - `bench --peers [WORKLOADS…]` — the table and `../shared/peers` (PyTorch, JAX) in one
//!   session, two passes each, alternating, with each workload's ratio to the best peer.
//! - `setup mkl` — installs Intel MKL offline-capable from PyPI (`pip install --no-deps
//!   --prefix target/mkl mkl`); idempotent. `test` runs it first.
//! - `setup nvrtc` — unpacks CUDA's run-time compiler from its PyPI wheel
//!   (`pip download --no-deps nvidia-cuda-nvrtc`) into `target/nvrtc`, so the CUDA
//!   kernels are compiled (not run) on machines without a GPU; idempotent. `test` runs
//!   it first and puts its `lib` folder on `LD_LIBRARY_PATH`.
//! - `fetch-datasets [NAMES…] [--from DIR]` — downloads `mnist`, `fashion-mnist`, `imdb`,
//!   `boston` (all by default) into `datasets/` (or `$DLFP_DATASETS`), or copies them from
//!   a local mirror such as `../shared/datasets`; verifies checksums; idempotent.
//! - `e2e [NAMES…] [--resume]` — the end-to-end chapter examples on the real data
//!   (`imdb`, `boston`, `mnist`, `fashion-mnist`, `mnist-cnn`), with a results table;
//!   every run checkpoints each epoch into `target/checkpoints/` and `--resume`
//!   continues each from its newest checkpoint.
//! - `predict mnist|fashion-mnist <index | image.png>`, `predict imdb "<text>"` — runs
//!   a network `e2e` saved under `target/models/`.
//! - `package`  — `cargo package --no-verify` of every library crate (part of `test`).
//! - `doctor`   — which native libraries are found (MKL, OpenBLAS, OpenCL/CLBlast,
//!   oneDNN, CUDA, cuDNN), their versions, and what to install for the missing ones.

mod doctor;
mod fetch;

use std::process::{Command, ExitCode};

const CHAPTERS: &[&str] = &[
    "representing_layers",
    "bias_and_activation",
    "fully_connected_inference",
    "batch_processing",
    "sharing_memory",
    "gpu_computing",
    "backward_pass",
    "learning_a_known_function",
    "optimizers",
    "tensors",
    "tensor_transformations",
    "tensor_networks",
    "convolution_operation",
    "convolutional_layers",
    "cudnn_tensors",
];

/// Debian's libclang (package libclang1-14), which nn-dist's rsmpi needs for bindgen,
/// when it is installed.
fn libclang_path() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from("/usr/lib/x86_64-linux-gnu/libclang-14.so.1");
    p.exists().then_some(p)
}

/// The environment every cargo we start gets: PoCL caches compiled kernels under
/// `target/` (a cold cache costs seconds per kernel), and the test suite requires
/// OpenCL unless the caller says otherwise (`DLFP_REQUIRE_OPENCL=0`).
fn env() -> Vec<(&'static str, String)> {
    let cache = root().join("target").join("pocl-cache");
    let mut vars = vec![];
    if std::env::var_os("DLFP_MKL_DIR").is_none() && std::env::var_os("MKLROOT").is_none() {
        vars.push(("DLFP_MKL_DIR", mkl_prefix().display().to_string()));
    }
    if std::env::var_os("LIBCLANG_PATH").is_none() {
        if let Some(p) = libclang_path() {
            vars.push(("LIBCLANG_PATH", p.display().to_string()));
        }
    }
    let lib = nvrtc_lib();
    if lib.exists() {
        let old = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
        let joined = if old.is_empty() {
            lib.display().to_string()
        } else {
            format!("{}:{old}", lib.display())
        };
        vars.push(("LD_LIBRARY_PATH", joined));
    }
    for var in [
        "DLFP_REQUIRE_NVRTC",
        "DLFP_REQUIRE_MKL",
        "DLFP_REQUIRE_OPENBLAS",
        "DLFP_REQUIRE_MPI",
        "DLFP_REQUIRE_DNNL",
    ] {
        if std::env::var_os(var).is_none() {
            vars.push((var, "1".to_string()));
        }
    }
    if std::env::var_os("POCL_CACHE_DIR").is_none() {
        vars.push(("POCL_CACHE_DIR", cache.display().to_string()));
    }
    if std::env::var_os("DLFP_REQUIRE_OPENCL").is_none() {
        vars.push(("DLFP_REQUIRE_OPENCL", "1".to_string()));
    }
    vars
}

/// The workspace root.
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the datasets go: `$DLFP_DATASETS`, else the workspace's `datasets/` (where
/// the `datasets` crate looks for them).
fn datasets_root() -> std::path::PathBuf {
    std::env::var_os("DLFP_DATASETS").map_or_else(|| root().join("datasets"), Into::into)
}

/// Where `setup mkl` installs MKL.
pub(crate) fn mkl_prefix() -> std::path::PathBuf {
    root().join("target").join("mkl")
}

/// Installs Intel MKL's runtime from its PyPI wheel into `target/mkl` (skipped when present).
fn setup_mkl() -> Result<(), String> {
    let prefix = mkl_prefix();
    if prefix.join("lib").join("libmkl_rt.so.3").exists()
        || prefix.join("lib").join("libmkl_rt.so.2").exists()
    {
        println!("MKL already installed in {}", prefix.display());
        return Ok(());
    }
    println!(
        "installing Intel MKL (PyPI wheel `mkl`, ~220 MB) into {}",
        prefix.display()
    );
    let status = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "--no-deps", "--prefix"])
        .arg(&prefix)
        .arg("mkl")
        .status()
        .map_err(|e| format!("cannot run python3 -m pip ({e}); install Python 3 with pip"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("pip install mkl failed ({status})"))
    }
}

/// The NVRTC wheel `setup nvrtc` unpacks (CUDA 13's compiler; it builds for sm_75
/// and newer). Pinned so CI compiles with the compiler this project was checked with.
const NVRTC_WHEEL: &str = "nvidia-cuda-nvrtc==13.5.37";

/// Where `setup nvrtc` unpacks the wheel.
fn nvrtc_prefix() -> std::path::PathBuf {
    root().join("target").join("nvrtc")
}

/// The folder holding `libnvrtc.so.13` once `setup nvrtc` has run.
pub(crate) fn nvrtc_lib() -> std::path::PathBuf {
    nvrtc_prefix().join("nvidia").join("cu13").join("lib")
}

/// Downloads CUDA's run-time compiler (PyPI wheel, ~58 MB, no GPU needed) and unpacks
/// it into `target/nvrtc` (skipped when present).
fn setup_nvrtc() -> Result<(), String> {
    let prefix = nvrtc_prefix();
    let lib = nvrtc_lib();
    if lib.join("libnvrtc.so.13").exists() {
        println!("NVRTC already unpacked in {}", prefix.display());
        return Ok(());
    }
    println!(
        "downloading NVRTC (PyPI wheel {NVRTC_WHEEL}, ~58 MB) into {}",
        prefix.display()
    );
    let wheels = prefix.join("wheel");
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--quiet", "--no-deps", "--dest"])
        .arg(&wheels)
        .arg(NVRTC_WHEEL)
        .status()
        .map_err(|e| format!("cannot run python3 -m pip ({e}); install Python 3 with pip"))?;
    if !status.success() {
        return Err(format!("pip download {NVRTC_WHEEL} failed ({status})"));
    }
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| format!("{}: {e}", wheels.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("no wheel in {}", wheels.display()))?;
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(&prefix)
        .status()
        .map_err(|e| format!("cannot run python3 -m zipfile ({e})"))?;
    let _ = std::fs::remove_dir_all(&wheels);
    if status.success() && lib.join("libnvrtc.so.13").exists() {
        Ok(())
    } else {
        Err(format!("unpacking {} failed ({status})", wheel.display()))
    }
}

fn cargo(args: &[&str]) -> Result<(), String> {
    println!("\n$ cargo {}", args.join(" "));
    let status = Command::new(env!("CARGO"))
        .args(args)
        .envs(env())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn test() -> Result<(), String> {
    if std::env::var("DLFP_REQUIRE_MKL").as_deref() != Ok("0") {
        setup_mkl()?;
    }
    if std::env::var("DLFP_REQUIRE_NVRTC").as_deref() != Ok("0") {
        setup_nvrtc()?;
    }
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["test", "--workspace", "--all-targets"])?;
    cargo(&["test", "--workspace", "--doc"])?;
    // "Never allocate in the loop" must hold in the optimised builds users run, too.
    cargo(&[
        "test",
        "--release",
        "-p",
        "nn-inference",
        "-p",
        "nn-train",
        "-p",
        "nn-dnn",
        "-p",
        "nn-dist",
        "--test",
        "no_alloc",
    ])?;
    // Every library crate packages (metadata, readme, licence files, versioned deps).
    package()?;
    println!("\n$ RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --all-features");
    let status = Command::new(env!("CARGO"))
        .args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo doc` failed ({status})"));
    }
    Ok(())
}

/// Runs every chapter in the `examples` profile (optimised, no LTO). Each `cargo run`
/// builds only its own binary, so the first chapter prints as soon as the libraries
/// and one binary are built, not after all fifteen.
fn examples() -> Result<(), String> {
    let start = std::time::Instant::now();
    for bin in CHAPTERS {
        cargo(&run_chapter(bin, "examples"))?;
    }
    println!(
        "\nall {} chapters ran in {:.0} s (build included)",
        CHAPTERS.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo` arguments that run one chapter binary in `profile`.
fn run_chapter<'a>(bin: &'a str, profile: &'a str) -> [&'a str; 8] {
    [
        "run",
        "--quiet",
        "--profile",
        profile,
        "-p",
        "chapters",
        "--bin",
        bin,
    ]
}

/// The end-to-end examples `cargo xtask e2e` runs: (name, chapter binary).
const E2E: &[(&str, &str)] = &[
    ("imdb", "imdb_sentiments"),
    ("boston", "boston_housing"),
    ("mnist", "mnist_digits"),
    ("fashion-mnist", "fashion_mnist_cnn"),
    ("mnist-cnn", "mnist_cnn"),
];

/// Runs the end-to-end chapter binaries on the real data (all, or those named),
/// echoing their output, then prints the table of their `E2E|…` lines.
fn e2e(args: &[String]) -> Result<(), String> {
    use std::io::BufRead;
    let resume = args.iter().any(|a| a == "--resume");
    let names: Vec<String> = args.iter().filter(|a| *a != "--resume").cloned().collect();
    let known: Vec<&str> = E2E.iter().map(|(n, _)| *n).collect();
    if let Some(bad) = names.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(format!(
            "unknown e2e run `{bad}` (known: {})",
            known.join(", ")
        ));
    }
    cargo(&["build", "--release", "-p", "chapters", "--bins"])?;
    let mut rows = vec![];
    for (name, bin) in E2E {
        if !names.is_empty() && !names.iter().any(|n| n == name) {
            continue;
        }
        // every run checkpoints each epoch into target/checkpoints/ and can resume
        let extra: &[&str] = if resume { &["--", "--resume"] } else { &[] };
        println!(
            "\n$ cargo run --release -p chapters --bin {bin}{}",
            if extra.is_empty() { "" } else { " -- --resume" }
        );
        let mut child = Command::new(env!("CARGO"))
            .args(run_chapter(bin, "release"))
            .args(extra)
            .envs(env())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let out = child.stdout.take().expect("piped");
        for line in std::io::BufReader::new(out).lines() {
            let line = line.map_err(|e| format!("{bin}: {e}"))?;
            match line.strip_prefix("E2E|") {
                Some(row) => rows.push(row.split('|').map(str::to_string).collect::<Vec<_>>()),
                None => println!("{line}"),
            }
        }
        let status = child.wait().map_err(|e| format!("{bin}: {e}"))?;
        if !status.success() {
            return Err(format!("`{bin}` failed ({status}); if data is missing, run `cargo xtask fetch-datasets {name}`"));
        }
    }
    println!("\n| dataset | network | epochs | metric | training time |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!("| {} |", r.join(" | "));
    }
    Ok(())
}

/// `predict …`: runs the chapters' `predict` binary (release, as e2e built it) on a
/// saved network.
fn predict(args: &[String]) -> Result<(), String> {
    let mut cmd = vec![
        "run",
        "--quiet",
        "--release",
        "-p",
        "chapters",
        "--bin",
        "predict",
        "--",
    ];
    cmd.extend(args.iter().map(String::as_str));
    let status = Command::new(env!("CARGO"))
        .args(&cmd)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("predict failed ({status})"))
    }
}

/// The library crates a user can depend on (the rest are examples and tools).
const LIBRARIES: &[&str] = &[
    "la-core",
    "la-mkl",
    "la-opencl",
    "la-cuda",
    "tensor-core",
    "tensor-dnnl",
    "tensor-cudnn",
    "tensor-opencl",
    "nn-core",
    "nn-inference",
    "nn-train",
    "nn-dnn",
    "nn-dist",
    "datasets",
];

/// `cargo package --no-verify` of every library crate, in one workspace run so the
/// crates resolve each other before any is published.
fn package() -> Result<(), String> {
    let mut args = vec!["package", "--no-verify", "--allow-dirty"];
    for p in LIBRARIES {
        args.extend(["-p", p]);
    }
    cargo(&args)
}

fn bench(args: &[String]) -> Result<(), String> {
    setup_mkl()?;
    match args.first().map(String::as_str) {
        None => cargo(&["run", "--quiet", "--release", "-p", "dlfp-benches"]),
        Some("--peers") => bench_peers(&args[1..]),
        Some(other) => Err(format!(
            "bench: unknown option {other} (known: --peers [WORKLOADS..])"
        )),
    }
}

/// The value of `"key": ...` in one JSON line of the peer scripts (flat strings and
/// numbers are all this needs).
fn json_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = &line[line.find(&format!("\"{key}\":"))? + key.len() + 3..];
    let rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix('"') {
        r.split('"').next()
    } else {
        rest.split([',', '}']).next().map(str::trim)
    }
}

/// `bench --peers [WORKLOADS..]`: the peer scripts (`../shared/peers/run.sh`, PyTorch
/// and JAX in `target/peers-venv`, made on first use) and our table, alternating, two
/// passes each, all in one session; prints each workload's median for us and every
/// peer and the ratio to the best peer.
fn bench_peers(workloads: &[String]) -> Result<(), String> {
    let script = root().join("../shared/peers/run.sh");
    if !script.exists() {
        return Err(format!(
            "bench --peers: {} not found (the peer scripts live beside the repository)",
            script.display()
        ));
    }
    let venv = root().join("target/peers-venv");
    let run_peers = || -> Result<Vec<(String, String, f64)>, String> {
        let out = Command::new("bash")
            .arg(&script)
            .arg(&venv)
            .args(workloads)
            .current_dir(root())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!("{} failed ({})", script.display(), out.status));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let peer = json_field(l, "peer")?.to_string();
                let work = json_field(l, "workload")?.to_string();
                let secs = json_field(l, "seconds_median")?.parse().ok()?;
                Some((peer, work, secs))
            })
            .collect())
    };
    // Two passes each, alternating, so that neither side always runs right after the
    // other (a process that frees gigabytes leaves the next one slower for a while).
    let record = root().join("target/bench-ours.txt");
    let _ = std::fs::remove_file(&record);
    let mut peers = Vec::new();
    for pass in ["first", "second"] {
        println!("peers, {pass} pass ...");
        peers.extend(run_peers()?);
        println!("ours, {pass} pass ...");
        let status = Command::new(env!("CARGO"))
            .args(["run", "--quiet", "--release", "-p", "dlfp-benches"])
            .envs(env())
            .env("DLFP_BENCH_RECORD", &record)
            .current_dir(root())
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("the benchmark table failed ({status})"));
        }
    }
    let ours: Vec<(String, f64)> = std::fs::read_to_string(&record)
        .map_err(|e| format!("{}: {e}", record.display()))?
        .lines()
        .filter_map(|l| {
            let (w, s) = l.split_once(' ')?;
            Some((w.to_string(), s.parse().ok()?))
        })
        .collect();
    let mut names: Vec<String> = peers.iter().map(|p| p.0.clone()).collect();
    names.sort();
    names.dedup();
    println!("\nseconds (the median of each side's two passes), ours ÷ best peer\n");
    println!(
        "| workload | ours | {} | ours ÷ best peer |",
        names.join(" | ")
    );
    println!("|---|---|{}---|", "---|".repeat(names.len()));
    let mut works: Vec<&str> = peers.iter().map(|p| p.1.as_str()).collect();
    works.sort();
    works.dedup();
    for w in works {
        let ours = median(ours.iter().filter(|o| o.0 == w).map(|o| o.1));
        let theirs: Vec<Option<f64>> = names
            .iter()
            .map(|n| median(peers.iter().filter(|p| &p.0 == n && p.1 == w).map(|p| p.2)))
            .collect();
        let best = theirs
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let ratio = match ours {
            Some(o) if best.is_finite() => format!("{:.2}", o / best),
            _ => "—".into(),
        };
        let cells: Vec<String> = theirs
            .iter()
            .map(|t| t.map_or("—".into(), fmt_secs))
            .collect();
        println!(
            "| {w} | {} | {} | {ratio} |",
            ours.map_or("—".into(), fmt_secs),
            cells.join(" | ")
        );
    }
    Ok(())
}

/// The median of `v` (the mean of the middle two for an even count); `None` if empty.
fn median(v: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = v.collect();
    v.sort_by(f64::total_cmp);
    let k = v.len();
    match k {
        0 => None,
        _ if k % 2 == 1 => Some(v[k / 2]),
        _ => Some((v[k / 2 - 1] + v[k / 2]) / 2.0),
    }
}

fn fmt_secs(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn usage() {
    eprintln!(
        "usage: cargo xtask <command>\n\n\
         commands:\n  \
         test       fmt check, clippy -D warnings, all tests (what CI runs)\n  \
         examples   run every chapter example\n  \
         bench      print the benchmark table (GFLOP/s, ratio to peak, targets)\n  \
         bench --peers [WORKLOADS..]\n             \
         the table beside PyTorch and JAX (../shared/peers) in one session, with ratios\n  \
         setup mkl  install Intel MKL from PyPI into target/mkl (offline-capable mirror: pip)\n  \
         setup nvrtc  unpack CUDA's compiler (PyPI wheel) into target/nvrtc: CUDA kernels compile without a GPU\n  \
         doctor     report which native libraries are found and what to install\n  \
         fetch-datasets [NAMES..] [--from DIR]\n             \
         download (or copy from the mirror DIR) and verify mnist, fashion-mnist, imdb, boston\n  \
         e2e [NAMES..] [--resume]  train on the real data (imdb, boston, mnist, fashion-mnist, mnist-cnn) and print the\n             \
         results table; each run writes a report (target/reports/) and saves its network (target/models/);\n             \
         each run checkpoints every epoch (target/checkpoints/), --resume continues interrupted ones\n  \
         predict mnist|fashion-mnist <TEST-INDEX | IMAGE.png>,  predict imdb \"<review>\"\n             \
         run a network that e2e saved\n  \
         package    `cargo package --no-verify` of every library crate (what users depend on)"
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("examples") => examples(),
        Some("bench") => bench(&args[1..]),
        Some("setup") => match args.get(1).map(String::as_str) {
            Some("mkl") => setup_mkl(),
            Some("nvrtc") => setup_nvrtc(),
            other => Err(format!(
                "setup: unknown target {other:?} (known: mkl, nvrtc)"
            )),
        },
        Some("fetch-datasets") => fetch::run(&args[1..], &datasets_root()),
        Some("e2e") => e2e(&args[1..]),
        Some("predict") => predict(&args[1..]),
        Some("package") => package(),
        Some("doctor") => {
            doctor::run();
            Ok(())
        }
        Some("help") | Some("--help") | Some("-h") => {
            usage();
            Ok(())
        }
        Some(other) => {
            usage();
            Err(format!("unknown command `{other}`"))
        }
        None => {
            usage();
            Err("no command given".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
