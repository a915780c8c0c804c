//! Wall-clock rows of `make bench`: how long a user waits for `./capos run`
//! and `make run`, where a boot's time goes, and how fast a program's stdio
//! crosses to the host. Each row is a median of several runs on this
//! machine, printed with its ratio to a reference measured in the same run:
//! a bare boot (QEMU started, the hello manifest run, power-off, QEMU gone)
//! through `qemu_runner::Session`, i.e. what no tool on top can avoid.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qemu_runner::{Accel, BootMethod, IsoModule, IsoSpec, QemuConfig, Regex, Session, prepare_boot, regex};

/// Runs of each measured command (the median is printed).
const RUNS: usize = 5;
/// Programs in the "suite" row.
const SUITE_PROGRAMS: usize = 100;
/// Bytes through stdout in the throughput row.
const STDOUT_BYTES: usize = 16 << 20;
/// Longest wait for any one step.
const STEP: Duration = Duration::from_secs(120);

/// One wall-clock row.
pub struct Row {
    /// What was measured.
    pub name: String,
    /// The median (or the single) duration.
    pub seconds: f64,
    /// Extra text (e.g. MB/s).
    pub detail: String,
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> Result<T, String>) -> Result<(f64, T), String> {
    let start = Instant::now();
    let value = f()?;
    Ok((start.elapsed().as_secs_f64(), value))
}

/// `./capos ARGS` from the repository root, stdin from `input`, stdout
/// returned; fails unless the status is `want`.
fn capos(root: &Path, args: &[&str], input: Option<&[u8]>, want: i32) -> Result<Vec<u8>, String> {
    let mut child = Command::new(root.join("capos"))
        .args(args)
        .current_dir(root)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start ./capos: {e}"))?;
    let feeder = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("piped");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let output = child.wait_with_output().map_err(|e| format!("./capos: {e}"))?;
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    if output.status.code() != Some(want) {
        return Err(format!(
            "./capos {} exited with {:?}, not {want}: {}",
            args.join(" "),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(output.stdout)
}

/// The reference and the breakdown: a bare boot of `manifest-hello.bin`
/// with `poweroff`, timing each milestone from QEMU's start.
fn bare_boot(build: &Path, accel: Accel) -> Result<(f64, Vec<(String, f64)>), String> {
    let mut spec = IsoSpec::new(build.join("kernel.elf"), capos_abi::cmdline::POWEROFF);
    spec.modules.push(IsoModule::new(build.join("manifest-hello.bin")));
    let boot = prepare_boot(&spec, BootMethod::Direct, &build.join("iso/bench-wall.iso"))
        .map_err(|e| e.to_string())?;
    let mut config = QemuConfig::new(boot);
    config.log_dir = build.join("logs");
    config.accel = accel;
    let start = Instant::now();
    let mut session = Session::start("bench-wall", &config).map_err(|e| e.to_string())?;
    let milestones = [
        (
            "QEMU start and firmware (to the banner)",
            format!("^{}", regex::escape(capos_abi::serial::BANNER_PREFIX)),
        ),
        ("kernel set-up (to init started)", String::from("started init as process")),
        ("init starts the program, its output", String::from("^hello, ")),
        ("exits and power-off (to the report)", format!("^{}", regex::escape(capos_abi::serial::POWER_OFF))),
    ];
    let mut steps = Vec::new();
    let mut last = 0.0;
    for (name, pattern) in milestones {
        let found = session
            .expect(&Regex::new(&pattern).map_err(|e| e.to_string())?, STEP)
            .map_err(|e| format!("bare boot, waiting for {name}: {e}"))?;
        let at = found.elapsed_since_start.as_secs_f64();
        steps.push((name.to_string(), at - last));
        last = at;
    }
    session.wait_exit(STEP).map_err(|e| e.to_string())?;
    let total = start.elapsed().as_secs_f64();
    steps.push((String::from("QEMU exit and clean-up"), total - last));
    Ok((total, steps))
}

/// Warm `make run` to the shell prompt: starts `make -s run` with piped
/// stdio, times the first `capos:/$ ` (dash's prompt, /etc/profile's
/// `PS1`), then types `exit`.
fn make_run_to_prompt(root: &Path) -> Result<f64, String> {
    let start = Instant::now();
    let mut child = Command::new("make")
        .args(["-s", "run"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start make run: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let mut elapsed = None;
    while elapsed.is_none() {
        let n = stdout.read(&mut buf).map_err(|e| format!("make run: {e}"))?;
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(9).any(|w| w == b"capos:/$ ") {
            elapsed = Some(start.elapsed().as_secs_f64());
        }
    }
    if let Some(stdin) = child.stdin.as_mut() {
        let _ = stdin.write_all(b"exit\n");
    }
    drop(child.stdin.take());
    let _ = std::io::copy(&mut stdout, &mut std::io::sink());
    let _ = child.wait();
    elapsed.ok_or_else(|| format!("make run ended without a prompt: {}", String::from_utf8_lossy(&seen)))
}

/// What [`measure`] found.
pub struct Measured {
    /// The bare boot every row is compared with.
    pub reference: Row,
    /// The rows.
    pub rows: Vec<Row>,
    /// A bare boot's steps and their seconds.
    pub breakdown: Vec<(String, f64)>,
}

/// Every wall-clock row, and the breakdown of a boot.
pub fn measure(root: &Path, build: &Path, accel: Accel) -> Result<Measured, String> {
    // Warm everything up: builds, page cache.
    capos(root, &["run", "--", "hello"], None, 0)?;
    let mut references = Vec::new();
    let mut breakdown = Vec::new();
    for _ in 0..RUNS {
        let (total, steps) = bare_boot(build, accel)?;
        references.push(total);
        breakdown = steps;
    }
    let reference = Row {
        name: String::from("bare boot: hello manifest to QEMU exit"),
        seconds: median(references),
        detail: String::new(),
    };

    let mut rows = Vec::new();
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        samples.push(timed(|| capos(root, &["run", "--", "hello"], None, 0))?.0);
    }
    rows.push(Row {
        name: String::from("./capos run -- hello (warm)"),
        seconds: median(samples),
        detail: String::new(),
    });

    let mut samples = Vec::new();
    for _ in 0..RUNS {
        samples.push(make_run_to_prompt(root)?);
    }
    rows.push(Row {
        name: String::from("make run to the prompt (warm)"),
        seconds: median(samples),
        detail: String::new(),
    });

    let (suite, ()) = timed(|| {
        for _ in 0..SUITE_PROGRAMS {
            capos(root, &["run", "--", "probe", "--exit", "0"], None, 0)?;
        }
        Ok(())
    })?;
    rows.push(Row {
        name: format!("{SUITE_PROGRAMS} trivial programs through ./capos run"),
        seconds: suite,
        detail: format!("{:.2} s each", suite / SUITE_PROGRAMS as f64),
    });

    let base = rows[0].seconds;
    let count = STDOUT_BYTES.to_string();
    let (out_s, out) = timed(|| capos(root, &["run", "--", "probe", "--out-bytes", &count], None, 0))?;
    if out.len() != STDOUT_BYTES {
        return Err(format!("probe --out-bytes {count} gave {} bytes", out.len()));
    }
    rows.push(throughput_row("stdout to the host", STDOUT_BYTES, out_s, base));
    for (bytes, line) in [(4 << 20, 4096), (1 << 20, 64)] {
        rows.push(stdin_row(root, bytes, line, base)?);
    }
    Ok(Measured { reference, rows, breakdown })
}

/// `bytes` of piped stdin in lines of `line` bytes, counted by
/// `probe --count-stdin` (which reads a line per read, as a terminal
/// gives them).
fn stdin_row(root: &Path, bytes: usize, line: usize, base: f64) -> Result<Row, String> {
    let input: Vec<u8> =
        (0..bytes).map(|i| if i % line == line - 1 { b'\n' } else { b'a' + (i % 26) as u8 }).collect();
    let (seconds, counted) =
        timed(|| capos(root, &["run", "--", "probe", "--count-stdin"], Some(&input), 0))?;
    let counted = String::from_utf8_lossy(&counted).trim().to_string();
    if counted != bytes.to_string() {
        return Err(format!("probe --count-stdin counted {counted:?} of {bytes} bytes"));
    }
    Ok(throughput_row(&format!("stdin from the host, {line}-byte lines"), bytes, seconds, base))
}

/// A throughput row: `bytes` in `seconds`, less the `base` of a trivial run.
fn throughput_row(what: &str, bytes: usize, seconds: f64, base: f64) -> Row {
    let transfer = (seconds - base).max(0.001);
    Row {
        name: format!("{} MiB {what}", bytes >> 20),
        seconds,
        detail: format!("{:.2} MB/s (less a trivial run's {base:.2} s)", bytes as f64 / transfer / 1e6),
    }
}

/// Prints the rows.
pub fn print(measured: &Measured) {
    let Measured { reference, rows, breakdown } = measured;
    println!();
    println!("capOS wall-clock (this machine; median of {RUNS} runs unless said)");
    println!("{:<44} {:>9} {:>12}  detail", "what", "seconds", "ratio");
    for row in std::iter::once(reference).chain(rows) {
        println!(
            "{:<44} {:>9.3} {:>11.2}x  {}",
            row.name,
            row.seconds,
            row.seconds / reference.seconds.max(1e-9),
            row.detail
        );
    }
    println!();
    println!("where a bare boot's time goes (host clock, from QEMU's start)");
    for (step, seconds) in breakdown {
        println!("  {step:<44} {seconds:>7.3} s");
    }
}

/// The boot rows of the comparison with Linux, `runs` boots each: boot to
/// the first user process's output (a bare boot's `hello, ` line: init is
/// started by the kernel and starts hello) and boot to the prompt of
/// `capos-shell` (the default manifest), in ms from QEMU's start.
pub fn boot_samples(build: &Path, accel: Accel, runs: usize) -> Result<crate::compare::Samples, String> {
    let mut samples = crate::compare::Samples::default();
    for _ in 0..runs {
        let (_, steps) = bare_boot(build, accel)?;
        let to_hello: f64 = steps.iter().take(3).map(|(_, s)| s).sum();
        samples.add("boot-first-process", "ms", to_hello * 1e3);
        samples.add("boot-prompt", "ms", boot_to_prompt(build, accel)? * 1e3);
    }
    Ok(samples)
}

/// Seconds from QEMU's start to the first prompt of `make run`'s dash (a partial
/// line, polled), booting the default manifest as `make run` does.
fn boot_to_prompt(build: &Path, accel: Accel) -> Result<f64, String> {
    let mut spec = IsoSpec::new(build.join("kernel.elf"), capos_abi::cmdline::POWEROFF);
    spec.modules.push(IsoModule::new(build.join("manifest.bin")));
    let boot = prepare_boot(&spec, BootMethod::Direct, &build.join("iso/bench-prompt.iso"))
        .map_err(|e| e.to_string())?;
    let mut config = QemuConfig::new(boot);
    config.log_dir = build.join("logs");
    config.accel = accel;
    let mut session = Session::start("bench-prompt", &config).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + STEP;
    while Instant::now() < deadline {
        if session.partial().contains("capos:/$ ") {
            let at = session.elapsed().as_secs_f64();
            session.kill();
            return Ok(at);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    session.kill();
    Err(format!("no shell prompt within {STEP:?}: {}", session.tail(10).join("\n")))
}
