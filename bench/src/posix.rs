//! The POSIX rows: `bench/c/posix_bench.c`, built with
//! `sysroot/bin/capos-cc` and run with `./capos run`, times system calls
//! through musl and the POSIX adapter (a null call, a 1-byte write to
//! `/dev/null`, a 4 KiB file write and read, a `printf` line to a file)
//! and prints `bench: NAME: C cycles/op (N ops)` lines on stderr, the
//! ring benchmarks' format, so they share the ring table's reference.

use std::path::Path;
use std::process::{Command, Stdio};

use qemu_runner::Regex;

use crate::Result as Row;

/// Builds and runs the POSIX benchmark; returns its rows.
pub fn measure(root: &Path, build: &Path) -> std::result::Result<Vec<Row>, String> {
    let cc = root.join("sysroot/bin/capos-cc");
    if !cc.exists() {
        return Err("sysroot/bin/capos-cc is missing (make sysroot)".into());
    }
    let out_dir = build.join("bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let program = out_dir.join("posix_bench");
    let status = Command::new(&cc)
        .args(["-O2", "-o"])
        .arg(&program)
        .arg(root.join("bench/c/posix_bench.c"))
        .status()
        .map_err(|e| format!("cannot run capos-cc: {e}"))?;
    if !status.success() {
        return Err("capos-cc could not build bench/c/posix_bench.c".into());
    }
    let output = Command::new(root.join("capos"))
        .args(["run", "--timeout", "600", "--"])
        .arg(&program)
        .arg("/tmp")
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start ./capos: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = Regex::new(
        r"^bench: (?:(?P<name>.+): (?P<cycles>\d+) cycles/op \((?P<ops>\d+) ops\)|(?P<done>done))$",
    )
    .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let mut done = false;
    for text in stderr.lines() {
        let Some(found) = line.captures(text) else { continue };
        if found.name("done").is_some() {
            done = true;
            continue;
        }
        let number =
            |n: &str| found.name(n).map_or("0", |m| m.as_str()).parse::<u64>().map_err(|e| e.to_string());
        rows.push(Row {
            name: found.name("name").map_or("", |m| m.as_str()).to_string(),
            cycles: number("cycles")?,
            ops: number("ops")?,
        });
    }
    if !done || !output.status.success() {
        return Err(format!("the POSIX benchmark failed (status {:?}): {stderr}", output.status.code()));
    }
    Ok(rows)
}
