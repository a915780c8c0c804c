//! The capOS-against-Linux table of `make bench`: the same rows measured
//! on both guests in one run (medians of the runs), their ratio, and
//! `bench/results/latest.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Samples by row key: the unit and every run's value.
#[derive(Default, Debug)]
pub struct Samples(BTreeMap<String, (String, Vec<f64>)>);

impl Samples {
    /// Adds one run's `value` of `key`.
    pub fn add(&mut self, key: &str, unit: &str, value: f64) {
        self.0.entry(key.to_string()).or_insert_with(|| (unit.to_string(), Vec::new())).1.push(value);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Samples) {
        for (key, (unit, values)) in other.0 {
            for value in values {
                self.add(&key, &unit, value);
            }
        }
    }

    /// These samples without the first of every key that has more than
    /// one (a warm-up run: just after a boot, capOS's services are still
    /// starting and every row's code is cold).
    pub fn without_first(mut self) -> Samples {
        for (_, values) in self.0.values_mut() {
            if values.len() > 1 {
                values.remove(0);
            }
        }
        self
    }

    /// The unit, the median and the number of runs of `key`.
    pub fn median(&self, key: &str) -> Option<(&str, f64, usize)> {
        let (unit, values) = self.0.get(key)?;
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
        Some((unit, median, n))
    }

    /// Parses `row: KEY VALUE UNIT` lines of a benchmark program's output.
    pub fn parse(&mut self, output: &str) -> Result<(), String> {
        for line in output.lines() {
            let Some(rest) = line.strip_prefix("row: ") else { continue };
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [key, value, unit] = words[..] else { return Err(format!("a malformed row: {line:?}")) };
            self.add(key, unit, value.parse().map_err(|e| format!("{line:?}: {e}"))?);
        }
        Ok(())
    }
}

/// A row of the table: its key in the programs' output, what it is, and
/// whether a bigger value is better (throughput).
pub struct RowSpec {
    /// The key (`row: KEY ...`).
    pub key: &'static str,
    /// What the table calls it.
    pub name: &'static str,
    /// MB/s and the like: the ratio is then Linux/capOS, so that below 1
    /// still means capOS is faster.
    pub higher_is_better: bool,
    /// Why capOS has no figure, for a row it cannot run yet.
    pub capos_missing: Option<&'static str>,
}

const fn row(key: &'static str, name: &'static str) -> RowSpec {
    RowSpec { key, name, higher_is_better: false, capos_missing: None }
}

/// The rows, in the table's order.
pub const ROWS: [RowSpec; 14] = [
    row("cpu-loop", "CPU-bound loop (control, ~1.0)"),
    row("getppid", "null call (getppid)"),
    row("write-devnull", "write 1 byte to /dev/null"),
    row("pipe-pingpong", "pipe ping-pong round trip"),
    RowSpec { higher_is_better: true, ..row("pipe-1mib", "1 MiB through a pipe, 4 KiB writes") },
    row("fork-exit-wait", "fork+exit+wait"),
    row("fork-exec-wait", "fork+exec+wait of a static hello"),
    row("file-cycle", "create+write 4K+read+unlink, RAM"),
    row("printf-100k", "100 000 printf lines to a file"),
    row("boot-first-process", "boot to first user process"),
    row("boot-prompt", "boot to shell prompt"),
    row("dash-loop", "dash loop, 10 000 iterations"),
    row("true-500", "dash: /bin/true x500"),
    row("wasm-cpu", "CPU-bound wasm (wasm-host / wasmi)"),
];

/// One compared row.
pub struct Compared {
    /// What it is.
    pub name: &'static str,
    /// The unit.
    pub unit: String,
    /// capOS's median, if measured.
    pub capos: Option<f64>,
    /// Linux's median, if measured.
    pub linux: Option<f64>,
    /// capOS/Linux in time (below 1: capOS faster).
    pub ratio: Option<f64>,
    /// The smaller number of runs of the two sides.
    pub runs: usize,
    /// Why a side is missing.
    pub note: String,
}

/// Compares every row of [`ROWS`].
pub fn compare(capos: &Samples, linux: &Samples) -> Vec<Compared> {
    ROWS.iter()
        .map(|spec| {
            let c = capos.median(spec.key);
            let l = linux.median(spec.key);
            let unit = c.or(l).map_or("", |m| m.0).to_string();
            let ratio = match (c, l) {
                (Some((_, c, _)), Some((_, l, _))) if c > 0.0 && l > 0.0 => {
                    Some(if spec.higher_is_better { l / c } else { c / l })
                }
                _ => None,
            };
            let runs = [c, l].iter().flatten().map(|m| m.2).min().unwrap_or(0);
            let note = match (c, l) {
                (None, _) => format!(
                    "capOS cannot run it yet{}",
                    spec.capos_missing.map(|w| format!(": {w}")).unwrap_or_default()
                ),
                (_, None) => String::from("not measured on Linux"),
                _ if spec.higher_is_better => String::from("ratio of times (Linux/capOS MB/s)"),
                _ => String::new(),
            };
            Compared {
                name: spec.name,
                unit,
                capos: c.map(|m| m.1),
                linux: l.map(|m| m.1),
                ratio,
                runs,
                note,
            }
        })
        .collect()
}

fn figure(value: Option<f64>) -> String {
    match value {
        None => String::from("-"),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// Prints the table.
pub fn print(rows: &[Compared], accel: &str) {
    println!();
    println!(
        "capOS against Linux in the same QEMU ({accel}; medians; ratio capOS/Linux in time, below 1 = capOS faster)"
    );
    println!(
        "{:<36} {:>10} {:>10} {:<6} {:>8} {:>5}  note",
        "benchmark", "capOS", "Linux", "unit", "ratio", "runs"
    );
    for r in rows {
        println!(
            "{:<36} {:>10} {:>10} {:<6} {:>8} {:>5}  {}",
            r.name,
            figure(r.capos),
            figure(r.linux),
            r.unit,
            r.ratio.map_or(String::from("-"), |x| format!("{x:.2}x")),
            r.runs,
            r.note
        );
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_number(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or(String::from("null"), |v| format!("{v:.4}"))
}

/// The rows as a JSON array, one object per row.
pub fn json(rows: &[Compared], accel: &str) -> String {
    let mut out = String::from("[\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {{\"name\": {}, \"unit\": {}, \"capos\": {}, \"linux\": {}, \"ratio\": {}, \"runs\": {}, \"accel\": {}, \"note\": {}}}{}",
            json_string(r.name),
            json_string(&r.unit),
            json_number(r.capos),
            json_number(r.linux),
            json_number(r.ratio),
            r.runs,
            json_string(accel),
            json_string(&r.note),
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    out.push_str("]\n");
    out
}

/// Writes `bench/results/latest.json`.
pub fn write_json(root: &Path, rows: &[Compared], accel: &str) -> Result<(), String> {
    let dir = root.join("bench/results");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("latest.json");
    std::fs::write(&path, json(rows, accel)).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("(written to bench/results/latest.json)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ratios_and_missing_rows() {
        let mut capos = Samples::default();
        capos
            .parse("row: getppid 3 ns\nnoise\nrow: getppid 1 ns\nrow: getppid 2 ns\nrow: pipe-1mib 50 MB/s\n")
            .unwrap();
        let mut linux = Samples::default();
        linux
            .parse("row: getppid 4 ns\nrow: getppid 4 ns\nrow: pipe-1mib 100 MB/s\nrow: dash-loop 9 ms\n")
            .unwrap();
        assert_eq!(capos.median("getppid"), Some(("ns", 2.0, 3)));
        let rows = compare(&capos, &linux);
        let get = |name: &str| rows.iter().find(|r| r.name.starts_with(name)).unwrap();
        assert_eq!(get("null call").ratio, Some(0.5));
        assert_eq!(get("null call").runs, 2);
        // Half the throughput takes twice the time.
        assert_eq!(get("1 MiB").ratio, Some(2.0));
        let dash = get("dash loop");
        assert_eq!((dash.capos, dash.linux, dash.ratio), (None, Some(9.0), None));
        assert!(dash.note.contains("cannot run it yet"));
        assert!(Samples::default().parse("row: x\n").is_err());
    }

    #[test]
    fn json_has_one_object_per_row() {
        let rows = compare(&Samples::default(), &Samples::default());
        let text = json(&rows, "tcg");
        assert_eq!(text.matches("\"name\"").count(), ROWS.len());
        assert!(text.contains("\"capos\": null"));
        assert_eq!(json_string("a\"b\n"), "\"a\\\"b\\u000a\"");
    }
}
