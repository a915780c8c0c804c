//! `qemu-runner`: boot capOS in QEMU, or build a boot ISO.
//!
//! ```text
//! qemu-runner [--build-dir DIR] iso  --kernel K [--cmdline C] [--module PATH[:CMDLINE]]... --out ISO
//! qemu-runner [--build-dir DIR] run  --kernel K [--cmdline C] [--module ...] [--boot direct|iso] [--accel tcg|kvm] [--memory MIB] [--gdb]
//! qemu-runner [--build-dir DIR] boot --kernel K [--cmdline C] [--module ...] [--boot direct|iso] [--accel tcg|kvm] [--memory MIB] [--timeout S]
//! ```
//!
//! Relative paths are taken relative to the repository root (found at
//! compile time, see `qemu_runner::repo_root`), not the current directory.
//! `run` and `boot` boot the kernel directly (QEMU's `-kernel`, PVH) unless
//! `--boot iso`, which builds `<build-dir>/iso/{run,boot}.iso` first;
//! `boot` logs the serial console to `<build-dir>/logs/boot.serial.log`.
//!
//! Exit status: `iso` 0 on success; `run` 0 when QEMU ended with the success
//! code or status 0 (a Ctrl-A X quit), 1 otherwise; `boot` 0 when QEMU ended
//! with the success code, 1 otherwise (including the timeout); 2 when the
//! runner itself failed (missing tool or file, bad arguments).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use qemu_runner::{
    Accel, BootMethod, ExitKind, IsoModule, IsoSpec, QemuConfig, RunnerError, Session, build_iso,
    prepare_boot, resolve, run_interactive,
};

#[derive(Parser)]
#[command(name = "qemu-runner", about = "Build capOS boot ISOs and run them in QEMU")]
struct Cli {
    /// Build directory (ISOs go to DIR/iso, serial logs to DIR/logs).
    #[arg(long, default_value = "build", global = true)]
    build_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a GRUB boot ISO.
    Iso {
        #[command(flatten)]
        image: Image,
        /// The ISO file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Boot interactively: serial console and QEMU monitor on this terminal
    /// (Ctrl-A X quits, Ctrl-A C toggles the monitor).
    Run {
        #[command(flatten)]
        image: Image,
        #[command(flatten)]
        machine: Machine,
        /// Start paused, with a GDB stub on tcp::1234.
        #[arg(long)]
        gdb: bool,
    },
    /// Boot captured: echo the serial console, stop when QEMU exits or the
    /// timeout passes, and report failures.
    Boot {
        #[command(flatten)]
        image: Image,
        #[command(flatten)]
        machine: Machine,
        /// Seconds to wait for QEMU to exit before killing it.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
}

#[derive(Args)]
struct Image {
    /// The kernel ELF (Multiboot2 and PVH entry).
    #[arg(long)]
    kernel: PathBuf,
    /// The kernel command line.
    #[arg(long, default_value = "")]
    cmdline: String,
    /// A boot module, `PATH` or `PATH:CMDLINE` (the command line defaults to
    /// the file name). Repeatable.
    #[arg(long = "module", value_name = "PATH[:CMDLINE]")]
    modules: Vec<String>,
}

#[derive(Args)]
struct Machine {
    /// Accelerator: tcg or kvm.
    #[arg(long, default_value = "tcg")]
    accel: Accel,
    /// Guest RAM in MiB.
    #[arg(long, default_value_t = 512)]
    memory: u32,
    /// How to boot: direct (QEMU loads the kernel, PVH) or iso (GRUB).
    #[arg(long, default_value = "direct")]
    boot: BootMethod,
}

impl Image {
    fn spec(&self) -> IsoSpec {
        let mut spec = IsoSpec::new(resolve(&self.kernel), self.cmdline.clone());
        for module in &self.modules {
            spec.modules.push(match module.split_once(':') {
                Some((path, cmdline)) => IsoModule::with_cmdline(resolve(path), cmdline),
                None => IsoModule::new(resolve(module)),
            });
        }
        spec
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("qemu-runner: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, RunnerError> {
    let build_dir = resolve(&cli.build_dir);
    match cli.command {
        Command::Iso { image, out } => {
            let out = resolve(out);
            build_iso(&image.spec(), &out)?;
            eprintln!("qemu-runner: {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { image, machine, gdb } => {
            let config = machine_config(&image, &machine, &build_dir, "run")?;
            let config = QemuConfig { gdb, ..config };
            if gdb {
                eprintln!("qemu-runner: waiting for GDB on tcp::1234");
            }
            eprintln!("qemu-runner: booting {} (Ctrl-A X quits)", image.kernel.display());
            let exit = run_interactive(&config)?;
            Ok(match exit {
                ExitKind::Success | ExitKind::Reset => ExitCode::SUCCESS,
                other => {
                    eprintln!("qemu-runner: QEMU {other}");
                    ExitCode::FAILURE
                }
            })
        }
        Command::Boot { image, machine, timeout } => {
            let config = machine_config(&image, &machine, &build_dir, "boot")?;
            let timeout = Duration::try_from_secs_f64(timeout)
                .map_err(|_| RunnerError::InvalidInput(format!("bad --timeout {timeout}")))?;
            let mut session = Session::start("boot", &config)?;
            session.set_echo(true);
            Ok(match session.wait_exit(timeout) {
                Ok(exit) => {
                    eprintln!("qemu-runner: QEMU {exit}");
                    ExitCode::SUCCESS
                }
                Err(failure) => {
                    // The serial lines were echoed already: report the rest.
                    eprintln!("qemu-runner: {}: {}", failure.kind(), failure.detail());
                    match failure.exit() {
                        Some(exit) => eprintln!("qemu-runner: QEMU {exit}"),
                        None => eprintln!("qemu-runner: QEMU is still running"),
                    }
                    if !failure.stderr().trim().is_empty() {
                        eprintln!("qemu-runner: QEMU stderr:\n{}", failure.stderr().trim_end());
                    }
                    eprintln!("qemu-runner: serial log: {}", session.log_path().display());
                    ExitCode::FAILURE
                }
            })
        }
    }
}

/// The QEMU config to boot `image` (building `<build_dir>/iso/<name>.iso`
/// first when booting an ISO).
fn machine_config(
    image: &Image,
    machine: &Machine,
    build_dir: &std::path::Path,
    name: &str,
) -> Result<QemuConfig, RunnerError> {
    let iso = build_dir.join("iso").join(format!("{name}.iso"));
    let mut config = QemuConfig::new(prepare_boot(&image.spec(), machine.boot, &iso)?);
    config.accel = machine.accel;
    config.memory_mib = machine.memory;
    config.log_dir = build_dir.join("logs");
    Ok(config)
}
