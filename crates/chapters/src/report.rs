//! Pictures of training: each end-to-end run writes a folder
//! `target/reports/<dataset>-<timestamp>/` with its curves, its confusion matrix, the
//! test images it gets wrong, and an `index.html` that shows them beside the run's
//! settings and final metrics. Charts are SVG drawn by `plotters` (no fonts or native
//! libraries needed).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::e2e::Error;

/// One epoch of a run: the training cost (the mean over its mini-batches) and, where
/// measured, the evaluation split's cost and the metric on both splits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training cost over the epoch's mini-batches.
    pub train_cost: f64,
    /// The metric (accuracy, MAE) on the training samples after the epoch.
    pub train_metric: Option<f64>,
    /// The cost on the evaluation samples after the epoch.
    pub eval_cost: Option<f64>,
    /// The metric on the evaluation samples after the epoch.
    pub eval_metric: Option<f64>,
}

/// A misclassified test image: its pixels (row-major, `side x side`, in `[0, 1]`)
/// and its true and predicted classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Misclassified {
    /// The pixels, row by row.
    pub pixels: Vec<f32>,
    /// The image's side in pixels.
    pub side: usize,
    /// The true class.
    pub actual: usize,
    /// The network's class.
    pub predicted: usize,
    /// The network's probability for its class.
    pub probability: f64,
}

/// Everything one run's report shows.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// The dataset, e.g. `MNIST` (the folder's name is made from it).
    pub dataset: String,
    /// A title, e.g. `MNIST 784-512-10`.
    pub title: String,
    /// The run's settings (name, value), shown as a table.
    pub settings: Vec<(String, String)>,
    /// The final metrics (name, value).
    pub metrics: Vec<(String, f64)>,
    /// The metric the curves show (`accuracy`, `MAE`).
    pub metric_name: String,
    /// What the evaluation split is (`validation`, `test`).
    pub eval_name: String,
    /// Per-epoch records.
    pub history: Vec<EpochRecord>,
    /// Class names (for the confusion matrix).
    pub classes: Vec<String>,
    /// The confusion matrix on the test set, `counts[actual][predicted]`.
    pub confusion: Option<Vec<Vec<usize>>>,
    /// Some test images the network gets wrong.
    pub misclassified: Vec<Misclassified>,
}

/// The files a report holds: `index.html` and these charts (those that apply).
pub const CHARTS: [&str; 4] = [
    "cost.svg",
    "metric.svg",
    "confusion.svg",
    "misclassified.svg",
];

impl RunReport {
    /// Writes the report into a new folder `<root>/<dataset>-<UTC timestamp>/` and
    /// returns its path. Charts without data (no confusion matrix for a regression,
    /// no images for text) are left out, and so are their sections of `index.html`.
    pub fn write(&self, root: &Path) -> std::result::Result<PathBuf, Error> {
        let dir = new_dir(root, &slug(&self.dataset))?;
        let mut charts = vec![];
        if !self.history.is_empty() {
            let cost = curves(
                &format!("{}: cost per epoch", self.title),
                "cost",
                &[
                    ("training (mean over the epoch)", &|r| Some(r.train_cost)),
                    (&self.eval_name, &|r| r.eval_cost),
                ],
                &self.history,
            )?;
            charts.push(("cost.svg", "Cost per epoch".to_string(), cost));
            if self
                .history
                .iter()
                .any(|r| r.train_metric.is_some() || r.eval_metric.is_some())
            {
                let metric = curves(
                    &format!("{}: {} per epoch", self.title, self.metric_name),
                    &self.metric_name,
                    &[
                        ("training", &|r| r.train_metric),
                        (&self.eval_name, &|r| r.eval_metric),
                    ],
                    &self.history,
                )?;
                let title = format!("{} per epoch", capitalise(&self.metric_name));
                charts.push(("metric.svg", title, metric));
            }
        }
        if let Some(counts) = &self.confusion {
            let svg = confusion(
                &format!("{}: confusion matrix (test set)", self.title),
                counts,
                &self.classes,
            )?;
            charts.push(("confusion.svg", "Confusion matrix (test set)".into(), svg));
        }
        if !self.misclassified.is_empty() {
            let svg = misclassified(&self.misclassified, &self.classes)?;
            charts.push(("misclassified.svg", "Misclassified test images".into(), svg));
        }
        for (file, _, svg) in &charts {
            la_core::atomic_file::write_atomic(dir.join(file), svg.as_bytes())?;
        }
        la_core::atomic_file::write_atomic(dir.join("index.html"), self.html(&charts).as_bytes())?;
        Ok(dir)
    }

    fn html(&self, charts: &[(&str, String, String)]) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\
             <style>body{{font-family:sans-serif;margin:2em;max-width:70em}}\
             table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left}}\
             img{{max-width:100%;border:1px solid #eee;margin:0.5em 0}}</style></head><body>\n\
             <h1>{t}</h1>\n<h2>Final metrics</h2>\n<table>\n",
            t = escape(&self.title)
        );
        for (k, v) in &self.metrics {
            let _ = writeln!(h, "<tr><th>{}</th><td>{v:.4}</td></tr>", escape(k));
        }
        h.push_str("</table>\n<h2>Settings</h2>\n<table>\n");
        for (k, v) in &self.settings {
            let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
        }
        h.push_str("</table>\n");
        for (file, title, _) in charts {
            let _ = writeln!(
                h,
                "<h2>{}</h2>\n<img src=\"{file}\" alt=\"{}\">",
                escape(title),
                escape(title)
            );
        }
        if let Some(last) = self.history.last() {
            h.push_str("<h2>Per epoch</h2>\n<table>\n<tr><th>epoch</th><th>training cost</th>");
            let _ = writeln!(
                h,
                "<th>training {m}</th><th>{e} cost</th><th>{e} {m}</th></tr>",
                m = escape(&self.metric_name),
                e = escape(&self.eval_name)
            );
            let cell = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4}"));
            for r in &self.history {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    r.epoch,
                    r.train_cost,
                    cell(r.train_metric),
                    cell(r.eval_cost),
                    cell(r.eval_metric)
                );
            }
            let _ = writeln!(h, "</table>\n<p>{} epochs.</p>", last.epoch);
        }
        h.push_str("</body></html>\n");
        h
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `MNIST (Adam)` → `mnist-adam`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "run".into()
    } else {
        out
    }
}

/// Creates `<root>/<name>-<YYYYMMDD-HHMMSS>` (UTC), with `-2`, `-3`, … when two runs
/// start in the same second.
fn new_dir(root: &Path, name: &str) -> std::result::Result<PathBuf, Error> {
    std::fs::create_dir_all(root)?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let base = format!("{name}-{}", utc_stamp(secs));
    for k in 1.. {
        let dir = root.join(if k == 1 {
            base.clone()
        } else {
            format!("{base}-{k}")
        });
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", dir.display()).into()),
        }
    }
    unreachable!("the loop returns")
}

/// `YYYYMMDD-HHMMSS` of a Unix time (UTC; Howard Hinnant's civil-from-days).
pub fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn plot_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    format!("drawing a chart: {e}").into()
}

type Series<'a> = (&'a str, &'a dyn Fn(&EpochRecord) -> Option<f64>);

/// A line chart of the given series over the epochs (series without data are left
/// out; non-finite values are skipped).
fn curves(
    title: &str,
    y_name: &str,
    series: &[Series<'_>],
    history: &[EpochRecord],
) -> std::result::Result<String, Error> {
    let points: Vec<(&str, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(name, f)| {
            let p = history
                .iter()
                .filter_map(|r| f(r).filter(|v| v.is_finite()).map(|v| (r.epoch as f64, v)))
                .collect();
            (*name, p)
        })
        .filter(|(_, p): &(&str, Vec<_>)| !p.is_empty())
        .collect();
    let ys = points.iter().flat_map(|(_, p)| p.iter().map(|q| q.1));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    let last = history.last().map_or(1, |r| r.epoch).max(2) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(1.0..last, (lo - pad)..(hi + pad))
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(y_name)
            .draw()
            .map_err(plot_err)?;
        let colours = [BLUE, RED, GREEN, MAGENTA];
        for (k, (name, p)) in points.into_iter().enumerate() {
            let c = colours[k % colours.len()];
            chart
                .draw_series(LineSeries::new(p.iter().copied(), c.stroke_width(2)))
                .map_err(plot_err)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
            if p.len() <= 60 {
                chart
                    .draw_series(p.iter().map(|&q| Circle::new(q, 3, c.filled())))
                    .map_err(plot_err)?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The confusion matrix as a heat map: each row (actual class) shaded by the fraction
/// of its samples in each column (predicted class), with the counts written in.
fn confusion(
    title: &str,
    counts: &[Vec<usize>],
    classes: &[String],
) -> std::result::Result<String, Error> {
    let k = counts.len();
    if k == 0 {
        return Err("a confusion matrix with no classes".into());
    }
    let name = |c: usize| classes.get(c).cloned().unwrap_or_else(|| c.to_string());
    let mut svg = String::new();
    {
        let side = 60 + 52 * k as u32;
        let root = SVGBackend::with_string(&mut svg, (side + 150, side + 60)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(100)
            // an integer range holds both ends: 0..k-1 has k segments
            .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())
            .map_err(plot_err)?;
        // class names at the cells' centres; row 0 (the first class) at the top
        let label = |v: &SegmentValue<usize>, flip: bool| match v {
            SegmentValue::CenterOf(i) if *i < k => name(if flip { k - 1 - *i } else { *i }),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(k)
            .y_labels(k)
            .x_desc("predicted")
            .y_desc("actual")
            .x_label_formatter(&|v| label(v, false))
            .y_label_formatter(&|v| label(v, true))
            .draw()
            .map_err(plot_err)?;
        for (i, row) in counts.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            let y = k - 1 - i;
            for (j, &c) in row.iter().enumerate() {
                let f = c as f64 / total;
                let shade = |full: f64| (255.0 - (255.0 - full) * f.sqrt()) as u8;
                let colour = RGBColor(shade(8.0), shade(48.0), shade(107.0));
                let (lo, hi) = (
                    (SegmentValue::Exact(j), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(j + 1), SegmentValue::Exact(y + 1)),
                );
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [lo.clone(), hi.clone()],
                        colour.filled(),
                    )))
                    .map_err(plot_err)?;
                let ink = if f > 0.4 { WHITE } else { BLACK };
                let style = TextStyle::from(("sans-serif", 12).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let (px, py) = chart.backend_coord(&lo);
                let (qx, qy) = chart.backend_coord(&hi);
                root.draw_text(&c.to_string(), &style, ((px + qx) / 2, (py + qy) / 2))
                    .map_err(plot_err)?;
            }
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A grid of misclassified images, each captioned `actual → predicted (p)`.
fn misclassified(
    images: &[Misclassified],
    classes: &[String],
) -> std::result::Result<String, Error> {
    let name = |c: usize| classes.get(c).cloned().unwrap_or_else(|| c.to_string());
    let cols = 8.min(images.len()).max(1);
    let rows = images.len().div_ceil(cols);
    let (cell_w, cell_h, scale) = (120i32, 128i32, 3i32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(
            &mut svg,
            (
                cols as u32 * cell_w as u32,
                rows as u32 * cell_h as u32 + 30,
            ),
        )
        .into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        root.draw_text(
            "misclassified test images: actual → predicted (probability)",
            &TextStyle::from(("sans-serif", 16).into_font()),
            (8, 6),
        )
        .map_err(plot_err)?;
        for (n, img) in images.iter().enumerate() {
            let (x0, y0) = (
                (n % cols) as i32 * cell_w + 8,
                (n / cols) as i32 * cell_h + 30,
            );
            let s = img.side as i32 * scale;
            root.draw(&Rectangle::new(
                [(x0, y0), (x0 + s, y0 + s)],
                BLACK.filled(),
            ))
            .map_err(plot_err)?;
            for (p, &v) in img.pixels.iter().enumerate() {
                if v > 0.04 {
                    let g = (v.clamp(0.0, 1.0) * 255.0) as u8;
                    let (r, c) = ((p / img.side) as i32, (p % img.side) as i32);
                    let (x, y) = (x0 + c * scale, y0 + r * scale);
                    root.draw(&Rectangle::new(
                        [(x, y), (x + scale, y + scale)],
                        RGBColor(g, g, g).filled(),
                    ))
                    .map_err(plot_err)?;
                }
            }
            let caption = format!(
                "{} → {} ({:.2})",
                name(img.actual),
                name(img.predicted),
                img.probability
            );
            root.draw_text(
                &caption,
                &TextStyle::from(("sans-serif", 11).into_font()),
                (x0, y0 + s + 4),
            )
            .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps_are_calendar_dates() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000"); // a leap day
        assert_eq!(utc_stamp(1_796_353_199), "20261204-025959");
    }

    #[test]
    fn slugs_are_folder_names() {
        assert_eq!(
            slug("IMDB (Adam, dropout 0.5, η 0.001)"),
            "imdb-adam-dropout-0-5-0-001"
        );
        assert_eq!(slug("Fashion-MNIST"), "fashion-mnist");
        assert_eq!(slug("η"), "run");
    }
}
