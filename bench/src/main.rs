//! `capos-bench` (`make bench`): boots `build/manifest-bench.bin` (the
//! `ring-bench` app) in QEMU, reads its `bench: NAME: C cycles/op (N ops)`
//! lines and prints each result with its ratio to the reference measured in
//! the same run: the empty syscall (kernel entry and exit only). Then the
//! comparison with Linux (`compare.rs`): the C programs of
//! `bench/programs/` on capOS (`posix.rs`, `./capos run`) and on a Debian
//! kernel booted in the same QEMU (`linux.rs`, an initramfs written by
//! `cpio.rs`), boot times on both, one table of medians and ratios, and
//! `bench/results/latest.json`. Then the wall-clock rows (`wall.rs`):
//! `./capos run`, `make run`, a boot's breakdown and stdio throughput, as
//! ratios to a bare boot.
//!
//! Numbers are guest TSC cycles; under TCG they describe the emulator as
//! much as the kernel, so compare ratios, not absolute values, and compare
//! runs on the same machine and accelerator. Performance claims live in
//! `make bench` output and `docs/benchmarks.md`, never in tests.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

mod compare;
mod cpio;
mod linux;
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
    /// Only the ring benchmarks (skip the comparison with Linux and the
    /// wall-clock rows).
    #[arg(long)]
    ring_only: bool,
    /// Skip the wall-clock rows of `./capos run` and `make run` (about 2
    /// minutes).
    #[arg(long)]
    no_wall: bool,
    /// Runs of each compared row (the median is printed; at least 5 for
    /// figures worth keeping).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Only the Linux peer's rows (no capOS boot at all).
    #[arg(long)]
    linux_only: bool,
    /// Seconds to wait for each line of the ring benchmarks before calling
    /// it a stall (a failure).
    #[arg(long, default_value_t = 600)]
    timeout: u64,
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
    if cli.linux_only {
        let accel = cli.accel.parse::<Accel>()?;
        let linux = linux::measure(&qemu_runner::repo_root(), &build, accel, cli.runs, cli.runs)?;
        compare::print(&compare::compare(&compare::Samples::default(), &linux), &cli.accel);
        return Ok(());
    }
    let accel = match cli.accel.as_str() {
        "tcg" => Accel::Tcg,
        "kvm" => Accel::Kvm,
        other => return Err(format!("unknown accelerator {other:?} (tcg or kvm)")),
    };
    if cli.ring_only {
        print_ring(&[ring_boot(cli, &build, accel)?], &cli.accel);
        return Ok(());
    }
    // Each run boots the ring benchmarks, runs capOS's POSIX rows once and
    // boots the Linux peer once, so that the figures a ratio divides were
    // measured within a minute of each other: this VM's speed for the
    // memory-bound work of a switch (QEMU's page walks and lookups) moves
    // by up to 2x between minutes, where CPU-bound work moves by a few
    // percent (docs/performance.md, "Fifth step"). Every row is the median
    // of the rounds.
    let root = qemu_runner::repo_root();
    let posix = posix::Posix::prepare(&root, &build)?;
    let peer = linux::Peer::prepare(&root, &build, accel)?;
    let mut rings = Vec::new();
    let mut capos = compare::Samples::default();
    let mut linux = compare::Samples::default();
    // Each side runs its rows twice per round and keeps the second (the
    // first is a warm-up; `Samples::without_first`).
    for _ in 0..cli.runs.max(1) {
        rings.push(ring_boot(cli, &build, accel)?);
        capos.merge(posix.run(&root, &build, 2)?.without_first());
        linux.merge(peer.boot(2)?.without_first());
    }
    print_ring(&rings, &cli.accel);
    capos.merge(wall::boot_samples(&build, accel, cli.runs)?);
    let rows = compare::compare(&capos, &linux);
    compare::print(&rows, &cli.accel);
    let ns_of = |name: &str| {
        median(rings.iter().filter_map(|ring| {
            ring.results
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.cycles as f64 * 1e3 / ring.tsc_mhz.max(1.0))
        }))
    };
    let ring = RingFigures {
        nop1: ns_of("nop batch 1"),
        nop16: ns_of("nop batch 16"),
        timer_now: ns_of("Timer.now call"),
        endpoint: ns_of("ipc round trip, empty"),
    };
    targets(&capos, &linux, &ring);
    compare::write_json(&root, &rows, &cli.accel)?;
    wasm::print(&wasm::measure(&root, &build, &cli.accel)?);
    if !cli.no_wall {
        wall::print(&wall::measure(&root, &build, accel)?);
    }
    Ok(())
}

/// The median of `values` (none: `None`).
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut sorted: Vec<f64> = values.collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// One boot of the ring benchmarks: its results, the kernel's profile
/// lines (`PROFILE=1` builds) and the TSC frequency it reported.
struct RingRun {
    results: Vec<Result>,
    profiles: Vec<(String, String)>,
    tsc_mhz: f64,
}

/// Boots `build/manifest-bench.bin` and reads ring-bench's results.
fn ring_boot(cli: &Cli, build: &std::path::Path, accel: Accel) -> std::result::Result<RingRun, String> {
    let mut spec = IsoSpec::new(build.join("kernel.elf"), "");
    spec.modules.push(IsoModule::new(build.join("manifest-bench.bin")));
    let iso = build.join("iso").join("bench.iso");
    let boot = prepare_boot(&spec, BootMethod::Direct, &iso).map_err(|e| e.to_string())?;
    let mut config = QemuConfig::new(boot);
    config.log_dir = build.join("logs");
    config.accel = accel;
    let mut session = Session::start("bench", &config).map_err(|e| e.to_string())?;
    let line = Regex::new(r"^bench: (?:profile (?P<pname>[^:]+): (?P<profile>.*)|(?P<name>.+): (?P<cycles>\d+) cycles/op \((?P<ops>\d+) ops\)|(?P<done>done)|error: (?P<error>.*))$")
        .map_err(|e| e.to_string())?;
    let tsc = Regex::new(r"TSC (?P<mhz>\d+) MHz").map_err(|e| e.to_string())?;
    let tsc_mhz = session
        .expect(&tsc, Duration::from_secs(600))
        .map_err(|e| e.to_string())?
        .name("mhz")
        .unwrap_or("0")
        .parse::<f64>()
        .map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    let mut profiles = Vec::new();
    loop {
        let found = session.expect(&line, Duration::from_secs(cli.timeout)).map_err(|e| e.to_string())?;
        if found.name("done").is_some() {
            break;
        }
        if let (Some(name), Some(profile)) = (found.name("pname"), found.name("profile")) {
            profiles.push((name.to_string(), profile.to_string()));
            continue;
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
    session.kill();
    Ok(RingRun { results, profiles, tsc_mhz })
}

/// Prints the ring benchmarks: each row's median over the boots `rings`
/// (in the first boot's order) with its ratio to the empty syscall's, and
/// the first boot's profile lines.
fn print_ring(rings: &[RingRun], accel: &str) {
    let Some(first) = rings.first() else { return };
    let cycles = |name: &str| {
        median(
            rings
                .iter()
                .filter_map(|ring| ring.results.iter().find(|r| r.name == name).map(|r| r.cycles as f64)),
        )
    };
    let reference = cycles(REFERENCE).unwrap_or(1.0).max(1.0);
    let boots =
        if rings.len() == 1 { String::from("one boot") } else { format!("median of {} boots", rings.len()) };
    println!("capOS ring benchmarks ({accel} accelerator; guest TSC cycles; {boots})");
    println!("{:<32} {:>12} {:>10} {:>24}", "benchmark", "cycles/op", "ops", "ratio to empty syscall");
    for r in &first.results {
        let c = cycles(&r.name).unwrap_or(r.cycles as f64);
        println!("{:<32} {:>12.0} {:>10} {:>23.2}x", r.name, c, r.ops, c / reference);
    }
    if !first.profiles.is_empty() {
        println!();
        print_profiles(&first.profiles);
    }
}

/// The ring benchmarks' figures the targets use, in ns (from their
/// cycles and the TSC frequency the kernel reported).
struct RingFigures {
    nop1: Option<f64>,
    nop16: Option<f64>,
    timer_now: Option<f64>,
    endpoint: Option<f64>,
}

/// Where the targets of issues 15 ("Benchmarks against a Linux guest")
/// and 16 ("The fast path") stand: each figure against the Linux figure
/// it is judged by, times the issue's factor.
fn targets(capos: &compare::Samples, linux: &compare::Samples, ring: &RingFigures) {
    let c = |key: &str| capos.median(key).map(|m| m.1);
    let l = |key: &str| linux.median(key).map(|m| m.1);
    let us = |ns: Option<f64>| ns.map(|v| v / 1e3);
    /// What, capOS's figure, Linux's, the factor and the unit.
    type Goal<'a> = (&'a str, Option<f64>, Option<f64>, f64, &'a str);
    let goals: [Goal<'_>; 10] = [
        ("ring NOP batch 1 <= Linux getppid", ring.nop1, l("getppid"), 1.0, "ns"),
        ("ring NOP batch 16, per NOP <= 0.3x Linux getppid", ring.nop16, l("getppid"), 0.3, "ns"),
        ("Timer.now <= 3x Linux getppid", ring.timer_now, l("getppid"), 3.0, "ns"),
        ("POSIX getppid <= 1.5x Linux", c("getppid"), l("getppid"), 1.5, "ns"),
        ("POSIX write 1 byte to /dev/null <= 1.5x Linux", c("write-devnull"), l("write-devnull"), 1.5, "ns"),
        ("pipe round trip <= Linux", c("pipe-pingpong"), l("pipe-pingpong"), 1.0, "us"),
        (
            "Endpoint round trip <= 0.5x Linux pipe round trip",
            us(ring.endpoint),
            l("pipe-pingpong"),
            0.5,
            "us",
        ),
        ("fork+exec+wait <= Linux", c("fork-exec-wait"), l("fork-exec-wait"), 1.0, "us"),
        ("boot to shell prompt <= 0.5x Linux", c("boot-prompt"), l("boot-prompt"), 0.5, "ms"),
        ("CPU-bound wasm within 5 % of wasmi on Linux", c("wasm-cpu"), l("wasm-cpu"), 1.05, "ms"),
    ];
    println!();
    println!("targets (issues 14, 15 and 16; Linux's figure times the factor)");
    for (what, mine, theirs, factor, unit) in goals {
        match (mine, theirs) {
            (Some(m), Some(t)) => println!(
                "  {what:<52} {m:>10.2} {unit} vs {:>10.2} {unit}  {}",
                t * factor,
                if m <= t * factor { "met" } else { "not met" }
            ),
            _ => println!("  {what:<52} not measured"),
        }
    }
}

/// The kernel's profile counters per operation (`bench: profile NAME:
/// label=value; ...` lines of a kernel built with `PROFILE=1`), one row per
/// benchmark: counts first, then kernel cycles.
fn print_profiles(profiles: &[(String, String)]) {
    let parse = |line: &str| -> Vec<(String, String)> {
        line.split(';')
            .filter_map(|item| item.trim().split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let Some((_, first)) = profiles.first() else { return };
    let labels: Vec<String> = parse(first).into_iter().map(|(k, _)| k).collect();
    println!("kernel profile per operation (feature `profile`; every process of a round trip counted)");
    for (i, label) in labels.iter().enumerate() {
        println!("  c{i:<2} {label}");
    }
    let mut header = format!("{:<32}", "benchmark");
    for i in 0..labels.len() {
        header.push_str(&format!(" {:>9}", format!("c{i}")));
    }
    println!("{header}");
    for (name, line) in profiles {
        let mut row = format!("{name:<32}");
        for (_, value) in parse(line) {
            let shown = match value.parse::<f64>() {
                Ok(v) if v >= 100.0 => format!("{v:.0}"),
                Ok(v) => format!("{v:.2}"),
                Err(_) => value,
            };
            row.push_str(&format!(" {shown:>9}"));
        }
        println!("{row}");
    }
}
