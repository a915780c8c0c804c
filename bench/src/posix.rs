//! capOS's side of the POSIX rows: `bench/programs/*.c` built with
//! `sysroot/bin/capos-cc` and `bench/programs/posix_bench.c` run with
//! `./capos run` (one boot for every row and run), `hello` given as
//! `/bin/hello` for the fork+exec+wait row. The Linux peer runs the same
//! programs built with `gcc -static` (`linux.rs`).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::compare::Samples;
use crate::linux::build_programs;

/// Builds the programs with capos-cc and runs every row `runs` times.
pub fn measure(root: &Path, build: &Path, runs: usize) -> Result<Samples, String> {
    let cc = root.join("sysroot/bin/capos-cc");
    if !cc.exists() {
        return Err("sysroot/bin/capos-cc is missing (make sysroot)".into());
    }
    let programs = build_programs(root, build, "capos", &cc, &[])?;
    let mut hello = programs.dir.join("hello").into_os_string();
    hello.push(":/bin/hello");
    let output = Command::new(root.join("capos"))
        .args(["run", "--timeout", "1800", "--log"])
        .arg(build.join("logs/bench-posix.log"))
        .arg("--file")
        .arg(hello)
        .arg("--")
        .arg(programs.dir.join("posix_bench"))
        .args(["/tmp", "/bin/hello", &runs.to_string()])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start ./capos: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !stdout.lines().any(|l| l == "bench: done") {
        return Err(format!(
            "the POSIX benchmark failed on capOS (status {:?}): {stdout}{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut samples = Samples::default();
    samples.parse(&stdout)?;
    Ok(samples)
}
