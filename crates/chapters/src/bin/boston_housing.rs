//! "Regression: Boston housing prices": a seeded 80/20 split, features standardised
//! with the training statistics, 13-64-64-1. `cargo xtask e2e boston`; checkpoints
//! every epoch into `target/checkpoints/boston/`, `--resume` continues from the newest.

use chapters::e2e::{boston, BostonConfig};

fn main() -> std::process::ExitCode {
    chapters::e2e::report_errors(run)
}

fn run() -> Result<(), chapters::e2e::Error> {
    chapters::heading("Regression", "Boston housing prices");
    let mut cfg = BostonConfig::standard();
    cfg.run.reports = Some(chapters::e2e::target_dir().join("reports"));
    chapters::e2e::checkpoint_into(&mut cfg.run, "boston");
    let r = boston(&datasets::dir("boston"), &cfg)?;
    println!(
        "test MAE {:.3} (in $1000s), RMSE {:.3}, after {} epochs ({:.2} s training)",
        r.value, r.extra[0].1, r.epochs, r.train_seconds
    );
    if let Some(dir) = &r.report {
        println!("report: {}", dir.join("index.html").display());
    }
    println!("{}", r.line());
    Ok(())
}
