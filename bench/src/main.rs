//! `capos-bench` (`make bench`): boots `build/manifest-bench.bin` (the
//! `ring-bench` app) in QEMU, reads its `bench: NAME: C cycles/op (N ops)`
//! lines and prints each result with its ratio to the reference measured in
//! the same run: the empty syscall (kernel entry and exit only), with the
//! POSIX rows (`posix.rs`: C system calls through musl and the POSIX
//! adapter, `./capos run` of `bench/c/posix_bench.c`) beside them. Then the
//! wall-clock rows (`wall.rs`): `./capos run`, `make run`, a boot's
//! breakdown and stdio throughput, as ratios to a bare boot.
//!
//! Numbers are guest TSC cycles; under TCG they describe the emulator as
//! much as the kernel, so compare ratios, not absolute values, and compare
//! runs on the same machine and accelerator. Performance claims live in
//! `make bench` output and `docs/benchmarks.md`, never in tests.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

mod posix;
mod wall;
mod wasm;
use qemu_runner::{Accel, BootMethod, IsoModule, IsoSpec, QemuConfig, Regex, Session, prepare_boot};

#[derive(Parser)]
#[command(name = "capos-bench", about = "Run the capOS benchmarks in QEMU and print ratios")]
struct Cli {
    /// Build directory holding kernel.elf and manifest-bench.bin.
    #[arg(long, default_value = "build")]
    build_dir: PathBuf,
    /// QEMU accelerator: tcg (default) or kvm.
    #[arg(long, default_value = "tcg")]
    accel: String,
    /// Only the ring benchmarks (skip the wall-clock rows, about 2 minutes).
    #[arg(long)]
    ring_only: bool,
}

/// One result line.
struct Result {
    name: String,
    cycles: u64,
    ops: u64,
}

/// The name of the reference result the others are divided by.
const REFERENCE: &str = "empty syscall";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("capos-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> std::result::Result<(), String> {
    let build = qemu_runner::resolve(&cli.build_dir);
    let mut spec = IsoSpec::new(build.join("kernel.elf"), "");
    spec.modules.push(IsoModule::new(build.join("manifest-bench.bin")));
    let iso = build.join("iso").join("bench.iso");
    let boot = prepare_boot(&spec, BootMethod::Direct, &iso).map_err(|e| e.to_string())?;
    let mut config = QemuConfig::new(boot);
    config.log_dir = build.join("logs");
    let accel = match cli.accel.as_str() {
        "tcg" => Accel::Tcg,
        "kvm" => Accel::Kvm,
        other => return Err(format!("unknown accelerator {other:?} (tcg or kvm)")),
    };
    config.accel = accel;
    let mut session = Session::start("bench", &config).map_err(|e| e.to_string())?;
    let line = Regex::new(r"^bench: (?:(?P<name>.+): (?P<cycles>\d+) cycles/op \((?P<ops>\d+) ops\)|(?P<done>done)|error: (?P<error>.*))$")
        .map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    loop {
        let found = session.expect(&line, Duration::from_secs(600)).map_err(|e| e.to_string())?;
        if found.name("done").is_some() {
            break;
        }
        if let Some(error) = found.name("error") {
            return Err(format!("the benchmark failed in the guest: {error}"));
        }
        let number = |n: &str| found.name(n).unwrap_or("0").parse::<u64>().map_err(|e| e.to_string());
        results.push(Result {
            name: found.name("name").unwrap_or_default().to_string(),
            cycles: number("cycles")?,
            ops: number("ops")?,
        });
    }
    results.extend(posix::measure(&qemu_runner::repo_root(), &build)?);
    let reference = results
        .iter()
        .find(|r| r.name == REFERENCE)
        .map(|r| r.cycles.max(1))
        .ok_or_else(|| format!("no `{REFERENCE}` result to compare with"))?;
    println!("capOS ring benchmarks ({} accelerator; guest TSC cycles)", cli.accel);
    println!("{:<32} {:>12} {:>10} {:>24}", "benchmark", "cycles/op", "ops", "ratio to empty syscall");
    for r in &results {
        println!(
            "{:<32} {:>12} {:>10} {:>23.2}x",
            r.name,
            r.cycles,
            r.ops,
            r.cycles as f64 / reference as f64
        );
    }
    if !cli.ring_only {
        wasm::print(&wasm::measure(&qemu_runner::repo_root(), &build, &cli.accel)?);
        wall::print(&wall::measure(&qemu_runner::repo_root(), &build, accel)?);
    }
    Ok(())
}
