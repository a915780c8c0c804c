//! The wasm rows: two programs built with clang's wasm32-wasi, under
//! capOS's `wasm-host` (`./capos run`) and under the same wasmi, version
//! and features, on the host (`tools/wasmi-run`): `bench/c/wasm_cpu.c`
//! (CPU-bound) and `bench/c/wasm_write.c` (100 000 one-byte `fd_write`s
//! to standard output on /dev/null: inside capOS dash redirects it, so
//! `wasm-host` takes the shell's `/dev/null` fd, which the adapter's
//! layer answers without a kernel call; on the host each is one
//! `write(2)` to /dev/null, as wasmtime makes). Each program times its own
//! work with WASI's monotonic clock and prints `bench: NAME: NS ns (…)` on
//! stderr, so boot, start-up and module validation are not counted; a row
//! is the median of [`RUNS`] runs on each side and their ratio. Under TCG
//! the CPU ratio is mostly the emulator's cost; the issue's target
//! (within 5 %) is about KVM (`ACCEL=kvm`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use qemu_runner::Regex;

/// Runs on each side (the median is printed).
const RUNS: usize = 3;

/// A wasm program of the bench: its source, its row's label, the name
/// in its report line, and whether its standard output goes to
/// /dev/null.
struct Program {
    source: &'static str,
    label: &'static str,
    report: &'static str,
    to_null: bool,
}

const PROGRAMS: [Program; 2] = [
    Program {
        source: "wasm_cpu",
        label: "CPU-bound: wasm-host vs host wasmi",
        report: "wasm cpu",
        to_null: false,
    },
    Program {
        source: "wasm_write",
        label: "100 000 fd_write of 1 byte to /dev/null",
        report: "wasm write",
        to_null: true,
    },
];

/// A measured row.
pub struct Row {
    /// What was run.
    pub label: &'static str,
    /// Nanoseconds of work under capOS's wasm-host (median).
    pub capos_ns: u64,
    /// Nanoseconds of the same work under wasmi on the host (median).
    pub host_ns: u64,
}

fn median(mut samples: Vec<u64>) -> u64 {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// The `NS` of the program's `bench: NAME: NS ns` line in `stderr`.
fn reported(stderr: &[u8], name: &str) -> Result<u64, String> {
    let text = String::from_utf8_lossy(stderr);
    let line = Regex::new(&format!(r"(?m)^bench: {name}: (\d+) ns")).map_err(|e| e.to_string())?;
    line.captures(&text)
        .and_then(|found| found.get(1))
        .and_then(|ns| ns.as_str().parse().ok())
        .ok_or_else(|| format!("no `bench: {name}: NS ns` line in: {text}"))
}

/// Standard error of `command`, which must succeed (its standard output
/// is captured unless the command sends it elsewhere).
fn output(command: &mut Command, what: &str) -> Result<Vec<u8>, String> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| format!("cannot start {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} exited with {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stderr)
}

/// Builds `bench/c/SOURCE.c` with clang's wasm32-wasi into
/// `build/bench/SOURCE.wasm`.
pub fn build_module(root: &Path, build: &Path, source: &str) -> Result<PathBuf, String> {
    let out_dir = build.join("bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let module = out_dir.join(format!("{source}.wasm"));
    output(
        Command::new("clang")
            .args(["--target=wasm32-wasi", "-O2", "-Wl,--strip-all", "-o"])
            .arg(&module)
            .arg(root.join(format!("bench/c/{source}.c"))),
        "clang --target=wasm32-wasi",
    )?;
    Ok(module)
}

/// Builds `tools/wasmi-run` as a static executable (glibc's static
/// libraries, `crt-static`) for the Linux peer's initramfs, in its own
/// target folder (`build/bench/wasmi-static/`, since its flags differ
/// from the workspace's): the same wasmi and release profile as the host
/// runner.
pub fn static_runner(root: &Path, build: &Path) -> Result<PathBuf, String> {
    let target_dir = build.join("bench/wasmi-static");
    output(
        Command::new("cargo")
            .args([
                "build",
                "--quiet",
                "--release",
                "-p",
                "wasmi-run",
                "--target",
                "x86_64-unknown-linux-gnu",
            ])
            .arg("--target-dir")
            .arg(&target_dir)
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .current_dir(root),
        "cargo build -p wasmi-run (static)",
    )?;
    Ok(target_dir.join("x86_64-unknown-linux-gnu/release/wasmi-run"))
}

/// The shell loop of the `wasm-cpu` row of the capOS-against-Linux table
/// (`compare.rs`): `runner` (capOS's `wasm-host` or, in the Linux peer,
/// the static `wasmi-run`) runs `module` (`bench/c/wasm_cpu.c`) `runs`
/// times (a number, or a shell expansion giving one), and each run's
/// own report becomes a `row: wasm-cpu MS ms` line; a run without a
/// report prints `bench: error: …` and ends the loop. For busybox's sh
/// and dash alike.
pub fn cpu_row_script(runner: &str, module: &str, runs: &str) -> String {
    format!(
        "i=0; while [ $i -lt {runs} ]; do \
           ns=$({runner} {module} 2>&1 >/dev/null | sed -n 's/^bench: wasm cpu: \\([0-9]*\\) ns.*/\\1/p'); \
           [ -n \"$ns\" ] || {{ echo 'bench: error: {runner} {module} printed no report'; break; }}; \
           printf 'row: wasm-cpu %d.%03d ms\\n' $((ns / 1000000)) $((ns / 1000 % 1000)); \
           i=$((i+1)); done"
    )
}

/// Builds the modules and the host runner, runs both sides of each.
pub fn measure(root: &Path, build: &Path, accel: &str) -> Result<Vec<Row>, String> {
    output(
        Command::new("cargo").args(["build", "--quiet", "--release", "-p", "wasmi-run"]).current_dir(root),
        "cargo build -p wasmi-run",
    )?;
    let runner = root.join("target/release/wasmi-run");
    let mut rows = Vec::new();
    for program in &PROGRAMS {
        let module = build_module(root, build, program.source)?;
        let inside = format!("/tmp/{}.wasm", program.source);
        let guest = format!("{}:{inside}", module.display());
        // Inside capOS, dash points the module's stdout at /dev/null.
        let command: Vec<String> = if program.to_null {
            vec!["sh".into(), "-c".into(), format!("wasm-host {inside} > /dev/null")]
        } else {
            vec!["wasm-host".into(), inside.clone()]
        };
        let mut capos = Vec::new();
        let mut host = Vec::new();
        for _ in 0..RUNS {
            let mut on_host = Command::new(&runner);
            on_host.arg(&module);
            if program.to_null {
                on_host.stdout(Stdio::null());
            }
            host.push(reported(&output(&mut on_host, "wasmi-run")?, program.report)?);
            capos.push(reported(
                &output(
                    Command::new(root.join("capos"))
                        .args(["run", "--accel", accel, "--timeout", "600", "--file", &guest, "--"])
                        .args(&command)
                        .current_dir(root),
                    "./capos run -- wasm-host",
                )?,
                program.report,
            )?);
        }
        rows.push(Row { label: program.label, capos_ns: median(capos), host_ns: median(host) });
    }
    Ok(rows)
}

/// Prints the rows.
pub fn print(rows: &[Row]) {
    println!();
    println!("wasm (bench/c/wasm_*.c on wasmi 2.0; the program's own monotonic clock; median of {RUNS})");
    println!("{:<40} {:>12} {:>12} {:>8}", "benchmark", "capOS ms", "host ms", "ratio");
    for row in rows {
        println!(
            "{:<40} {:>12.1} {:>12.1} {:>7.2}x",
            row.label,
            row.capos_ns as f64 / 1e6,
            row.host_ns as f64 / 1e6,
            row.capos_ns as f64 / row.host_ns.max(1) as f64
        );
    }
}
